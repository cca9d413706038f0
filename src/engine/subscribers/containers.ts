/**
 * The containers subscriber: keeps the state's view of the project's
 * containers current (a listing, then the engine's event stream, reconnecting
 * when the engine comes back), and does the container work the state says is
 * due: the first `up` through compose, replacements on the engine API (the hot
 * path: no compose process per edit), restarts, the environment switch's
 * recreate, pruning of superseded images, and stopping a service the user
 * stopped (a key in the TUI). Exits are reported as crashes only when
 * dockstage did not stop the container itself; its own stops are timed.
 */
import { DockstageError } from '../../core/errors.js';
import { ENVIRONMENT_LABEL } from '../../core/compose/state-paths.js';
import { upWithoutDependencies } from '../../core/compose/up-scope.js';
import type { EngineAction, ListedContainer } from '../../core/state/actions.js';
import { replacementsDue, restartsDue, servicesToStart, switchDue } from '../../core/state/due.js';
import { liveContainer, type EngineState } from '../../core/state/engine-state.js';
import type { ComposeCli, ComposeTarget } from '../../ports/compose-cli.js';
import type { ContainerEvent, ContainerInfo, ContainerRuntime } from '../../ports/container-runtime.js';
import type { FileSystem } from '../../ports/file-system.js';
import type { Clock, TimerId } from '../../ports/clock.js';
import { isIntendedStop, SLOW_STOP_MS } from '../../core/state/stops.js';
import { formatPorts, recreateChanged, rememberEnvironment, writeOverride } from '../../operations/lifecycle.js';
import type { Subscriber } from '../store.js';
import { removeIfDangling } from '../../operations/builds.js';

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

/** How long to wait before asking a vanished engine again (doubling up to the cap). */
const RECONNECT_MS = { first: 250, max: 4000 };

/** Creates the subscriber; `dispose` stops the event stream. */
export function containersSubscriber(options: ContainersSubscriberOptions): Subscriber {
  const { runtime, dispatch, clock } = options;
  const now = () => clock.now();
  const stop = new AbortController();
  let host = 'localhost';
  let listing: Promise<void> | undefined;
  let listAgain = false;
  let started = false;
  const inFlight = new Set<Promise<unknown>>();
  /** Intended stops under way, by container: when the engine's kill came, and the slow-stop timer. */
  const stops = new Map<string, { killedAt: number; timer: TimerId | undefined }>();
  const forgetStops = () => {
    for (const timing of stops.values()) if (timing.timer !== undefined) clock.clearTimeout(timing.timer);
    stops.clear();
  };

  const project = () => options.getState().workspace?.project.name ?? '';

  /** Lists the project's containers; calls that arrive while one runs are folded into one more listing. */
  const relist = (): Promise<void> => {
    if (listing !== undefined) {
      listAgain = true;
      return listing;
    }
    listing = (async () => {
      do {
        listAgain = false;
        const containers = await runtime.listContainers(project());
        dispatch({ type: 'containersListed', containers: containers.map((c) => snapshot(c, host)), at: now() });
      } while (listAgain);
    })().finally(() => {
      listing = undefined;
    });
    return listing;
  };

  const track = <T>(work: Promise<T>): void => {
    const tracked = work.catch(() => undefined).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  /** Follows the engine's events; when the engine goes away, says so and tries again until it answers. */
  const follow = async () => {
    let delay = RECONNECT_MS.first;
    while (!stop.signal.aborted) {
      try {
        const info = await runtime.info();
        host = info.host;
        dispatch({ type: 'engineConnected', version: info.serverVersion, host: info.host, ...(info.endpoint === undefined ? {} : { endpoint: info.endpoint }), at: now() });
        delay = RECONNECT_MS.first;
        const events = runtime.events(
          project(),
          (event) => {
            if ((event.action === 'kill' || event.action === 'die') && event.service !== undefined) observeStop({ ...event, service: event.service });
            void relist().catch(() => undefined);
          },
          stop.signal,
        );
        await relist();
        await events;
        if (stop.signal.aborted) return;
      } catch (error) {
        if (stop.signal.aborted) return;
        dispatch({ type: 'engineDisconnected', message: error instanceof Error ? error.message : String(error), at: now() });
      }
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, delay);
        stop.signal.addEventListener('abort', () => {
          clock.clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      delay = Math.min(delay * 2, RECONNECT_MS.max);
    }
  };

  /**
   * A stop starts with the engine's `kill` (the stop signal) and ends with `die`. An intended stop is timed on the
   * Clock: still running after SLOW_STOP_MS, it is said (`containerStopSlow`). Whether an exit was intended is decided
   * when the engine reports it, from the state then; an intended one needs no log tail.
   */
  const observeStop = (event: ContainerEvent & { readonly service: string }) => {
    const { service, containerId } = event;
    if (event.action === 'kill') {
      if (stops.has(containerId) || !isIntendedStop(options.getState(), service, containerId, now())) return;
      const timing: { killedAt: number; timer: TimerId | undefined } = { killedAt: event.time, timer: undefined };
      timing.timer = clock.setTimeout(() => {
        timing.timer = undefined;
        if (stops.get(containerId) === timing) dispatch({ type: 'containerStopSlow', service, containerId, at: now() });
      }, SLOW_STOP_MS);
      stops.set(containerId, timing);
      return;
    }
    const timing = stops.get(containerId);
    stops.delete(containerId);
    if (timing?.timer !== undefined) clock.clearTimeout(timing.timer);
    const { exitCode } = event;
    if (timing !== undefined || isIntendedStop(options.getState(), service, containerId, now())) {
      const stopMs = timing === undefined ? undefined : Math.max(0, event.time - timing.killedAt);
      dispatch({ type: 'containerExited', service, containerId, exitCode, logTail: [], intended: true, stopMs, at: now() });
      return;
    }
    // A failure is shown with its last lines, so a crash loop explains itself without a trip to `docker logs`.
    const tail = exitCode === 0 || exitCode === undefined ? Promise.resolve<string[]>([]) : lastLines(containerId);
    void tail.then((logTail) => dispatch({ type: 'containerExited', service, containerId, exitCode, logTail, intended: false, at: now() }));
  };

  const lastLines = async (containerId: string): Promise<string[]> => {
    const lines: string[] = [];
    try {
      await runtime.logs(containerId, { follow: false, tail: 10 }, (line) => lines.push(line.text));
    } catch {
      // Gone already: the exit code says enough.
    }
    return lines.slice(-10);
  };

  const bringUp = (services: readonly string[]) => {
    dispatch({ type: 'projectUpStarted', services, at: now() });
    track(
      (async () => {
        try {
          const state = options.getState();
          const target = await writeOverride(loadedFrom(state), options.fs);
          const before = imagesInUse(state);
          const noDeps = state.up === 'done' && upWithoutDependencies(state.workspace!, services);
          await options.compose.up(target, services, { ...(noDeps ? { noDeps: true } : {}), ...(options.wait === true ? { wait: true } : {}) });
          await relist();
          dispatch({ type: 'projectUp', services, at: now() });
          await pruneLeftBehind(before);
        } catch (error) {
          dispatch({ type: 'projectUpFailed', services, error: asError(error, `starting ${services.join(', ')} failed`), at: now() });
        }
      })(),
    );
  };

  const replace = (service: string, containerId: string, imageId: string) => {
    dispatch({ type: 'containerReplaceStarted', service, containerId, at: now() });
    track(
      (async () => {
        const image = options.getState().workspace?.services.find((s) => s.name === service)?.image ?? imageId;
        try {
          const oldImage = options.getState().services[service]?.containers.find((c) => c.id === containerId)?.imageId;
          // A container that crashed (not one the user stopped) runs the fix at once: that is why it was rebuilt.
          const startAfterCrash = options.getState().services[service]?.stoppedByUser !== true;
          const replaced = await runtime.replaceContainer(containerId, image, { signal: stop.signal, startAfterCrash });
          dispatch({ type: 'containerReplaced', service, oldId: containerId, newId: replaced.id, imageId: replaced.imageId, at: now() });
          if (options.getState().prune && oldImage !== undefined && oldImage !== replaced.imageId) await pruneImage(service, oldImage);
        } catch (error) {
          dispatch({ type: 'containerReplaceFailed', service, error: asError(error, `replacing the container of ${service} failed`), at: now() });
        }
        await relist().catch(() => undefined);
      })(),
    );
  };

  /** Removes the image a replacement moved away from, when nothing names or uses it any more (see removeIfDangling). */
  const pruneImage = async (service: string, imageId: string) => {
    if (await removeIfDangling(runtime, imageId)) dispatch({ type: 'imagePruned', service, imageId, at: now() });
  };

  /** The images the project's containers run now, by service (compose may recreate them onto new images). */
  const imagesInUse = (state: EngineState) =>
    Object.values(state.services).flatMap((service) => service.containers.map((c) => ({ service: service.name, imageId: c.imageId })));

  /** After compose recreated containers, the images they ran that nothing names or uses any more are removed. */
  const pruneLeftBehind = async (before: readonly { service: string; imageId: string }[]) => {
    if (!options.getState().prune) return;
    const still = new Set(imagesInUse(options.getState()).map((entry) => entry.imageId));
    for (const { service, imageId } of before) if (!still.has(imageId)) await pruneImage(service, imageId);
  };

  const restart = (service: string) => {
    dispatch({ type: 'containerRestartStarted', service, at: now() });
    track(
      (async () => {
        const container = liveContainer(options.getState().services[service]!);
        try {
          if (container !== undefined) await runtime.restartContainer(container.id);
          dispatch({ type: 'containerRestarted', service, at: now() });
        } catch (error) {
          dispatch({ type: 'containerRestartFailed', service, error: asError(error, `restarting ${service} failed`), at: now() });
        }
        await relist().catch(() => undefined);
      })(),
    );
  };

  /** The user stopped the service: its container stops (compose keeps it, so a start brings the same one back). */
  const stopService = (service: string) => {
    const current = options.getState().services[service];
    const container = current === undefined ? undefined : liveContainer(current);
    if (container === undefined) return;
    track(
      (async () => {
        try {
          await runtime.stopContainer(container.id);
        } catch (error) {
          dispatch({ type: 'containerStopFailed', service, error: asError(error, `stopping ${service} failed`), at: now() });
        }
        await relist().catch(() => undefined);
      })(),
    );
  };

  const switchEnvironment = () => {
    dispatch({ type: 'environmentSwitchStarted', at: now() });
    track(
      (async () => {
        try {
          const state = options.getState();
          const loaded = loadedFrom(state);
          const target = await writeOverride(loaded, options.fs);
          const before = imagesInUse(state);
          const result = await recreateChanged(loaded, { fs: options.fs, compose: options.compose, runtime }, target);
          await rememberEnvironment(options.projectDir, loaded.workspace.project.name, loaded.workspace.environment.name, options.fs);
          await relist();
          dispatch({ type: 'environmentSwitched', environment: loaded.workspace.environment.name, recreated: result.recreated, restarted: result.restarted, at: now() });
          await pruneLeftBehind(before);
        } catch (error) {
          dispatch({ type: 'environmentSwitchFailed', error: asError(error, 'the environment switch failed'), at: now() });
        }
      })(),
    );
  };

  const loadedFrom = (state: EngineState) => {
    const workspace = state.workspace!;
    return { compose: options.composeTarget, projectDir: options.projectDir, project: workspace.project, config: workspace.config, workspace };
  };

  return {
    onChange(state, action) {
      if (action.type === 'stopRequested') {
        stop.abort();
        forgetStops();
        return;
      }
      if (action.type === 'buildProgressed') return;
      if (!started && state.workspace !== undefined) {
        started = true;
        if (options.follow) track(follow());
        else track(runtime.info().then((info) => {
          host = info.host;
          dispatch({ type: 'engineConnected', version: info.serverVersion, host: info.host, ...(info.endpoint === undefined ? {} : { endpoint: info.endpoint }), at: now() });
          return relist();
        }).catch((error: unknown) => dispatch({ type: 'engineDisconnected', message: error instanceof Error ? error.message : String(error), at: now() })));
      }
      if (state.stopping) return;
      if (action.type === 'serviceStopped') stopService(action.service);
      const services = servicesToStart(state);
      if (services !== undefined) bringUp(services);
      const current = options.getState();
      for (const due of replacementsDue(current)) replace(due.service, due.containerId, due.imageId);
      for (const service of restartsDue(options.getState())) restart(service);
      if (switchDue(options.getState())) switchEnvironment();
    },
    async dispose() {
      stop.abort();
      forgetStops();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The core's view of a container, with ports on the engine's host. */
export function snapshot(container: ContainerInfo, host: string): ListedContainer {
  return {
    id: container.id,
    service: container.service,
    name: container.name,
    state: container.state,
    health: container.health,
    imageId: container.imageId,
    exitCode: container.exitCode,
    ports: formatPorts(container, host),
    environment: container.labels[ENVIRONMENT_LABEL],
  };
}

function asError(error: unknown, fallback: string): DockstageError {
  if (error instanceof DockstageError) return error;
  return new DockstageError(`${fallback}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1 });
}
