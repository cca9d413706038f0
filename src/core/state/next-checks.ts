/**
 * Which checks to build now, which to cancel, and why the rest wait. One pure function of the state, like
 * `nextBuilds`: checks come last. They start only once the path a user waits on is served (no build a user waits on,
 * no sync, replacement, restart or first `up` due or under way), take only the build slots left free, and give way
 * (cancelled, due again) as soon as such work appears or an edit touches their inputs again.
 */
import { isSelected, type EngineState } from './engine-state.js';
import type { CheckState } from './check-state.js';
import { nextBuilds } from './next-builds.js';
import { replacementsDue, restartsDue, servicesToStart } from './due.js';

/** Why a due check is not running. */
export type CheckWaitReason =
  /** Work a user waits on comes first: a build, a sync, a replacement, a restart, the first `up`, a reload or a switch. */
  | 'serving'
  /** Watching is paused (a check asked for with the key still runs). */
  | 'paused'
  /** Every build slot is taken. */
  | 'waiting-for-slot';

/** A check to start: its key and the services it belongs to. */
export interface CheckToStart {
  readonly key: string;
  readonly stage: string;
  readonly services: readonly string[];
}

/** The checks to start and to cancel now, and why each other due check waits. */
export interface NextChecks {
  readonly start: readonly CheckToStart[];
  /** Running checks to cancel: due again (an edit touched their inputs), gone from the workspace, or in the way of a user's work. */
  readonly cancel: readonly string[];
  readonly waiting: Readonly<Record<string, CheckWaitReason>>;
}

/** The checks to start and cancel now (see the module comment). */
export function nextChecks(state: EngineState): NextChecks {
  const start: CheckToStart[] = [];
  const cancel: string[] = [];
  const waiting: Record<string, CheckWaitReason> = {};
  if (!state.checksEnabled || state.workspace === undefined) return { start, cancel, waiting };
  const order = (check: CheckState) => `${check.services[0] ?? ''}\0${String(check.stageIndex).padStart(6, '0')}`;
  const checks = Object.values(state.checks).sort(
    (a, b) => (a.pending?.since ?? 0) - (b.pending?.since ?? 0) || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0),
  );
  const busy = state.stopping || !isServed(state);
  for (const check of checks) {
    if (check.running !== undefined && (busy || check.pending !== undefined)) cancel.push(check.key);
  }
  if (state.stopping) return { start, cancel, waiting };
  let slots =
    state.concurrency -
    Object.keys(state.builds).length -
    checks.filter((check) => check.running !== undefined && !cancel.includes(check.key)).length;
  for (const check of checks) {
    if (check.pending === undefined || check.running !== undefined) continue;
    if (busy) waiting[check.key] = 'serving';
    else if (state.watch.paused && !check.pending.requested) waiting[check.key] = 'paused';
    else if (slots <= 0) waiting[check.key] = 'waiting-for-slot';
    else {
      start.push({ key: check.key, stage: check.stage, services: check.services });
      slots--;
    }
  }
  return { start, cancel, waiting };
}

/**
 * Nothing a user waits on is due or under way: no reload, switch or first `up`; no build but background ones (behind a
 * live sync) running or startable; no sync; no container to start, replace or restart. Background builds do not count:
 * they and the checks share what is left.
 */
export function isServed(state: EngineState): boolean {
  const workspace = state.workspace;
  if (workspace === undefined || state.reload !== undefined || state.switching !== undefined) return false;
  if (state.up === 'waiting' || state.up === 'running') return false;
  if (state.watch.expected && !state.watch.active) return false;
  if (Object.values(state.builds).some((build) => !build.background || build.syncing)) return false;
  const next = nextBuilds(state);
  if (next.start.some((build) => !build.background)) return false;
  const idleReasons = new Set(['blocked-by-error', 'paused']);
  for (const model of workspace.services) {
    const service = state.services[model.name];
    if (service === undefined || !isSelected(state, model.name)) continue;
    if (service.operation !== undefined) return false;
    const pending = service.pending;
    if (pending !== undefined && !pending.background && !idleReasons.has(next.waiting[model.name] ?? '')) return false;
  }
  return servicesToStart(state) === undefined && replacementsDue(state).length === 0 && restartsDue(state).length === 0;
}
