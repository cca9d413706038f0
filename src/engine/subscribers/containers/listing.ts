/**
 * The containers subscriber's view of the engine: lists the project's
 * containers into the state (`containersListed`), follows the engine's event
 * stream, and when the engine goes away says so and asks again with a growing
 * delay until it answers. One-shot commands connect once and list after each
 * operation instead of following.
 */
import { ENVIRONMENT_LABEL } from '../../../core/compose/state-paths.js';
import type { EngineAction, ListedContainer } from '../../../core/state/actions.js';
import type { Clock } from '../../../ports/clock.js';
import type { ContainerEvent, ContainerInfo, ContainerRuntime, EngineInfo } from '../../../ports/container-runtime.js';
import { formatPorts } from '../../../operations/lifecycle.js';

/** How long to wait before asking a vanished engine again (doubling up to the cap). */
const RECONNECT_MS = { first: 250, max: 4000 };

/** What the listing needs. */
export interface ListingOptions {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly dispatch: (action: EngineAction) => void;
  /** The compose project's name as the state knows it now. */
  readonly project: () => string;
  /** Ends the event stream and the reconnect loop. */
  readonly signal: AbortSignal;
  /** Hears every event of the stream before the listing it causes. */
  readonly onEvent: (event: ContainerEvent) => void;
}

/** The listing: `relist` on demand, `follow` (watch) or `connectOnce` (one-shot commands). */
export interface Listing {
  /** Lists the project's containers; calls that arrive while one runs are folded into one more listing. */
  relist(): Promise<void>;
  /** Follows the engine's events until the signal aborts, reconnecting when the engine comes back. */
  follow(): Promise<void>;
  /** Asks the engine once who it is, then lists. */
  connectOnce(): Promise<void>;
}

/** Creates the listing of one run. */
export function createListing(options: ListingOptions): Listing {
  const { runtime, dispatch, clock, signal } = options;
  const now = () => clock.now();
  let host = 'localhost';
  let listing: Promise<void> | undefined;
  let listAgain = false;

  const connected = (info: EngineInfo) => {
    host = info.host;
    dispatch({
      type: 'engineConnected',
      version: info.serverVersion,
      host: info.host,
      ...(info.endpoint === undefined ? {} : { endpoint: info.endpoint }),
      at: now(),
    });
  };
  const disconnected = (error: unknown) =>
    dispatch({ type: 'engineDisconnected', message: error instanceof Error ? error.message : String(error), at: now() });

  const relist = (): Promise<void> => {
    if (listing !== undefined) {
      listAgain = true;
      return listing;
    }
    listing = (async () => {
      do {
        listAgain = false;
        const containers = await runtime.listContainers(options.project());
        dispatch({ type: 'containersListed', containers: containers.map((c) => snapshot(c, host)), at: now() });
      } while (listAgain);
    })().finally(() => {
      listing = undefined;
    });
    return listing;
  };

  const follow = async () => {
    let delay = RECONNECT_MS.first;
    while (!signal.aborted) {
      try {
        connected(await runtime.info());
        delay = RECONNECT_MS.first;
        const events = runtime.events(
          options.project(),
          (event) => {
            options.onEvent(event);
            void relist().catch(() => undefined);
          },
          signal,
        );
        await relist();
        await events;
        if (signal.aborted) return;
      } catch (error) {
        if (signal.aborted) return;
        disconnected(error);
      }
      await pause(clock, delay, signal);
      delay = Math.min(delay * 2, RECONNECT_MS.max);
    }
  };

  const connectOnce = () =>
    runtime
      .info()
      .then((info) => {
        connected(info);
        return relist();
      })
      .catch(disconnected);

  return { relist, follow, connectOnce };
}

/** Resolves after `ms` on the Clock, or at once when the signal aborts. */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clock.clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
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
