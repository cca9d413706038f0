/**
 * The checks subscriber: starts what `nextChecks` says once the served path is done, cancels what it says (an edit
 * touched the check's inputs again, or work a user waits on appeared), and reports each check's start and result as
 * actions. Checks never touch a container: they build for the verdict only.
 */
import { DockstageError } from '../../core/errors.js';
import { nextChecks } from '../../core/state/next-checks.js';
import type { BuildDeps } from '../../operations/builds.js';
import type { CheckMemory } from '../../operations/check-memory.js';
import { runCheck } from '../../operations/checks.js';
import type { StoreAccess, Subscriber } from '../store.js';

/** What the checks subscriber needs. */
export interface ChecksSubscriberOptions extends StoreAccess {
  readonly deps: BuildDeps;
  readonly memory: CheckMemory;
  readonly platform: string;
  readonly builder: string | undefined;
  /** Hears failures that are not check failures (the engine went away mid-check). */
  readonly onUnexpected?: (error: unknown) => void;
}

/** Creates the subscriber; `dispose` cancels the checks in flight and waits for them to end. */
export function checksSubscriber(options: ChecksSubscriberOptions): Subscriber {
  const running = new Map<string, { id: string; abort: AbortController; done: Promise<void> }>();
  const { dispatch, now } = options;
  let sequence = 0;

  const start = (key: string, services: readonly string[]) => {
    const state = options.getState();
    const workspace = state.workspace!;
    const id = `c${++sequence}`;
    const abort = new AbortController();
    dispatch({ type: 'checkStarted', key, id, at: now() });
    // Forgotten before the outcome is dispatched: that dispatch may start the same check again at once.
    const forget = () => {
      if (running.get(key)?.id === id) running.delete(key);
    };
    const done = (async () => {
      try {
        const result = await runCheck(workspace, { key, services }, options.deps, options.memory, {
          platform: options.platform,
          builder: options.builder,
          signal: abort.signal,
          known: state.checks[key]?.last,
          now,
        });
        forget();
        if (abort.signal.aborted) dispatch({ type: 'checkCancelled', key, id, at: now() });
        else dispatch({ type: 'checkFinished', key, id, result, at: now() });
      } catch (error) {
        forget();
        if (abort.signal.aborted) {
          dispatch({ type: 'checkCancelled', key, id, at: now() });
        } else {
          // Not the check's fault (the engine went away): a result all the same, or it would start again at once.
          options.onUnexpected?.(error);
          const failure =
            error instanceof DockstageError
              ? error
              : new DockstageError(
                  `${services.join(', ')}: the check could not run: ${error instanceof Error ? error.message : String(error)}`,
                );
          dispatch({
            type: 'checkFinished',
            key,
            id,
            result: { passed: false, cached: false, durationMs: 0, endedAt: now(), hash: undefined, error: failure },
            at: now(),
          });
        }
      }
    })();
    running.set(key, { id, abort, done });
  };

  return {
    onChange(_state, action) {
      if (action.type === 'buildProgressed') return;
      const state = options.getState();
      if (!state.checksEnabled) return;
      const next = nextChecks(state);
      for (const key of next.cancel) running.get(key)?.abort.abort(new Error('cancelled'));
      // A check that left the workspace (a reload, a switch) is not finished: nobody waits for its verdict.
      for (const [key, run] of running) if (state.checks[key] === undefined) run.abort.abort(new Error('gone'));
      for (const check of next.start) if (!running.has(check.key)) start(check.key, check.services);
    },
    async dispose() {
      for (const run of running.values()) run.abort.abort(new Error('stopped'));
      await Promise.allSettled([...running.values()].map((run) => run.done));
    },
  };
}
