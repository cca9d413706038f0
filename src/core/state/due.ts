/**
 * What container work is due, as pure selectors of the state: the first `up`,
 * services to start, containers to replace, restarts, the environment switch's
 * recreate, and whether the run is idle. The containers subscriber acts on
 * them; one-shot commands stop when the state is idle.
 */
import { liveContainer, isSelected, type EngineState, type ServiceState } from './engine-state.js';
import { nextBuilds } from './next-builds.js';
import { dependencyClosure } from '../compose/up-scope.js';
import { servedFirst } from './priority.js';

/** A service is settled when nothing is pending, building or being done to its container. */
export function isSettled(service: ServiceState): boolean {
  return (
    service.pending === undefined &&
    service.building === undefined &&
    service.replaceWith === undefined &&
    service.operation === undefined &&
    service.restart === undefined &&
    !service.recreate
  );
}

/**
 * Services to bring up with compose now. The first `up` waits until every selected build has settled, so it is one
 * compose call; after it, a service that appears (a compose edit) or was asked to start comes up on its own.
 * Returns undefined when nothing is due.
 */
export function servicesToStart(state: EngineState): readonly string[] | undefined {
  const workspace = state.workspace;
  if (workspace === undefined || state.stopping || state.switching !== undefined) return undefined;
  if (state.mode !== 'up' && state.mode !== 'watch') return undefined;
  if (state.up === 'running' || state.up === 'failed' || state.up === 'not-needed') return undefined;
  const candidates = workspace.services.filter((model) => isSelected(state, model.name));
  const ready = (name: string) => {
    const service = state.services[name];
    const model = workspace.services.find((s) => s.name === name);
    if (service === undefined || model === undefined || model.blocked.length > 0) return false;
    return model.build === undefined || (service.freshness === 'fresh' && service.pending === undefined && service.building === undefined);
  };
  if (state.up === 'waiting') {
    if (
      candidates.some(
        (model) =>
          model.build !== undefined &&
          model.blocked.length === 0 &&
          (state.services[model.name]?.pending !== undefined || state.services[model.name]?.building !== undefined),
      )
    ) {
      return undefined;
    }
    if (
      state.upNeedsEveryBuild &&
      candidates.some((model) => model.blocked.length > 0 || state.services[model.name]?.freshness === 'failed')
    )
      return undefined;
    const names = candidates.map((model) => model.name).filter(ready);
    return names.length === 0 ? undefined : names;
  }
  const names = candidates
    .map((model) => model.name)
    .filter((name) => {
      const service = state.services[name]!;
      if (service.stoppedByUser || service.operation !== undefined) return false;
      // compose converges what the service depends on too (see up-scope.ts): not while dockstage is working on it.
      if (!dependencyClosure(workspace, [name]).every((dep) => state.services[dep] === undefined || isSettled(state.services[dep])))
        return false;
      // Its compose definition changed: compose recreates it once no build of it is due or running, on the image its
      // tag names (the last good one when the last build failed, as `docker compose up` would).
      if (service.recreate) return service.pending === undefined && service.building === undefined;
      return !service.started && liveContainer(service) === undefined && ready(name);
    });
  return names.length === 0 ? undefined : names;
}

/** Why the first `up` will not happen: a selected service failed to build or is blocked (one-shot `up` only). */
export function upBlockedBy(state: EngineState): readonly string[] {
  if (state.up !== 'waiting' || !state.upNeedsEveryBuild || state.workspace === undefined) return [];
  return state.workspace.services
    .filter((model) => isSelected(state, model.name))
    .filter((model) => model.blocked.length > 0 || state.services[model.name]?.freshness === 'failed')
    .map((model) => model.name);
}

/** A container to replace: the service, the container and the image it moves to. */
export interface Replacement {
  readonly service: string;
  readonly containerId: string;
  readonly imageId: string;
}

/** Containers to replace now: their image was rebuilt, nothing else is being done to them, and nothing served first holds them back. */
export function replacementsDue(state: EngineState): readonly Replacement[] {
  const { now } = containerWork(state);
  return replacementCandidates(state).filter((due) => now.includes(due.service));
}

/** Restarts due now: every service they wait for (a rebuilt dependency) has settled, and nothing served first holds them back. */
export function restartsDue(state: EngineState): readonly string[] {
  const { now } = containerWork(state);
  return restartCandidates(state).filter((name) => now.includes(name));
}

/**
 * Services whose replacement or restart is due but waits for better-ranked services being served first
 * (`waiting-for-priority`, see `priority.ts`), each with the services it waits for.
 */
export function containerWaits(state: EngineState): Readonly<Record<string, readonly string[]>> {
  return containerWork(state).waiting;
}

function containerWork(state: EngineState) {
  const due = [...new Set([...replacementCandidates(state).map((due) => due.service), ...restartCandidates(state)])].sort();
  return servedFirst(state, due);
}

/** Replacements that could start but for the order of service: the image was rebuilt and nothing else is being done to the container. */
function replacementCandidates(state: EngineState): Replacement[] {
  if (state.stopping || state.switching !== undefined) return [];
  const due: Replacement[] = [];
  for (const service of Object.values(state.services)) {
    // A service compose recreates gets the new image then too (its tag points at it).
    if (service.replaceWith === undefined || service.recreate || service.operation !== undefined || service.building !== undefined)
      continue;
    const container = service.containers[0];
    if (container === undefined) continue;
    due.push({ service: service.name, containerId: container.id, imageId: service.replaceWith });
  }
  return due.sort((a, b) => (a.service < b.service ? -1 : 1));
}

/** Restarts that could start but for the order of service: every service they wait for has settled. */
function restartCandidates(state: EngineState): string[] {
  if (state.stopping || state.switching !== undefined) return [];
  return Object.values(state.services)
    .filter(
      (service) =>
        service.restart !== undefined &&
        service.operation === undefined &&
        service.building === undefined &&
        liveContainer(service) !== undefined,
    )
    .filter((service) =>
      service.restart!.after.every((name) => {
        const other = state.services[name];
        return other === undefined || isSettled(other);
      }),
    )
    .map((service) => service.name)
    .sort();
}

/**
 * The environment switch may recreate now: every selected build of the new environment has settled and none failed
 * or is blocked. Until then the old containers keep serving.
 */
export function switchDue(state: EngineState): boolean {
  const switching = state.switching;
  if (switching === undefined || switching.phase !== 'building' || state.workspace === undefined || state.stopping) return false;
  return state.workspace.services
    .filter((model) => isSelected(state, model.name) && (model.build !== undefined || model.blocked.length > 0))
    .every((model) => {
      const service = state.services[model.name];
      return (
        model.blocked.length === 0 &&
        service !== undefined &&
        service.pending === undefined &&
        service.building === undefined &&
        service.freshness === 'fresh'
      );
    });
}

/** The services that keep an environment switch from finishing (failed or blocked), for messages. */
export function switchBlockedBy(state: EngineState): readonly string[] {
  if (state.switching?.phase !== 'building' || state.workspace === undefined) return [];
  return state.workspace.services
    .filter((model) => isSelected(state, model.name))
    .filter((model) => model.blocked.length > 0 || (model.build !== undefined && state.services[model.name]?.freshness === 'failed'))
    .map((model) => model.name);
}

/**
 * Nothing is running and nothing more will start without a new event: no build in flight or startable, no container
 * work due or under way, no reload, no switch that can still progress. One-shot commands finish here.
 */
export function isIdle(state: EngineState): boolean {
  if (state.workspace === undefined && state.projectError === undefined) return false;
  if (state.reload !== undefined) return false;
  if (Object.keys(state.builds).length > 0) return false;
  if (nextBuilds(state).start.length > 0) return false;
  if (Object.values(state.services).some((service) => service.operation !== undefined || service.pending?.held === true)) return false;
  if (Object.values(nextBuilds(state).waiting).includes('waiting-for-priority')) return false;
  if (state.up === 'running') return false;
  if (servicesToStart(state) !== undefined) return false;
  // Work held back for a service served first is still to do.
  if (replacementCandidates(state).length > 0 || restartCandidates(state).length > 0) return false;
  if (state.switching !== undefined && (state.switching.phase === 'loading' || state.switching.phase === 'recreating' || switchDue(state)))
    return false;
  return true;
}
