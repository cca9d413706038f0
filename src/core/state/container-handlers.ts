/**
 * The reducer's handlers for containers: listings, exits (a crash, or a stop
 * dockstage intended), the first `up`, replacements, restarts, a user's stop
 * and start. Each is pure; `reducer.ts` joins them with the others.
 */
import type { PlanReason } from './plan.js';
import type { ListedContainer } from './actions.js';
import { liveContainer, type ServiceState } from './engine-state.js';
import type { Handlers } from './handlers.js';
import { imageBehind, updateServices, withRestart } from './service-updates.js';
import { expectStops, forgetStillRunning, liveIds, stopSeen } from './stops.js';

/** A service that exits `CRASH_LOOP_EXITS` times within this window is crash-looping: shown as such, never a reason to rebuild. */
export const CRASH_WINDOW_MS = 60_000;
export const CRASH_LOOP_EXITS = 3;

/** The service's exits (while it should run) within the crash window before `now`. */
export function recentExits(service: ServiceState, now: number): number {
  return service.exits.filter((at) => now - at < CRASH_WINDOW_MS).length;
}

/** Crash-looping: `CRASH_LOOP_EXITS` exits within the window: the one rule the log, `--json` and the TUI all show. */
export function isCrashLooping(service: ServiceState, now: number): boolean {
  return recentExits(service, now) >= CRASH_LOOP_EXITS;
}

type ContainerHandlers = Pick<
  Handlers,
  | 'containersListed'
  | 'containerExited'
  | 'containerStopSlow'
  | 'projectUpStarted'
  | 'projectUp'
  | 'projectUpFailed'
  | 'containerReplaceStarted'
  | 'containerReplaced'
  | 'containerReplaceFailed'
  | 'containerRestartStarted'
  | 'containerRestarted'
  | 'containerRestartFailed'
  | 'serviceStopped'
  | 'serviceStartRequested'
  | 'restartRequested'
  | 'containerStopFailed'
  | 'imagePruned'
  | 'serviceFocused'
  | 'readyWaitEnded'
>;

export const containerHandlers: ContainerHandlers = {
  containersListed(state, { containers }) {
    const byService = new Map<string, ListedContainer[]>();
    for (const container of containers) byService.set(container.service, [...(byService.get(container.service) ?? []), container]);
    const services: Record<string, ServiceState> = {};
    for (const [name, service] of Object.entries(state.services)) {
      const own = (byService.get(name) ?? []).map(({ service: _service, ...snapshot }) => snapshot);
      // A container found running at the start counts as started by this run (`up` then only recreates what changed).
      const started = service.started || (state.up !== 'waiting' && own.some((c) => c.state === 'running'));
      // A container we have not seen holds its image's files; one we synced into keeps what we know of it, also while
      // it is down for a restart (a container's files outlive its stops).
      const live = own.find((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
      const known = service.content !== undefined && own.some((c) => c.id === service.content!.containerId) ? service.content : undefined;
      const content =
        live === undefined
          ? known
          : known?.containerId === live.id
            ? known
            : { kind: 'image' as const, containerId: live.id, imageId: live.imageId, syncedAt: undefined };
      services[name] = { ...service, containers: own, started, content };
    }
    return { ...state, services };
  },

  containerExited(state, { service: name, containerId, exitCode, intended, at }) {
    const service = state.services[name];
    if (service === undefined) return state;
    const seen = stopSeen(service, containerId);
    // A stop dockstage made (whatever the code: 143 after SIGTERM, 137 when killed) is no crash.
    if (intended === true || service.stoppedByUser || !service.started || exitCode === 0) {
      return seen === service ? state : { ...state, services: { ...state.services, [name]: seen } };
    }
    const exits = [...service.exits.filter((time) => at - time < CRASH_WINDOW_MS), at];
    return { ...state, services: { ...state.services, [name]: { ...seen, exits } } };
  },

  containerStopSlow(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, slowStops: s.slowStops + 1 })) };
  },

  projectUpStarted(state, { services, at }) {
    // compose reads the files now: an edit from here on flags the service again. It may recreate a running container.
    return {
      ...state,
      up: state.up === 'waiting' ? 'running' : state.up,
      services: updateServices(state, services, (s) => ({ ...expectStops(s, liveIds(s), at), operation: 'starting', recreate: false })),
    };
  },

  projectUp(state, { services }) {
    return {
      ...state,
      up: 'done',
      // A container compose just created is as fresh as a restart would make it, on the image its tag named when compose
      // read it: a build that finished meanwhile is applied by a replacement. One compose left running was not stopped.
      services: updateServices(state, services, (s) => ({
        ...forgetStillRunning(s),
        operation: undefined,
        started: true,
        replaceWith: imageBehind(s),
        restart: undefined,
        operationError: undefined,
      })),
    };
  },

  projectUpFailed(state, { services, error, at }) {
    return {
      ...state,
      up: state.up === 'running' || state.up === 'waiting' ? 'failed' : state.up,
      services: updateServices(state, services, (s) => ({ ...forgetStillRunning(s), operation: undefined, operationError: error })),
      lastError: { message: error.message, at },
    };
  },

  containerReplaceStarted(state, { service, containerId, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => {
        // Only a running container is stopped by a replace (a crashed one is already down).
        const stopping = liveIds(s).filter((id) => containerId === undefined || id === containerId);
        return { ...expectStops(s, stopping, at), operation: 'replacing' };
      }),
    };
  },

  containerReplaced(state, { service, oldId, newId, imageId }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({
        ...s,
        operation: undefined,
        operationError: undefined,
        exits: [],
        replaceWith: s.replaceWith === imageId ? undefined : s.replaceWith,
        content: { kind: 'image', containerId: newId, imageId, syncedAt: undefined },
        containers: s.containers.map((c) =>
          c.id === oldId ? { ...c, id: newId, imageId, state: 'running' as const, exitCode: undefined } : c,
        ),
      })),
    };
  },

  containerReplaceFailed(state, { service, error, at }) {
    return {
      ...state,
      // The old container was put back as it was: a later exit of it is not intended any more.
      services: updateServices(state, [service], (s) => ({
        ...forgetStillRunning(s),
        operation: undefined,
        replaceWith: undefined,
        operationError: error,
      })),
      lastError: { message: error.message, at },
    };
  },

  containerRestartStarted(state, { service, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({
        ...expectStops(s, liveIds(s), at),
        operation: 'restarting',
        restart: undefined,
      })),
    };
  },

  containerRestarted(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, operation: undefined, operationError: undefined })) };
  },

  containerRestartFailed(state, { service, error, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({ ...s, operation: undefined, operationError: error })),
      lastError: { message: error.message, at },
    };
  },

  serviceStopped(state, { service, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({
        ...expectStops(s, liveIds(s), at),
        stoppedByUser: true,
        replaceWith: undefined,
        restart: undefined,
        exits: [],
      })),
    };
  },

  serviceStartRequested(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, stoppedByUser: false, started: false })) };
  },

  restartRequested(state, { service: name }) {
    const service = state.services[name];
    // Only a running container restarts; a restart left pending on a stopped one would keep the service unsettled.
    if (service === undefined || liveContainer(service) === undefined || service.stoppedByUser) return state;
    const reason: PlanReason = { path: null, stage: null, instruction: null, line: null, rule: 'requested', detail: 'asked for' };
    const restarting = withRestart(service, [reason], []);
    return { ...state, services: { ...state.services, [name]: { ...restarting, restart: { ...restarting.restart!, asked: true } } } };
  },

  containerStopFailed(state, { service, error, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({ ...s, operationError: error })),
      lastError: { message: error.message, at },
    };
  },

  imagePruned(state) {
    return state;
  },

  serviceFocused(state, { service }) {
    return state.focus === service ? state : { ...state, focus: service };
  },

  readyWaitEnded(state, { containerId }) {
    if (state.readyWaitsEnded.includes(containerId)) return state;
    // Only containers that still exist are remembered: ids of replaced ones would pile up over a long run.
    const listed = new Set(Object.values(state.services).flatMap((service) => service.containers.map((c) => c.id)));
    return { ...state, readyWaitsEnded: [...state.readyWaitsEnded.filter((id) => listed.has(id)), containerId] };
  },
};
