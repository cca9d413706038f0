/**
 * Running one check: the check stage of a service's Dockerfile, built for the verdict only (nothing loaded or tagged).
 * A pass remembered for the same inputs hash ends it at once; so does, within a run, a failure on the same inputs.
 * Used by `watch`'s checks subscriber and by `dockstage check`.
 */
import { BuildFailedError, DockstageError } from '../core/errors.js';
import { checkBuild, type Workspace } from '../core/workspace.js';
import type { CheckResult } from '../core/state/check-state.js';
import { runBuildJob, type BuildDeps, type BuildRunEvent } from './builds.js';
import { currentInputsHash } from './context-files.js';
import type { CheckMemory } from './check-memory.js';

/** A check as the runner needs it: its key and the services whose Dockerfile it is. */
export interface CheckRef {
  readonly key: string;
  readonly services: readonly string[];
}

/** How a check runs. */
export interface CheckRunOptions {
  readonly platform: string;
  readonly builder?: string | undefined;
  readonly signal?: AbortSignal;
  /** The last result in this run: a failure on the same inputs is not built again. */
  readonly known?: CheckResult | undefined;
  /** The time, for `endedAt` (the Clock's, in the engine). */
  readonly now: () => number;
}

/**
 * Runs the check and returns its result. Rejects only when cancelled (the signal) or on an unexpected failure (the
 * engine went away); a failing check is a result.
 */
export async function runCheck(
  workspace: Workspace,
  check: CheckRef,
  deps: BuildDeps,
  memory: CheckMemory,
  options: CheckRunOptions,
  onEvent: (event: BuildRunEvent) => void = () => undefined,
): Promise<CheckResult> {
  const started = performance.now();
  const service = workspace.services.find((s) => check.services.includes(s.name) && s.build?.checks.some((c) => c.key === check.key));
  const model = service?.build?.checks.find((c) => c.key === check.key);
  if (service?.build === undefined || model === undefined) throw new DockstageError(`no check ${check.key} in the project any more`);
  const build = checkBuild(service.build, model);
  const { hash } = await currentInputsHash(deps.fs, build, deps.runtime);
  options.signal?.throwIfAborted();
  const elapsed = () => Math.round(performance.now() - started);
  if (await memory.passed(hash))
    return { passed: true, cached: true, durationMs: elapsed(), endedAt: options.now(), hash, error: undefined };
  if (options.known !== undefined && options.known.hash === hash && !options.known.passed)
    return { ...options.known, cached: true, durationMs: elapsed(), endedAt: options.now() };
  const job = { services: check.services, target: build.target, tags: [], pushTags: [], needs: [], hash, hashMs: 0, build };
  const outcome = await runBuildJob(
    workspace,
    job,
    deps,
    {
      platform: options.platform,
      ...(options.builder === undefined ? {} : { builder: options.builder }),
      force: true,
      cacheOnly: true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
    onEvent,
  );
  options.signal?.throwIfAborted();
  if (outcome.status === 'failed') {
    const error =
      outcome.error ?? new BuildFailedError(`${check.services.join(', ')}: ${model.stage} failed`, { service: check.services[0]! });
    return { passed: false, cached: false, durationMs: elapsed(), endedAt: options.now(), hash, error };
  }
  await memory.remember(hash, model.stage, options.now());
  return { passed: true, cached: false, durationMs: elapsed(), endedAt: options.now(), hash, error: undefined };
}
