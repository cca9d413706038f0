/**
 * What `watch` prints about checks, beside watch-lines.ts: `check-start` and `check-done` events (one per service the
 * check belongs to, with the run's `id` and every `services` sharing it), or with people one line per check:
 *
 *   10:01:02 web, worker: check test running
 *   10:01:04 web, worker: check test passed in 2.1s
 *   10:01:09 web, worker: check test FAILED in 1.9s: RUN node --test test/ (web/Dockerfile:17)
 *     │ not ok 1 - formats bytes
 */
import type { EngineAction } from '../../core/state/actions.js';
import type { CheckResult } from '../../core/state/check-state.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { BuildFailedError } from '../../core/errors.js';
import type { Subscriber } from '../../engine/store.js';
import type { LineSink } from './build-lines.js';
import { describeError, errorLines } from '../../core/error-description.js';
import type { WatchEvent, WatchEventOf } from './watch-events.js';

/** How many lines of a failing check's output the human log shows. */
const TAIL_LINES = 12;

/** Creates the subscriber. `now` gives the time printed on each line. */
export function checkOutputSubscriber(sink: LineSink, json: boolean, now: () => number): Subscriber {
  const emit = (events: readonly WatchEvent[], failed: boolean) => {
    const time = new Date(now()).toISOString();
    if (json) {
      for (const { type, ...rest } of events) sink.out(JSON.stringify({ type, time, ...rest }));
      return;
    }
    const line = events[0] === undefined ? undefined : checkLine(events[0]);
    if (line !== undefined) (failed ? sink.err : sink.out)(`${time.slice(11, 19)} ${line}`);
  };
  return {
    onChange(state, action) {
      const events = checkEvents(state, action);
      const first = events[0];
      if (first !== undefined) emit(events, first.type === 'check-done' && !first.passed);
    },
  };
}

/** The events of a check action, one per service of the check. Exported for tests. */
export function checkEvents(state: EngineState, action: EngineAction): (WatchEventOf<'check-start'> | WatchEventOf<'check-done'>)[] {
  if (action.type !== 'checkStarted' && action.type !== 'checkFinished') return [];
  const check = state.checks[action.key];
  if (check === undefined) return [];
  const base = { id: action.id, stage: check.stage, services: check.services };
  if (action.type === 'checkStarted') return check.services.map((service) => ({ type: 'check-start' as const, service, ...base }));
  return checkDoneEvents(base, action.result);
}

/** `check-done`, one per service of the check: passed, how long, remembered, and the failure's description. */
export function checkDoneEvents(
  base: { readonly id: string; readonly stage: string; readonly services: readonly string[] },
  result: CheckResult,
): WatchEventOf<'check-done'>[] {
  const done = {
    ...base,
    passed: result.passed,
    durationMs: result.durationMs,
    cached: result.cached,
    ...(result.error === undefined ? {} : { error: describeError(result.error) }),
  };
  return base.services.map((service) => ({ type: 'check-done' as const, service, ...done }));
}

/** The human line of a check event (without its time). Exported for tests. */
export function checkLine(event: WatchEvent): string | undefined {
  if (event.type !== 'check-start' && event.type !== 'check-done') return undefined;
  const services = event.services.join(', ');
  if (event.type === 'check-start') return `${services}: check ${event.stage} running`;
  const seconds = `${(event.durationMs / 1000).toFixed(1)}s`;
  if (event.passed) return `${services}: check ${event.stage} passed ${event.cached ? '(remembered for these inputs)' : `in ${seconds}`}`;
  const label = `${services}: check ${event.stage} FAILED${event.cached ? ' (same inputs as before)' : ` in ${seconds}`}: `;
  if (event.error === undefined) return `${label}failed`;
  const error = { ...event.error, hint: null, logTail: event.error.logTail.slice(-TAIL_LINES) };
  return errorLines(error, { label, headline: event.error.instruction ?? event.error.message, location: 'inline' }).join('\n');
}

/** The failing instruction and `file:line` of a check's error, for the TUI. */
export function checkFailureWhere(error: CheckResult['error']): string {
  if (!(error instanceof BuildFailedError)) return error?.message ?? '';
  return `${error.instruction ?? error.message}${error.location.file === undefined ? '' : ` (${error.location.file}${error.location.line === undefined ? '' : `:${error.location.line}`})`}`;
}
