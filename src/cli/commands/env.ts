/**
 * `dockstage env [NAME]`: show the environments, or switch: build the new
 * environment's stale targets, recreate only the services whose image
 * changed, remember the choice. A failed build changes nothing.
 */
import { chosenEnvironment, loadProject, loadWorkspace, type ProjectOptions } from '../../engine/load-workspace.js';
import { recreateChanged, rememberEnvironment, requireBuilt, writeOverride } from '../../engine/lifecycle.js';
import type { CommandContext } from '../context.js';
import { printJson, printWarnings } from '../output.js';
import { buildWithOutput } from './build.js';

/**
 * Lists the environments when no name is given, else switches. A failed build throws before any container or the
 * remembered environment changes.
 */
export async function runEnv(ctx: CommandContext, options: ProjectOptions, command: { name: string | undefined; json: boolean }): Promise<number> {
  if (command.name === undefined) return await showEnvironments(ctx, options, command.json);
  const started = performance.now();
  const loaded = await loadWorkspace({ ...options, environment: command.name }, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const outcomes = await buildWithOutput(ctx, loaded, {}, command.json);
  requireBuilt(outcomes);
  const target = await writeOverride(loaded, ctx.fs);
  const runtime = await ctx.runtime();
  const result = await recreateChanged(loaded, { fs: ctx.fs, compose: ctx.compose, runtime }, target);
  await rememberEnvironment(loaded.projectDir, command.name, ctx.fs);
  const built = outcomes.filter((o) => o.status === 'built').flatMap((o) => o.services);
  const summary = {
    type: 'environment-switched',
    environment: command.name,
    built,
    upToDate: outcomes.filter((o) => o.status === 'up-to-date').flatMap((o) => o.services),
    ...result,
    durationMs: Math.round(performance.now() - started),
  };
  if (command.json) {
    ctx.io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const list = (names: readonly string[]) => (names.length === 0 ? 'none' : names.join(', '));
    ctx.io.stdout.write(
      `switched to ${command.name} in ${(summary.durationMs / 1000).toFixed(1)}s: built ${list(built)}; recreated ${list(result.recreated)}; restarted ${list(result.restarted)}; unchanged ${list(result.unchanged)}\n`,
    );
  }
  return 0;
}

async function showEnvironments(ctx: CommandContext, options: ProjectOptions, json: boolean): Promise<number> {
  const { projectDir, config } = await loadProject(options, ctx.loadDeps);
  const current = await chosenEnvironment(options, projectDir, config, ctx.fs);
  const environments = Object.values(config.environments).map((env) => ({ name: env.name, target: env.target ?? null, current: env.name === current, default: env.name === config.defaultEnvironment }));
  if (json) {
    printJson(ctx.io, { current, default: config.defaultEnvironment, environments });
    return 0;
  }
  for (const env of environments) {
    const notes = [env.default ? 'default' : '', env.target === null ? '' : `target ${env.target}`].filter((n) => n !== '').join(', ');
    ctx.io.stdout.write(`${env.current ? '▸' : ' '} ${env.name}${notes === '' ? '' : `  (${notes})`}\n`);
  }
  return 0;
}
