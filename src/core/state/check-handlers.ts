/**
 * The checks in the reducer: the handlers of the check actions, and `followChecks`, which keeps the checks in step
 * with what the other actions did (a workspace loaded, files changed). Pure.
 */
import { buildReads } from './plan.js';
import { checkBuild, relativeLabel, type Workspace } from '../workspace.js';
import type { ActionOf, EngineAction } from './actions.js';
import type { CheckState } from './check-state.js';
import { isSelected, type EngineState } from './engine-state.js';

type CheckActions = 'checksRequested' | 'checkStarted' | 'checkFinished' | 'checkCancelled';

/** One handler per check action. */
export const checkHandlers: { readonly [T in CheckActions]: (state: EngineState, action: ActionOf<T>) => EngineState } = {
  checksRequested(state, { services, at }) {
    return withChecks(state, (check) =>
      check.services.some((name) => services.includes(name)) ? { ...check, pending: { since: at, requested: true } } : check,
    );
  },
  checkStarted(state, { key, id, at }) {
    const check = state.checks[key];
    if (check === undefined) return state;
    return { ...state, checks: { ...state.checks, [key]: { ...check, pending: undefined, running: { id, startedAt: at } } } };
  },
  checkFinished(state, { key, id, result }) {
    const check = state.checks[key];
    if (check === undefined || check.running?.id !== id) return state;
    return { ...state, checks: { ...state.checks, [key]: { ...check, running: undefined, last: result } } };
  },
  checkCancelled(state, { key, id, at }) {
    const check = state.checks[key];
    if (check === undefined || check.running?.id !== id) return state;
    return {
      ...state,
      checks: { ...state.checks, [key]: { ...check, running: undefined, pending: check.pending ?? { since: at, requested: false } } },
    };
  },
};

/**
 * The checks after `action` turned `before` into `after`: a loaded workspace adds its new checks as due (all of them at
 * start) and drops those it no longer has; changed files make due every check whose closure reads one of them (judged
 * on the workspace in force when they changed, so a Dockerfile edit counts before the reload). A running check made
 * due again is cancelled by the checks subscriber and runs anew.
 */
export function followChecks(before: EngineState, after: EngineState, action: EngineAction): EngineState {
  if (!after.checksEnabled) return after;
  if (action.type === 'workspaceLoaded') return { ...after, checks: checksOf(after, action.workspace, action.at) };
  if (action.type === 'filesChanged' && before.workspace !== undefined && !before.stopping) {
    const due = checksReading(before, before.workspace, action.paths);
    if (due.size === 0) return after;
    return withChecks(after, (check) =>
      due.has(check.key) ? { ...check, pending: { since: action.at, requested: check.pending?.requested ?? false } } : check,
    );
  }
  return after;
}

/** The keys of the checks whose closure reads one of the paths (as input, or as their Dockerfile or ignore file). */
export function checksReading(state: EngineState, workspace: Workspace, paths: readonly string[]): Set<string> {
  const label = (p: string) => relativeLabel(workspace.projectDir, p);
  const keys = new Set<string>();
  for (const service of workspace.services) {
    const build = service.build;
    if (build === undefined) continue;
    for (const check of build.checks) {
      if (keys.has(check.key) || state.checks[check.key] === undefined) continue;
      if (buildReads(checkBuild(build, check), paths, label).length > 0) keys.add(check.key);
    }
  }
  return keys;
}

/** The workspace's checks, each shared by the services that build it alike; known ones keep their state, new ones are due. */
function checksOf(state: EngineState, workspace: Workspace, at: number): Record<string, CheckState> {
  const checks: Record<string, CheckState> = {};
  for (const service of workspace.services) {
    if (service.build === undefined || service.blocked.length > 0 || !isSelected(state, service.name)) continue;
    for (const check of service.build.checks) {
      const known = checks[check.key] ?? state.checks[check.key];
      const services = checks[check.key] === undefined ? [service.name] : [...checks[check.key]!.services, service.name].sort();
      checks[check.key] =
        known === undefined
          ? {
              key: check.key,
              stage: check.stage,
              stageIndex: check.stageIndex,
              services,
              pending: { since: at, requested: false },
              running: undefined,
              last: undefined,
            }
          : { ...known, stage: check.stage, stageIndex: check.stageIndex, services };
    }
  }
  return checks;
}

function withChecks(state: EngineState, update: (check: CheckState) => CheckState): EngineState {
  let changed = false;
  const checks: Record<string, CheckState> = {};
  for (const [key, check] of Object.entries(state.checks)) {
    checks[key] = update(check);
    changed ||= checks[key] !== check;
  }
  return changed ? { ...state, checks } : state;
}
