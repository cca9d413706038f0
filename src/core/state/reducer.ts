/**
 * The engine's reducer: `(state, action) → state`, pure, one handler per
 * action. Handlers decide what is due (a build, a replacement, a restart, the
 * first `up`); subscribers notice it through the selectors in `next-builds.ts`
 * and `due.ts`, do the work and dispatch what happened.
 */
import { modelFiles, relativeLabel } from '../workspace.js';
import { planForChanges, type Plan, type PlanReason } from '../plan.js';
import { withContextLinks } from '../context-links.js';
import type { ActionOf, EngineAction, ListedContainer } from './actions.js';
import { dedupeReasons } from './reasons.js';
import { runtimeDefinition } from './runtime-definition.js';
import { foldStage } from './stage-progress.js';
import {
  isSelected,
  liveContainer,
  newServiceState,
  type BuildState,
  type BuildSummary,
  type EngineState,
  type PendingBuild,
  type ServiceState,
  SYNCED,
} from './engine-state.js';

type Handlers = { readonly [T in EngineAction['type']]: (state: EngineState, action: ActionOf<T>) => EngineState };

/** A service that exits `CRASH_LOOP_EXITS` times within this window is crash-looping: shown as such, never a reason to rebuild. */
export const CRASH_WINDOW_MS = 60_000;
export const CRASH_LOOP_EXITS = 3;

/** Applies one action. Unknown services and builds are ignored: an event may arrive after a reload removed its subject. */
export function reduce(state: EngineState, action: EngineAction): EngineState {
  const handler = handlers[action.type] as (state: EngineState, action: EngineAction) => EngineState;
  return handler(state, action);
}

const handlers: Handlers = {
  workspaceLoaded(state, { workspace, composeFiles, at }) {
    const previous = state.workspace;
    const services: Record<string, ServiceState> = {};
    for (const model of workspace.services) services[model.name] = state.services[model.name] ?? newServiceState(model.name);
    let next: EngineState = { ...state, workspace, composeFiles, services, projectError: undefined };
    const switching = state.switching;
    if (switching !== undefined && switching.phase === 'loading' && workspace.environment.name === switching.environment) {
      next = { ...next, switching: { ...switching, phase: 'building' } };
      return requestBuilds(next, builtNames(next), { rule: 'requested', detail: `switch to ${switching.environment}` }, at);
    }
    if (previous === undefined) {
      return requestBuilds(next, builtNames(next), { rule: 'requested', detail: 'start: is the image up to date?' }, at);
    }
    // A reload: new services, and services whose build changed or got unblocked, are checked; the changed paths are planned.
    const changed = workspace.services
      .filter((model) => model.build !== undefined)
      .filter((model) => {
        const before = previous.services.find((s) => s.name === model.name);
        return before === undefined || before.build?.buildKey !== model.build!.buildKey || before.blocked.length > 0;
      })
      .map((model) => model.name);
    next = requestBuilds(next, changed, { rule: 'requested', detail: 'the project changed' }, at, false);
    // Services whose container compose would now create differently: compose recreates them (it decides by its
    // config hash), as `docker compose up` would. One the user stopped stays stopped; a new one is started anyway.
    const reconfigured = workspace.services
      .filter((model) => {
        const before = previous.project.services.find((s) => s.name === model.name)?.definition;
        const after = workspace.project.services.find((s) => s.name === model.name)?.definition;
        return before !== undefined && after !== undefined && runtimeDefinition(before) !== runtimeDefinition(after);
      })
      .map((model) => model.name)
      .filter((name) => {
        const service = next.services[name];
        return service !== undefined && !service.stoppedByUser && (service.started || service.operation === 'starting');
      });
    if (reconfigured.length > 0) {
      next = { ...next, services: updateServices(next, reconfigured, (s) => ({ ...s, recreate: true })) };
      // As compose does: a dependent with `depends_on … restart: true` restarts once what it depends on is recreated.
      for (const model of workspace.services) {
        const trigger = model.dependsOn.find((dep) => dep.restart && reconfigured.includes(dep.service));
        const service = next.services[model.name];
        if (trigger === undefined || service === undefined || reconfigured.includes(model.name) || !service.started || service.stoppedByUser) continue;
        const reason: PlanReason = { path: null, stage: null, instruction: null, line: null, rule: 'depends-on', detail: `depends_on ${trigger.service} with restart: true` };
        const after = [...new Set([...(service.restart?.after ?? []), trigger.service])];
        next = { ...next, services: { ...next.services, [model.name]: withRestart(service, [reason], after) } };
      }
    }
    const paths = state.reload?.paths ?? [];
    next = { ...next, reload: undefined };
    return paths.length === 0 ? next : applyPlan(next, planForChanges(workspace, paths), at, paths);
  },

  workspaceLoadFailed(state, { error, at }) {
    const switching = state.switching?.phase === 'loading' ? { ...state.switching, phase: 'failed' as const, error } : state.switching;
    return { ...state, reload: undefined, projectError: error, switching, lastError: { message: error.message, at } };
  },

  filesChanged(state, { paths, at }) {
    const workspace = state.workspace;
    if (workspace === undefined || state.watch.paused || state.stopping) return state;
    const definingFiles = modelFiles(workspace.project, state.composeFiles);
    if (state.reload !== undefined || paths.some((p) => definingFiles.has(p))) {
      const merged = [...new Set([...(state.reload?.paths ?? []), ...paths])].sort();
      return { ...state, reload: { paths: merged, environment: state.reload?.environment } };
    }
    return applyPlan(state, planForChanges(workspace, paths), at, paths);
  },

  contextLinksChanged(state, { links }) {
    return state.workspace === undefined ? state : { ...state, workspace: withContextLinks(state.workspace, links) };
  },

  buildRequested(state, { services, at }) {
    const names = services === 'stale' || services === 'all' ? builtNames(state) : services.filter((name) => isBuilt(state, name));
    return requestBuilds(state, names, { rule: 'requested', detail: services === 'stale' ? 'rebuild what is stale' : 'asked for' }, at, true);
  },

  buildStarted(state, { id, services, at }) {
    const workspace = state.workspace;
    const first = workspace?.services.find((s) => s.name === services[0])?.build;
    if (workspace === undefined || first === undefined) return state;
    const pendings = services.map((name) => state.services[name]?.pending);
    const reasons = dedupeReasons(pendings.flatMap((pending) => pending?.reasons ?? []));
    const background = pendings.every((pending) => pending?.background ?? true);
    const paths = [...new Set(pendings.flatMap((pending) => pending?.paths ?? []))].sort();
    const onlyFiles = pendings.some((pending) => pending !== undefined) && pendings.every((pending) => pending === undefined || pending.onlyFiles);
    const build: BuildState = { id, services, buildKey: first.buildKey, target: first.target, reasons, startedAt: at, paths, onlyFiles, stages: [], background, syncing: false };
    return {
      ...state,
      builds: { ...state.builds, [id]: build },
      nextBuildId: state.nextBuildId + 1,
      services: updateServices(state, services, (service) => ({ ...service, building: id, pending: undefined })),
    };
  },

  buildkitStarted(state) {
    return state;
  },

  buildProgressed(state, { id, event }) {
    const build = state.builds[id];
    if (build === undefined || event.type === 'build-warning' || event.stage === null) return state;
    const stages = foldStage(build.stages, event);
    return stages === build.stages ? state : { ...state, builds: { ...state.builds, [id]: { ...build, stages } } };
  },

  buildCompleted(state, action) {
    const build = state.builds[action.id];
    if (build === undefined) return state;
    const summary: BuildSummary = {
      id: build.id,
      status: action.upToDate ? 'up-to-date' : 'built',
      target: build.target,
      startedAt: build.startedAt,
      endedAt: action.at,
      cachedSteps: action.cachedSteps,
      totalSteps: action.totalSteps,
      stages: build.stages.map((stage) => ({ ...stage, endedAt: stage.endedAt ?? action.at })),
      reasons: build.reasons,
      error: undefined,
    };
    const replacing = state.mode === 'watch' || (state.mode === 'up' && state.up === 'done');
    const services = updateServices(state, build.services, (service) => {
      const done = { ...service, building: undefined, imageId: action.imageId, freshness: 'fresh' as const, lastBuild: summary };
      const content = service.content;
      if (content?.imageId === SYNCED) {
        // The rebuild behind a live sync: the container already holds these files, so it is not replaced. A sync that
        // landed after this build started is newer than its image: the container stays "synced".
        const caughtUp = content.syncedAt === undefined || build.startedAt >= content.syncedAt;
        return { ...done, freshness: caughtUp ? ('fresh' as const) : ('synced' as const), content: caughtUp ? { ...content, imageId: action.imageId } : content };
      }
      const container = service.containers[0];
      const stale = container !== undefined && container.imageId !== action.imageId;
      const replaceWith = replacing && stale && service.started && !service.stoppedByUser ? action.imageId : undefined;
      return { ...done, replaceWith: replaceWith ?? service.replaceWith };
    });
    const { [action.id]: _done, ...builds } = state.builds;
    return { ...state, builds, services, up: state.up === 'failed' && state.mode === 'watch' ? 'waiting' : state.up };
  },

  buildFailed(state, { id, error, cancelled, at }) {
    const build = state.builds[id];
    if (build === undefined) return state;
    const summary: BuildSummary = {
      id,
      status: cancelled ? 'cancelled' : 'failed',
      target: build.target,
      startedAt: build.startedAt,
      endedAt: at,
      // The steps that ran before it stopped, as its stages counted them.
      cachedSteps: build.stages.reduce((sum, stage) => sum + stage.cached, 0),
      totalSteps: build.stages.reduce((sum, stage) => sum + stage.done, 0),
      stages: build.stages,
      reasons: build.reasons,
      error,
    };
    // A cancelled build (a stop, or a rebuild behind a sync giving way to a new change) says nothing about the sources.
    const services = updateServices(state, build.services, (service) =>
      cancelled ? { ...service, building: undefined } : { ...service, building: undefined, freshness: 'failed', lastBuild: summary },
    );
    const { [id]: _done, ...builds } = state.builds;
    return { ...state, builds, services, lastError: cancelled ? state.lastError : { message: error.message, at } };
  },

  serviceSynced(state, { id, services: synced, at }) {
    const build = state.builds[id];
    if (build === undefined) return state;
    const { [id]: _done, ...builds } = state.builds;
    const behind: PlanReason = { path: null, stage: null, instruction: null, line: null, rule: 'requested', detail: 'rebuild the image behind the live sync' };
    const services = { ...state.services };
    for (const entry of synced) {
      const service = services[entry.name];
      if (service === undefined) continue;
      // Changes that arrived during the sync keep their own pending build; the image is rebuilt behind at low priority.
      const pending = service.pending ?? { reasons: [behind], since: at, background: true, held: true, requested: false, paths: [], onlyFiles: false };
      services[entry.name] = {
        ...service,
        building: undefined,
        freshness: 'synced',
        content: { containerId: entry.containerId, imageId: SYNCED, syncedAt: at },
        lastSync: { at, files: entry.files, reload: entry.reload },
        pending,
      };
    }
    for (const name of build.services) {
      const service = services[name];
      if (service !== undefined && service.building === id) services[name] = { ...service, building: undefined };
    }
    return { ...state, builds, services };
  },

  backgroundBuildsReleased(state, { services }) {
    return {
      ...state,
      services: updateServices(state, services, (service) => (service.pending?.held === true ? { ...service, pending: { ...service.pending, held: false } } : service)),
    };
  },

  syncStarted(state, { id }) {
    const build = state.builds[id];
    return build === undefined ? state : { ...state, builds: { ...state.builds, [id]: { ...build, syncing: true } } };
  },

  syncSkipped(state, { id }) {
    const build = state.builds[id];
    return build === undefined ? state : { ...state, builds: { ...state.builds, [id]: { ...build, syncing: false } } };
  },

  containersListed(state, { containers }) {
    const byService = new Map<string, ListedContainer[]>();
    for (const container of containers) byService.set(container.service, [...(byService.get(container.service) ?? []), container]);
    const services: Record<string, ServiceState> = {};
    for (const [name, service] of Object.entries(state.services)) {
      const own = (byService.get(name) ?? []).map(({ service: _service, ...snapshot }) => snapshot);
      // A container found running at the start counts as started by this run (`up` then only recreates what changed).
      const started = service.started || (state.up !== 'waiting' && own.some((c) => c.state === 'running'));
      // A container we have not seen holds its image's files; one we synced into keeps what we know of it.
      const live = own.find((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
      const content = live === undefined ? undefined : service.content?.containerId === live.id ? service.content : { containerId: live.id, imageId: live.imageId, syncedAt: undefined };
      services[name] = { ...service, containers: own, started, content };
    }
    return { ...state, services };
  },

  containerExited(state, { service: name, exitCode, at }) {
    const service = state.services[name];
    if (service === undefined || service.operation !== undefined || service.stoppedByUser || !service.started || exitCode === 0) return state;
    const exits = [...service.exits.filter((time) => at - time < CRASH_WINDOW_MS), at];
    return { ...state, services: { ...state.services, [name]: { ...service, exits } } };
  },

  projectUpStarted(state, { services }) {
    // compose reads the files now: an edit from here on flags the service again.
    return { ...state, up: state.up === 'waiting' ? 'running' : state.up, services: updateServices(state, services, (s) => ({ ...s, operation: 'starting', recreate: false })) };
  },

  projectUp(state, { services }) {
    return {
      ...state,
      up: 'done',
      // A container compose just created is as fresh as a restart would make it.
      services: updateServices(state, services, (s) => ({ ...s, operation: undefined, started: true, replaceWith: undefined, restart: undefined, operationError: undefined })),
    };
  },

  projectUpFailed(state, { services, error, at }) {
    return {
      ...state,
      up: state.up === 'running' || state.up === 'waiting' ? 'failed' : state.up,
      services: updateServices(state, services, (s) => ({ ...s, operation: undefined, operationError: error })),
      lastError: { message: error.message, at },
    };
  },

  containerReplaceStarted(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, operation: 'replacing' })) };
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
        content: { containerId: newId, imageId, syncedAt: undefined },
        containers: s.containers.map((c) => (c.id === oldId ? { ...c, id: newId, imageId, state: 'running' as const, exitCode: undefined } : c)),
      })),
    };
  },

  containerReplaceFailed(state, { service, error, at }) {
    return {
      ...state,
      services: updateServices(state, [service], (s) => ({ ...s, operation: undefined, replaceWith: undefined, operationError: error })),
      lastError: { message: error.message, at },
    };
  },

  containerRestartStarted(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, operation: 'restarting', restart: undefined })) };
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

  serviceStopped(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, stoppedByUser: true, replaceWith: undefined, restart: undefined, exits: [] })) };
  },

  serviceStartRequested(state, { service }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, stoppedByUser: false, started: false })) };
  },

  restartRequested(state, { service: name }) {
    const service = state.services[name];
    // Only a running container restarts; a restart left pending on a stopped one would keep the service unsettled.
    if (service === undefined || liveContainer(service) === undefined || service.stoppedByUser) return state;
    const reason: PlanReason = { path: null, stage: null, instruction: null, line: null, rule: 'requested', detail: 'asked for' };
    const reasons = dedupeReasons([...(service.restart?.reasons ?? []), reason]);
    return { ...state, services: { ...state.services, [name]: { ...service, restart: { reasons, after: [] } } } };
  },

  containerStopFailed(state, { service, error, at }) {
    return { ...state, services: updateServices(state, [service], (s) => ({ ...s, operationError: error })), lastError: { message: error.message, at } };
  },

  imagePruned(state) {
    return state;
  },

  environmentSwitchRequested(state, { environment }) {
    const from = state.workspace?.environment.name ?? environment;
    return { ...state, switching: { environment, from, phase: 'loading', error: undefined }, reload: { paths: state.reload?.paths ?? [], environment } };
  },

  environmentSwitchStarted(state) {
    return state.switching === undefined ? state : { ...state, switching: { ...state.switching, phase: 'recreating' } };
  },

  environmentSwitched(state, { recreated }) {
    return {
      ...state,
      switching: undefined,
      services: updateServices(state, recreated, (s) => ({ ...s, replaceWith: undefined, exits: [] })),
    };
  },

  environmentSwitchFailed(state, { error, at }) {
    return state.switching === undefined ? state : { ...state, switching: { ...state.switching, phase: 'failed', error }, lastError: { message: error.message, at } };
  },

  watchStarted(state, { paths }) {
    return { ...state, watch: { ...state.watch, active: true, paths } };
  },

  watchPathsChanged(state, { paths }) {
    return { ...state, watch: { ...state.watch, paths } };
  },

  watchPaused(state) {
    return { ...state, watch: { ...state.watch, paused: true } };
  },

  watchResumed(state, { at }) {
    // Edits made while paused were not planned: check every image against the sources as they are now.
    const resumed = { ...state, watch: { ...state.watch, paused: false } };
    return requestBuilds(resumed, builtNames(resumed), { rule: 'requested', detail: 'watching resumed: is the image up to date?' }, at);
  },

  watchFailed(state, { error, at }) {
    return { ...state, lastError: { message: error.message, at } };
  },

  engineConnected(state, { version, host }) {
    return { ...state, engine: { connected: true, version, host, error: undefined } };
  },

  engineDisconnected(state, { message, at }) {
    return { ...state, engine: { ...state.engine, connected: false, error: message }, lastError: { message, at } };
  },

  stopRequested(state) {
    return { ...state, stopping: true };
  },
};

/** Turns a plan into pending builds and restarts; `none` leaves a service alone. `paths` are the batch, absolute. */
function applyPlan(state: EngineState, plan: Plan, at: number, paths: readonly string[]): EngineState {
  let next: EngineState = { ...state, lastPlan: plan };
  const byLabel = new Map(paths.map((p) => [relativeLabel(state.workspace!.projectDir, p), p]));
  const absolute = (label: string) => byLabel.get(label) ?? label;
  for (const service of plan.services) {
    if (!isSelected(state, service.name) || state.services[service.name] === undefined) continue;
    if (service.action === 'rebuild' && isBuilt(state, service.name)) {
      const onlyFiles = service.reasons.every((reason) => reason.rule === 'input');
      const files = onlyFiles ? [...new Set(service.reasons.map((reason) => absolute(reason.path!)))] : [];
      next = { ...next, services: { ...next.services, [service.name]: withPending(next.services[service.name]!, service.reasons, at, false, files, onlyFiles) } };
    } else if (service.action === 'restart' && state.mode === 'watch') {
      const after = plan.services
        .filter((other) => other.action !== 'none' && other.name !== service.name)
        .filter((other) => state.workspace?.services.find((s) => s.name === service.name)?.dependsOn.some((dep) => dep.service === other.name) === true)
        .map((other) => other.name);
      next = { ...next, services: { ...next.services, [service.name]: withRestart(next.services[service.name]!, service.reasons, after) } };
    }
  }
  return next;
}

/** The service with a restart due after `after` settle, for these reasons as well as any it had. */
function withRestart(service: ServiceState, reasons: readonly PlanReason[], after: readonly string[]): ServiceState {
  return { ...service, restart: { reasons: dedupeReasons([...(service.restart?.reasons ?? []), ...reasons]), after } };
}

/** Marks the named services as needing a build (a check first: an image with the same inputs is reused). */
function requestBuilds(state: EngineState, names: readonly string[], reason: Omit<PlanReason, 'path' | 'stage' | 'instruction' | 'line'>, at: number, requested = false): EngineState {
  const full: PlanReason = { path: null, stage: null, instruction: null, line: null, ...reason };
  const services = { ...state.services };
  for (const name of names) {
    const service = services[name];
    if (service === undefined || !isSelected(state, name)) continue;
    services[name] = withPending(service, [full], at, requested);
  }
  return { ...state, services };
}

function withPending(service: ServiceState, reasons: readonly PlanReason[], at: number, requested: boolean, paths: readonly string[] = [], onlyFiles = false): ServiceState {
  const previous = service.pending?.background === true ? undefined : service.pending;
  const pending: PendingBuild = {
    reasons: dedupeReasons([...(previous?.reasons ?? []), ...reasons]),
    since: previous?.since ?? at,
    background: false,
    held: false,
    requested: requested || (previous?.requested ?? false),
    paths: [...new Set([...(previous?.paths ?? []), ...paths])].sort(),
    onlyFiles: (previous === undefined || previous.onlyFiles) && onlyFiles,
  };
  return { ...service, pending };
}

function builtNames(state: EngineState): string[] {
  return Object.keys(state.services).filter((name) => isBuilt(state, name) && isSelected(state, name));
}

function isBuilt(state: EngineState, name: string): boolean {
  const model = state.workspace?.services.find((s) => s.name === name);
  return model !== undefined && (model.build !== undefined || model.blocked.length > 0);
}

function updateServices(state: EngineState, names: readonly string[], update: (service: ServiceState) => ServiceState): Record<string, ServiceState> {
  const services = { ...state.services };
  for (const name of names) {
    const service = services[name];
    if (service !== undefined) services[name] = update(service);
  }
  return services;
}

/** Is the service's container running the image it should? (For the view: up to date vs stale.) */
export function runsCurrentImage(service: ServiceState): boolean | undefined {
  const container = liveContainer(service);
  if (container === undefined || service.imageId === undefined) return undefined;
  return container.imageId === service.imageId;
}
