/**
 * The engine's reducer: `(state, action) → state`, pure, one handler per
 * action. Handlers decide what is due (a build, a replacement, a restart, the
 * first `up`); subscribers notice it through the selectors in `next-builds.ts`
 * and `due.ts`, do the work and dispatch what happened.
 */
import { modelFiles } from '../workspace.js';
import { dependsOnRestart, planForChanges, type PlanReason } from './plan.js';
import type { EngineAction } from './actions.js';
import { dedupeReasons } from './reasons.js';
import { applyPlan, builtNames, isBuilt, notedWhilePaused, requestBuilds } from './apply-plan.js';
import { foldStage } from './stage-progress.js';
import { containerDefinition } from '../compose/container-definition.js';
import { containerHandlers } from './container-handlers.js';
import { checkHandlers, followChecks } from './check-handlers.js';
import { imageBehind, updateServices, withRestart } from './service-updates.js';
import { expectStops, forgetStillRunning, liveIds } from './stops.js';
import { withContextLinks } from '../context-links.js';
import { newServiceState, type BuildState, type BuildSummary, type EngineState, type ServiceState } from './engine-state.js';

/** One handler per action. */
import type { Handlers } from './handlers.js';

export type { Handlers };

export { CRASH_LOOP_EXITS, CRASH_WINDOW_MS, isCrashLooping, recentExits } from './container-handlers.js';

/** Applies one action. Unknown services and builds are ignored: an event may arrive after a reload removed its subject. */
export function reduce(state: EngineState, action: EngineAction): EngineState {
  const handler = handlers[action.type] as (state: EngineState, action: EngineAction) => EngineState;
  return followChecks(state, handler(state, action), action);
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
        return before !== undefined && after !== undefined && containerDefinition(before) !== containerDefinition(after);
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
        if (
          trigger === undefined ||
          service === undefined ||
          reconfigured.includes(model.name) ||
          !service.started ||
          service.stoppedByUser
        )
          continue;
        const reason = dependsOnRestart(trigger.service);
        const after = [...new Set([...(service.restart?.after ?? []), trigger.service])];
        next = { ...next, services: { ...next.services, [model.name]: withRestart(service, [reason], after) } };
      }
    }
    const paths = state.reload?.paths ?? [];
    // A model file changed while the loader read the project: load again, and plan every path after that load.
    if (state.reload?.again === true) return { ...next, reload: { paths, environment: undefined } };
    next = { ...next, reload: undefined };
    return paths.length === 0 ? next : applyPlan(next, planForChanges(workspace, paths), at, paths);
  },

  workspaceLoadStarted(state) {
    return state.reload === undefined ? state : { ...state, reload: { ...state.reload, loading: true, again: false } };
  },

  workspaceLoadFailed(state, { error, at }) {
    const switching = state.switching?.phase === 'loading' ? { ...state.switching, phase: 'failed' as const, error } : state.switching;
    // A fix saved while the failed load ran is loaded again.
    const reload = state.reload?.again === true ? { paths: state.reload.paths, environment: undefined } : undefined;
    return { ...state, reload, projectError: error, switching, lastError: { message: error.message, at } };
  },

  filesChanged(state, { paths, at }) {
    const workspace = state.workspace;
    if (workspace === undefined || state.stopping) return state;
    if (state.watch.paused) return notedWhilePaused(state, planForChanges(workspace, paths), at);
    const definingFiles = modelFiles(workspace.project, state.composeFiles);
    const definesModel = paths.some((p) => definingFiles.has(p));
    if (state.reload !== undefined || definesModel) {
      const merged = [...new Set([...(state.reload?.paths ?? []), ...paths])].sort();
      const again = state.reload?.loading === true && (definesModel || state.reload.again === true);
      return { ...state, reload: { ...state.reload, paths: merged, environment: state.reload?.environment, ...(again ? { again } : {}) } };
    }
    return applyPlan(state, planForChanges(workspace, paths), at, paths);
  },

  contextLinksChanged(state, { links }) {
    return state.workspace === undefined ? state : { ...state, workspace: withContextLinks(state.workspace, links) };
  },

  buildRequested(state, { services, force, at }) {
    const names = services === 'stale' || services === 'all' ? builtNames(state) : services.filter((name) => isBuilt(state, name));
    const detail = force === true ? 'forced rebuild (even if up to date)' : services === 'stale' ? 'rebuild what is stale' : 'asked for';
    const requested = requestBuilds(state, names, { rule: 'requested', detail }, at, true);
    if (force !== true) return requested;
    return {
      ...requested,
      services: updateServices(requested, names, (s) => (s.pending === undefined ? s : { ...s, pending: { ...s.pending, force: true } })),
    };
  },

  buildStarted(state, { id, services, at }) {
    const workspace = state.workspace;
    const first = workspace?.services.find((s) => s.name === services[0])?.build;
    if (workspace === undefined || first === undefined) return state;
    const pendings = services.map((name) => state.services[name]?.pending);
    const reasons = dedupeReasons(pendings.flatMap((pending) => pending?.reasons ?? []));
    const background = pendings.every((pending) => pending?.background ?? true);
    const paths = [...new Set(pendings.flatMap((pending) => pending?.paths ?? []))].sort();
    const onlyFiles =
      pendings.some((pending) => pending !== undefined) && pendings.every((pending) => pending === undefined || pending.onlyFiles);
    const build: BuildState = {
      id,
      services,
      buildKey: first.buildKey,
      target: first.target,
      reasons,
      startedAt: at,
      paths,
      onlyFiles,
      stages: [],
      background,
      syncing: false,
    };
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
      if (content?.kind === 'synced' && build.background) {
        // The rebuild behind a live sync: the container already holds these files, so it is not replaced. A sync that
        // landed after this build started is newer than its image: the container stays "synced". Any other build of a
        // synced container (a Dockerfile edit, a file live sync could not take, a key) brings what the container lacks:
        // it is replaced like any other.
        const caughtUp = content.syncedAt === undefined || build.startedAt >= content.syncedAt;
        return {
          ...done,
          freshness: caughtUp ? ('fresh' as const) : ('synced' as const),
          content: caughtUp
            ? { kind: 'image' as const, containerId: content.containerId, imageId: action.imageId, syncedAt: content.syncedAt }
            : content,
        };
      }
      const container = service.containers[0];
      const stale = container !== undefined && container.imageId !== action.imageId;
      const replaceWith = replacing && stale && service.started && !service.stoppedByUser ? action.imageId : undefined;
      return { ...done, replaceWith: replaceWith ?? service.replaceWith };
    });
    const { [action.id]: _done, ...builds } = state.builds;
    const fixed = state.lastError?.services?.every((name) => build.services.includes(name)) === true;
    return {
      ...state,
      builds,
      services,
      up: state.up === 'failed' && state.mode === 'watch' ? 'waiting' : state.up,
      lastError: fixed ? undefined : state.lastError,
    };
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
    return {
      ...state,
      builds,
      services,
      lastError: cancelled ? state.lastError : { message: error.message, at, services: build.services },
    };
  },

  serviceSynced(state, { id, services: synced, at }) {
    const build = state.builds[id];
    if (build === undefined) return state;
    const { [id]: _done, ...builds } = state.builds;
    const behind: PlanReason = {
      path: null,
      stage: null,
      instruction: null,
      line: null,
      rule: 'requested',
      detail: 'rebuild the image behind the live sync',
    };
    const reloadReason: PlanReason = {
      path: null,
      stage: null,
      instruction: null,
      line: null,
      rule: 'requested',
      detail: 'reload after the live sync',
    };
    const services = { ...state.services };
    for (const entry of synced) {
      const service = services[entry.name];
      if (service === undefined) continue;
      // Changes that arrived during the sync keep their own pending build; the image is rebuilt behind at low priority.
      const pending = service.pending ?? {
        reasons: [behind],
        since: at,
        background: true,
        held: true,
        requested: false,
        paths: [],
        onlyFiles: false,
      };
      const restarted = entry.reload === 'restart' && entry.deferred !== true;
      services[entry.name] = {
        // Only a restart stopped the container; after another reload its exit would not be intended. A deferred restart
        // (a service served first restarted alone) is due now, waiting for those services to be ready (priority.ts).
        ...(restarted ? service : forgetStillRunning(service)),
        ...(entry.deferred === true ? { restart: withRestart(service, [reloadReason], service.restart?.after ?? []).restart } : {}),
        building: undefined,
        freshness: 'synced',
        content: { kind: 'synced', containerId: entry.containerId, syncedAt: at },
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
      services: updateServices(state, services, (service) =>
        service.pending?.held === true ? { ...service, pending: { ...service.pending, held: false } } : service,
      ),
    };
  },

  syncStarted(state, { id, at }) {
    const build = state.builds[id];
    if (build === undefined) return state;
    // A sync may end in a restart of the container (reload: restart, the default): that stop is intended.
    const reload = state.workspace?.config.watch.reload ?? {};
    const restarting = build.services.filter((name) => (reload[name] ?? 'restart') === 'restart');
    const services = updateServices(state, restarting, (s) => expectStops(s, liveIds(s), at));
    return { ...state, services, builds: { ...state.builds, [id]: { ...build, syncing: true } } };
  },

  syncSkipped(state, { id }) {
    const build = state.builds[id];
    if (build === undefined) return state;
    // Nothing was restarted.
    const services = updateServices(state, build.services, forgetStillRunning);
    return { ...state, services, builds: { ...state.builds, [id]: { ...build, syncing: false } } };
  },

  ...containerHandlers,
  ...checkHandlers,

  environmentSwitchRequested(state, { environment }) {
    const from = state.workspace?.environment.name ?? environment;
    return {
      ...state,
      switching: { environment, from, phase: 'loading', error: undefined },
      reload: { paths: state.reload?.paths ?? [], environment },
    };
  },

  environmentSwitchStarted(state, { at }) {
    if (state.switching === undefined) return state;
    // compose recreates (or restarts) what changed: any running container of the project may be stopped on purpose.
    const services = updateServices(state, Object.keys(state.services), (s) => expectStops(s, liveIds(s), at));
    return { ...state, services, switching: { ...state.switching, phase: 'recreating' } };
  },

  environmentSwitched(state, { recreated, restarted }) {
    const touched = new Set([...recreated, ...restarted]);
    const untouched = Object.keys(state.services).filter((name) => !touched.has(name));
    const services = updateServices({ ...state, services: updateServices(state, untouched, forgetStillRunning) }, recreated, (s) => ({
      ...s,
      replaceWith: imageBehind(s),
      exits: [],
    }));
    return { ...state, switching: undefined, services };
  },

  environmentSwitchFailed(state, { error, at }) {
    if (state.switching === undefined) return state;
    const services = updateServices(state, Object.keys(state.services), forgetStillRunning);
    return { ...state, services, switching: { ...state.switching, phase: 'failed', error }, lastError: { message: error.message, at } };
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
    const resumed = { ...state, watch: { ...state.watch, paused: false, changedWhilePaused: {} } };
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

  // The copy lives in the container, not in the state; a restart after it is a stop dockstage makes, not a crash.
  bindMountCopied(state, { service, containerId, reload, at }) {
    const current = state.services[service];
    if (reload !== 'restart' || current === undefined) return state;
    return { ...state, services: { ...state.services, [service]: expectStops(current, [containerId], at) } };
  },
};
