/**
 * What the user looks at is served first. When one change gives several
 * services container work (a shared build replaces web and worker; a live
 * sync restarts both; `depends_on … restart: true` dependents follow), doing
 * it side by side makes every one of them slower on a small machine. So, while
 * watching, the work goes by rank:
 *
 *   0. the service the user looks at (the TUI's selection, `serviceFocused`);
 *   1. services that publish ports (`ports:`), which a browser or a client reaches;
 *   2. the rest.
 *
 * A service waits (`waiting-for-priority`) while a service of a better rank is
 * being served: its container work is due or under way, or its new container
 * is starting (healthcheck `starting`, for at most READY_WAIT_MS). Services of
 * the same rank go side by side. A restart the user asked for waits for
 * nothing. One-shot commands (`up`, `env`) keep their order: nothing follows
 * the health of their containers.
 */
import { liveContainer, type EngineState } from './engine-state.js';

/** How long a container whose healthcheck still says `starting` holds back the services ranked after it. */
export const READY_WAIT_MS = 5_000;

/** The rank of a service's container work: lower goes first (see the module's comment). */
export function priorityOf(state: EngineState, name: string): number {
  if (state.mode !== 'watch') return 2;
  if (state.focus === name) return 0;
  const compose = state.workspace?.project.services.find((service) => service.name === name);
  return compose !== undefined && compose.ports.length > 0 ? 1 : 2;
}

/**
 * The service's container is starting and may still hold others back: running, its healthcheck not answered yet, and
 * READY_WAIT_MS not over for it. Its id, else undefined. (Without a healthcheck a running container is ready.)
 */
export function startingContainer(state: EngineState, name: string): string | undefined {
  const service = state.services[name];
  const live = service === undefined ? undefined : liveContainer(service);
  if (live === undefined || live.state !== 'running' || live.health !== 'starting' || state.readyWaitsEnded.includes(live.id))
    return undefined;
  return live.id;
}

/** Is the service being served: container work due (`due`) or under way, or its new container starting? */
function beingServed(state: EngineState, name: string, due: ReadonlySet<string>): boolean {
  return due.has(name) || state.services[name]?.operation !== undefined || startingContainer(state, name) !== undefined;
}

/** Of the services with container work due now, those that may start it, and for each other the services it waits for. */
export interface ServedFirst {
  readonly now: readonly string[];
  readonly waiting: Readonly<Record<string, readonly string[]>>;
}

/**
 * Splits the services whose container work is due (`due`: replacements and restarts) into those that start now and
 * those that wait for better-ranked services being served. Only while watching; otherwise everything starts now.
 */
export function servedFirst(state: EngineState, due: readonly string[]): ServedFirst {
  if (state.mode !== 'watch' || due.length === 0) return { now: due, waiting: {} };
  const dueSet = new Set(due);
  const served = Object.keys(state.services)
    .filter((name) => beingServed(state, name, dueSet))
    .sort();
  const now: string[] = [];
  const waiting: Record<string, readonly string[]> = {};
  for (const name of due) {
    const service = state.services[name];
    const askedOnly = service?.restart?.asked === true && service.replaceWith === undefined;
    const rank = priorityOf(state, name);
    const before = askedOnly ? [] : served.filter((other) => other !== name && priorityOf(state, other) < rank);
    if (before.length === 0) now.push(name);
    else waiting[name] = before;
  }
  return { now, waiting };
}

/**
 * Container work under way or due without waiting for a build, or a container starting: a rebuild behind a live sync
 * (the lowest priority there is) waits for it. Restarts waiting for other services' builds do not count (they may wait
 * for this very build).
 */
export function containerWorkUnderWay(state: EngineState): boolean {
  if (state.mode !== 'watch') return false;
  return Object.values(state.services).some(
    (service) =>
      service.operation !== undefined ||
      (service.replaceWith !== undefined && !service.recreate && service.building === undefined && service.containers.length > 0) ||
      (service.restart !== undefined && service.restart.after.length === 0 && liveContainer(service) !== undefined) ||
      startingContainer(state, service.name) !== undefined,
  );
}

/**
 * Of the services one live sync writes into, those whose restart waits: each whose reload is `restart` and whose rank
 * is worse than the best of them. Their files are written at once; the restart becomes due after (`serviceSynced`).
 */
export function deferredReloads(state: EngineState, services: readonly string[]): string[] {
  if (state.mode !== 'watch' || services.length < 2) return [];
  const reload = state.workspace?.config.watch.reload ?? {};
  const best = Math.min(...services.map((name) => priorityOf(state, name)));
  return services.filter((name) => priorityOf(state, name) > best && (reload[name] ?? 'restart') === 'restart').sort();
}
