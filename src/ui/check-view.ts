/**
 * The checks in the TUI, pure: the checks column of the services table (`✓ test 2.1s`, `✗ lint`, `… test`), a check
 * stage's status in the stage tree, and a failing check's lines in the build pane (the instruction, `file:line`, and
 * the tail of its output).
 */
import { BuildFailedError, formatLocation } from '../core/errors.js';
import type { CheckState } from '../core/state/check-state.js';
import type { EngineState } from '../core/state/engine-state.js';
import type { ServiceModel } from '../core/workspace.js';

/** A word and a symbol with a tone, as the view model's badges (structurally one, so this module needs not import it). */
export interface CheckBadge {
  readonly symbol: string;
  readonly word: string;
  readonly tone: 'ok' | 'error' | 'busy' | 'muted';
}

/** How many lines of a failing check's output the pane shows outside the detail view. */
const SHORT_TAIL = 4;

/** The checks of a service in this run, in its Dockerfile's order. */
export function serviceChecks(state: EngineState, model: ServiceModel): CheckState[] {
  return (model.build?.checks ?? []).flatMap((check) => {
    const known = state.checks[check.key];
    return known === undefined ? [] : [known];
  });
}

/** The checks column: one word per check (`✓ test 2.1s ✗ lint`), toned by the worst; undefined without checks. */
export function checksBadge(state: EngineState, model: ServiceModel): CheckBadge | undefined {
  const checks = serviceChecks(state, model);
  if (checks.length === 0) return undefined;
  const words = checks.map((check) => {
    const status = checkStatus(check);
    return status === 'passed'
      ? `✓ ${check.stage} ${seconds(check.last!.durationMs)}`
      : status === 'failed'
        ? `✗ ${check.stage}`
        : `… ${check.stage}`;
  });
  const statuses = checks.map(checkStatus);
  const tone: CheckBadge['tone'] = statuses.includes('failed')
    ? 'error'
    : statuses.includes('running') || statuses.includes('due')
      ? 'busy'
      : 'ok';
  return { symbol: '', word: words.join(' '), tone };
}

/** A check stage's status in the stage tree. */
export function checkStageBadge(check: CheckState): CheckBadge {
  switch (checkStatus(check)) {
    case 'passed':
      return {
        symbol: '✓',
        word: `check passed ${seconds(check.last!.durationMs)}${check.last!.cached ? ' (remembered)' : ''}`,
        tone: 'ok',
      };
    case 'failed':
      return { symbol: '✗', word: 'check failed', tone: 'error' };
    case 'running':
      return { symbol: '…', word: 'check running', tone: 'busy' };
    case 'due':
      return { symbol: '…', word: 'check waits for the served path', tone: 'muted' };
  }
}

/** The failing checks of a service, worded for the build pane; the whole output tail in the detail view. */
export function checkProblemLines(state: EngineState, model: ServiceModel, detail: boolean): string[] {
  const lines: string[] = [];
  for (const check of serviceChecks(state, model)) {
    const error = check.last?.passed === false ? check.last.error : undefined;
    if (error === undefined || checkStatus(check) !== 'failed') continue;
    const instruction =
      error instanceof BuildFailedError && error.instruction !== undefined ? error.instruction : error.message.split('\n')[0]!;
    lines.push(`✗ check ${check.stage} failed: ${instruction}`);
    const where = formatLocation(error.location);
    if (where !== '') lines.push(`  --> ${where}`);
    const tail = error instanceof BuildFailedError ? error.logTail : [];
    for (const line of detail ? tail : tail.slice(-SHORT_TAIL)) lines.push(`  │ ${line}`);
  }
  return lines;
}

/** Where a check stands: its last result, unless it runs or is due again. */
function checkStatus(check: CheckState): 'passed' | 'failed' | 'running' | 'due' {
  if (check.running !== undefined) return 'running';
  if (check.pending !== undefined || check.last === undefined) return 'due';
  return check.last.passed ? 'passed' : 'failed';
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}
