/**
 * The containers subscriber: keeps the state's view of the project's
 * containers current and does the container work the state says is due. It
 * joins three phases, each a module of `containers/`:
 *
 * - `listing.ts`: list the containers, follow the engine's events, reconnect
 *   when the engine comes back (one-shot commands connect once);
 * - `stop-timing.ts`: tell dockstage's own stops from crashes, time them;
 * - `container-work.ts`: the first `up`, replacements on the engine API,
 *   restarts, a user's stop, the switch's recreate, pruning;
 * - `ready-waits.ts`: ends, on the Clock, the wait of the services ranked
 *   after one whose new container is still starting (`core/state/priority.ts`).
 *
 * What is due, and in which order, comes from the core's selectors
 * (`core/state/due.ts`); this file only asks them after each action and hands
 * the answers to the work.
 */
import type { EngineAction } from '../../core/state/actions.js';
import { replacementsDue, restartsDue, servicesToStart, switchDue } from '../../core/state/due.js';
import type { EngineState } from '../../core/state/engine-state.js';
import type { ComposeCli, ComposeTarget } from '../../ports/compose-cli.js';
import type { ContainerRuntime } from '../../ports/container-runtime.js';
import type { FileSystem } from '../../ports/file-system.js';
import type { Clock } from '../../ports/clock.js';
import type { Subscriber } from '../store.js';
import { createListing } from './containers/listing.js';
import { createStopTiming } from './containers/stop-timing.js';
import { createContainerWork } from './containers/container-work.js';
import { createReadyWaits } from './containers/ready-waits.js';

/** What the containers subscriber needs. */
export interface ContainersSubscriberOptions {
  readonly runtime: ContainerRuntime;
  readonly compose: ComposeCli;
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly dispatch: (action: EngineAction) => void;
  readonly getState: () => EngineState;
  /** How compose is called for this project (without dockstage's override file). */
  readonly composeTarget: ComposeTarget;
  readonly projectDir: string;
  /** Follow the engine's events (watch, TUI); one-shot commands list after each operation instead. */
  readonly follow: boolean;
  /** `up --wait`: compose waits for running/healthy. */
  readonly wait?: boolean;
}

/** Creates the subscriber; `dispose` stops the event stream and waits for the work under way. */
export function containersSubscriber(options: ContainersSubscriberOptions): Subscriber {
  const { runtime, dispatch, clock, getState } = options;
  const stop = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    const tracked = work.catch(() => undefined).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  const stops = createStopTiming({ runtime, clock, dispatch, getState });
  const readyWaits = createReadyWaits(clock, dispatch);
  const listing = createListing({
    runtime,
    clock,
    dispatch,
    project: () => getState().workspace?.project.name ?? '',
    signal: stop.signal,
    onEvent: (event) => {
      if ((event.action === 'kill' || event.action === 'die') && event.service !== undefined)
        stops.observe({ ...event, service: event.service });
    },
  });
  const work = createContainerWork({
    runtime,
    compose: options.compose,
    fs: options.fs,
    dispatch,
    getState,
    now: () => clock.now(),
    composeTarget: options.composeTarget,
    projectDir: options.projectDir,
    wait: options.wait === true,
    signal: stop.signal,
    track,
    relist: listing.relist,
  });
  let started = false;

  return {
    onChange(state, action) {
      if (action.type === 'stopRequested') {
        stop.abort();
        stops.forget();
        readyWaits.forget();
        return;
      }
      if (action.type === 'buildProgressed') return;
      if (!started && state.workspace !== undefined) {
        started = true;
        track(options.follow ? listing.follow() : listing.connectOnce());
      }
      if (state.stopping) return;
      if (action.type === 'serviceStopped') work.stopService(action.service);
      const services = servicesToStart(state);
      if (services !== undefined) work.bringUp(services);
      for (const due of replacementsDue(getState())) work.replace(due.service, due.containerId, due.imageId);
      for (const service of restartsDue(getState())) work.restart(service);
      if (switchDue(getState())) work.switchEnvironment();
      if (state.mode === 'watch') readyWaits.observe(getState());
    },
    async dispose() {
      stop.abort();
      stops.forget();
      readyWaits.forget();
      await Promise.allSettled([...inFlight]);
    },
  };
}
