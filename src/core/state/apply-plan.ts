/**
 * How the reducer turns what was asked (a planned batch of changes, a check,
 * a key) into what is due: pending builds with their reasons, restarts after
 * the services they wait for, and the notes an edit leaves while paused. The
 * planner (plan.ts) says what a change means; this applies it to the state.
 */
import { relativeLabel } from '../workspace.js';
import type { Plan, PlanReason } from './plan.js';
import { dedupeReasons } from './reasons.js';
import { isSelected, type EngineState, type PendingBuild, type ServiceState } from './engine-state.js';
import { withRestart } from './service-updates.js';

/** An edit while watching is paused builds nothing: the services it would rebuild are only noted, with its time. */
export function notedWhilePaused(state: EngineState, plan: Plan, at: number): EngineState {
  const affected = plan.services.filter(
    (service) => service.action === 'rebuild' && isSelected(state, service.name) && isBuilt(state, service.name),
  );
  if (affected.length === 0) return state;
  const changedWhilePaused = { ...state.watch.changedWhilePaused, ...Object.fromEntries(affected.map((service) => [service.name, at])) };
  return { ...state, watch: { ...state.watch, changedWhilePaused } };
}

/** Turns a plan into pending builds and restarts; `none` leaves a service alone. `paths` are the batch, absolute. */
export function applyPlan(state: EngineState, plan: Plan, at: number, paths: readonly string[]): EngineState {
  let next: EngineState = { ...state, lastPlan: plan };
  const byLabel = new Map(paths.map((p) => [relativeLabel(state.workspace!.projectDir, p), p]));
  const absolute = (label: string) => byLabel.get(label) ?? label;
  for (const service of plan.services) {
    if (!isSelected(state, service.name) || state.services[service.name] === undefined) continue;
    if (service.action === 'rebuild' && isBuilt(state, service.name)) {
      const onlyFiles = service.reasons.every((reason) => reason.rule === 'input');
      const files = onlyFiles ? [...new Set(service.reasons.map((reason) => absolute(reason.path!)))] : [];
      next = {
        ...next,
        services: {
          ...next.services,
          [service.name]: withPending(next.services[service.name]!, service.reasons, at, false, files, onlyFiles),
        },
      };
    } else if (service.action === 'restart' && state.mode === 'watch') {
      const after = plan.services
        .filter((other) => other.action !== 'none' && other.name !== service.name)
        .filter(
          (other) =>
            state.workspace?.services.find((s) => s.name === service.name)?.dependsOn.some((dep) => dep.service === other.name) === true,
        )
        .map((other) => other.name);
      next = { ...next, services: { ...next.services, [service.name]: withRestart(next.services[service.name]!, service.reasons, after) } };
    }
  }
  return next;
}

/** Marks the named services as needing a build (a check first: an image with the same inputs is reused). */
export function requestBuilds(
  state: EngineState,
  names: readonly string[],
  reason: Omit<PlanReason, 'path' | 'stage' | 'instruction' | 'line'>,
  at: number,
  requested = false,
): EngineState {
  const full: PlanReason = { path: null, stage: null, instruction: null, line: null, ...reason };
  const services = { ...state.services };
  for (const name of names) {
    const service = services[name];
    if (service === undefined || !isSelected(state, name)) continue;
    services[name] = withPending(service, [full], at, requested);
  }
  return { ...state, services };
}

export function withPending(
  service: ServiceState,
  reasons: readonly PlanReason[],
  at: number,
  requested: boolean,
  paths: readonly string[] = [],
  onlyFiles = false,
): ServiceState {
  const previous = service.pending?.background === true ? undefined : service.pending;
  const pending: PendingBuild = {
    reasons: dedupeReasons([...(previous?.reasons ?? []), ...reasons]),
    since: previous?.since ?? at,
    background: false,
    held: false,
    requested: requested || (previous?.requested ?? false),
    paths: [...new Set([...(previous?.paths ?? []), ...paths])].sort(),
    onlyFiles: (previous === undefined || previous.onlyFiles) && onlyFiles,
    ...(previous?.force === true ? { force: true } : {}),
  };
  return { ...service, pending };
}

export function builtNames(state: EngineState): string[] {
  return Object.keys(state.services).filter((name) => isBuilt(state, name) && isSelected(state, name));
}

export function isBuilt(state: EngineState, name: string): boolean {
  const model = state.workspace?.services.find((s) => s.name === name);
  return model !== undefined && (model.build !== undefined || model.blocked.length > 0);
}
