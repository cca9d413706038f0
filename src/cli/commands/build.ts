/** `dockstage build [SERVICE...]`: build the environment's targets that are stale, once per shared build. */
import { buildServices, type BuildOptions, type BuildOutcome, type BuildRunEvent } from '../../operations/builds.js';
import { defaultPlatform, loadWorkspace, type LoadedProject, type ProjectOptions } from '../../operations/load-workspace.js';
import { BuildProgress } from '../output/stage-lines.js';
import { formatBuildFailure } from '../../ui/text/build-failure.js';
import { buildEventToJson } from '../output/build-lines.js';
import type { CommandContext } from '../context.js';
import { printErrors, printWarnings, type Io } from '../output/report.js';
import { blockedErrors, requireBuiltService } from '../../core/workspace.js';
import { failedServices, runUntilIdle } from '../run-engine.js';

/** `dockstage build` options as parsed. `stage` needs exactly one service and cannot be combined with `push` (planBuildJobs refuses both). */
export interface BuildCommand {
  readonly services: readonly string[];
  readonly push: boolean;
  readonly stage: string | undefined;
  readonly noCache: boolean;
  readonly force: boolean;
  readonly builder: string | undefined;
  readonly json: boolean;
}

/**
 * Exit code 1 when any build failed, 2 when a chosen service is blocked by a configuration problem (its Dockerfile,
 * its target), else 0. Services are built by the engine until it is idle; a blocked service never stops the others.
 * `--push` and `--stage` are one-off builds (CI, debugging) that skip the engine and touch no container.
 */
export async function runBuild(ctx: CommandContext, options: ProjectOptions, command: BuildCommand): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  if (command.push || command.stage !== undefined) {
    const outcomes = await buildWithOutput(
      ctx,
      loaded,
      {
        services: command.services,
        push: command.push,
        ...(command.stage === undefined ? {} : { stage: command.stage }),
        noCache: command.noCache,
        force: command.force,
        ...(command.builder === undefined ? {} : { builder: command.builder }),
      },
      command.json,
    );
    return outcomes.some((outcome) => outcome.status === 'failed') ? 1 : 0;
  }
  const selected = command.services.map((name) => requireBuiltService(loaded.workspace, name).name);
  const blocked = blockedErrors(loaded.workspace, selected.length === 0 ? undefined : selected);
  const state = await runUntilIdle(ctx, options, loaded, {
    settings: {
      mode: 'build',
      services: selected,
      build: { force: command.force, noCache: command.noCache, ...(command.builder === undefined ? {} : { builder: command.builder }) },
    },
    json: command.json,
  });
  printErrors(ctx.io, blocked);
  if (failedServices(state).length > 0) return 1;
  return blocked.length > 0 ? 2 : 0;
}

/**
 * Runs the builds and prints progress: stage lines for people, one JSON
 * object per event with `--json`. Checks buildx first so a missing plugin or
 * builder is one clear line, not a failed build.
 */
export async function buildWithOutput(
  ctx: CommandContext,
  loaded: LoadedProject,
  options: BuildOptions,
  json: boolean,
): Promise<BuildOutcome[]> {
  const builder = ctx.builder();
  await builder.info(options.builder ?? loaded.workspace.config.builder);
  const runtime = await ctx.runtime();
  const progress = new BuildProgress();
  const onEvent = (event: BuildRunEvent) => {
    if (json) {
      ctx.io.stdout.write(`${JSON.stringify(buildEventToJson(event))}\n`);
      return;
    }
    for (const line of progress.apply(event)) ctx.io.stdout.write(`${line}\n`);
  };
  const platform = defaultPlatform((name) => ctx.env[name]);
  const outcomes = await buildServices(loaded.workspace, { fs: ctx.fs, runtime, builder }, { platform, ...options }, onEvent);
  if (!json) reportFailures(ctx.io, outcomes);
  return outcomes;
}

function reportFailures(io: Io, outcomes: readonly BuildOutcome[]): void {
  for (const outcome of outcomes)
    if (outcome.error !== undefined) io.stderr.write(`${formatBuildFailure(outcome.services, outcome.target, outcome.error)}\n`);
}
