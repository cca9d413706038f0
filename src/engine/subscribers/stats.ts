/**
 * The stats subscriber: samples CPU and memory of each running container every
 * few seconds for the TUI's services table, outside the engine state (the
 * numbers are for show; nothing decides on them). One round at a time: a slow
 * engine delays the next round instead of piling up requests.
 */
import type { EngineState } from '../../core/state/engine-state.js';
import type { Clock, TimerId } from '../../ports/clock.js';
import type { ContainerRuntime, StatsSample } from '../../ports/container-runtime.js';
import type { Subscriber } from '../store.js';

/** What the stats subscriber needs; `onSample` gets undefined when a service has no running container any more. */
export interface StatsSubscriberOptions {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly getState: () => EngineState;
  readonly onSample: (service: string, sample: StatsSample | undefined) => void;
  /** Time between rounds (default 3 s). */
  readonly intervalMs?: number;
}

/** Creates the subscriber; sampling starts with the first listing of containers and ends on `stopRequested`. */
export function statsSubscriber(options: StatsSubscriberOptions): Subscriber {
  const { runtime, clock } = options;
  let timer: TimerId | undefined;
  let round: Promise<void> | undefined;
  let stopped = false;
  let started = false;
  const sampled = new Set<string>();

  const sampleAll = async () => {
    const state = options.getState();
    const running = Object.values(state.services)
      .map((service) => ({ service: service.name, container: service.containers.find((c) => c.state === 'running') }))
      .filter((entry) => entry.container !== undefined);
    for (const name of [...sampled]) {
      if (!running.some((entry) => entry.service === name)) {
        sampled.delete(name);
        options.onSample(name, undefined);
      }
    }
    await Promise.all(
      running.map(async ({ service, container }) => {
        try {
          const sample = await runtime.stats(container!.id);
          if (stopped) return;
          sampled.add(service);
          options.onSample(service, sample);
        } catch {
          // Gone between the listing and the sample: the next round will know.
        }
      }),
    );
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      round = sampleAll().finally(schedule);
    }, options.intervalMs ?? 3_000);
  };

  return {
    onChange(_state, action) {
      if (stopped) return;
      if (action.type === 'stopRequested') {
        stopped = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        return;
      }
      if (action.type === 'containersListed' && !started) {
        started = true;
        round = sampleAll().finally(schedule);
      }
    },
    async dispose() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await round;
    },
  };
}
