/**
 * Exits, told apart: a stop starts with the engine's `kill` (the stop signal)
 * and ends with `die`. An intended stop (`isIntendedStop`, decided from the
 * state when the engine reports it) is timed on the Clock, and one still
 * running after SLOW_STOP_MS is said (`containerStopSlow`); its exit needs no
 * log tail. Any other exit is a crash, reported with its last lines.
 */
import type { EngineAction } from '../../../core/state/actions.js';
import type { EngineState } from '../../../core/state/engine-state.js';
import { isIntendedStop, SLOW_STOP_MS } from '../../../core/state/stops.js';
import type { Clock, TimerId } from '../../../ports/clock.js';
import type { ContainerEvent, ContainerRuntime } from '../../../ports/container-runtime.js';

/** What the stop timing needs. */
export interface StopTimingOptions {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly dispatch: (action: EngineAction) => void;
  readonly getState: () => EngineState;
}

/** Watches kills and exits; `forget` drops every timer (the run stops). */
export interface StopTiming {
  observe(event: ContainerEvent & { readonly service: string }): void;
  forget(): void;
}

/** Creates the stop timing of one run. */
export function createStopTiming(options: StopTimingOptions): StopTiming {
  const { clock, dispatch, runtime } = options;
  const now = () => clock.now();
  /** Intended stops under way, by container: when the engine's kill came, and the slow-stop timer. */
  const stops = new Map<string, { killedAt: number; timer: TimerId | undefined }>();

  const killed = (service: string, containerId: string, time: number) => {
    if (stops.has(containerId) || !isIntendedStop(options.getState(), service, containerId, now())) return;
    const timing: { killedAt: number; timer: TimerId | undefined } = { killedAt: time, timer: undefined };
    timing.timer = clock.setTimeout(() => {
      timing.timer = undefined;
      if (stops.get(containerId) === timing) dispatch({ type: 'containerStopSlow', service, containerId, at: now() });
    }, SLOW_STOP_MS);
    stops.set(containerId, timing);
  };

  const died = (event: ContainerEvent & { readonly service: string }) => {
    const { service, containerId, exitCode } = event;
    const timing = stops.get(containerId);
    stops.delete(containerId);
    if (timing?.timer !== undefined) clock.clearTimeout(timing.timer);
    if (timing !== undefined || isIntendedStop(options.getState(), service, containerId, now())) {
      const stopMs = timing === undefined ? undefined : Math.max(0, event.time - timing.killedAt);
      dispatch({ type: 'containerExited', service, containerId, exitCode, logTail: [], intended: true, stopMs, at: now() });
      return;
    }
    // A failure is shown with its last lines, so a crash loop explains itself without a trip to `docker logs`.
    const tail = exitCode === 0 || exitCode === undefined ? Promise.resolve<string[]>([]) : lastLines(runtime, containerId);
    void tail.then((logTail) => dispatch({ type: 'containerExited', service, containerId, exitCode, logTail, intended: false, at: now() }));
  };

  return {
    observe(event) {
      if (event.action === 'kill') killed(event.service, event.containerId, event.time);
      else if (event.action === 'die') died(event);
    },
    forget() {
      for (const timing of stops.values()) if (timing.timer !== undefined) clock.clearTimeout(timing.timer);
      stops.clear();
    },
  };
}

/** A container's last ten lines of output; none when it is gone already (the exit code says enough). */
async function lastLines(runtime: ContainerRuntime, containerId: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    await runtime.logs(containerId, { follow: false, tail: 10 }, (line) => lines.push(line.text));
  } catch {
    // Gone already.
  }
  return lines.slice(-10);
}
