/** `dockstage up [SERVICE...]`: build what is stale, then let compose create or recreate. */
import { rememberEnvironment, requireBuilt, withDependencies, writeOverride } from '../../engine/lifecycle.js';
import { loadWorkspace, type ProjectOptions } from '../../engine/load-workspace.js';
import type { CommandContext } from '../context.js';
import { printWarnings } from '../output.js';
import { buildWithOutput } from './build.js';

/**
 * Builds the named services and their required dependencies first, because compose runs with `--no-build`; a failed
 * build stops before compose is called.
 */
export async function runUp(ctx: CommandContext, options: ProjectOptions, command: { services: readonly string[]; json: boolean; wait: boolean }): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const involved = withDependencies(loaded.workspace, command.services);
  const toBuild = involved.filter((name) => loaded.workspace.services.find((s) => s.name === name)?.build !== undefined);
  const outcomes = await buildWithOutput(ctx, loaded, { services: toBuild }, command.json);
  requireBuilt(outcomes);
  const target = await writeOverride(loaded, ctx.fs);
  await ctx.compose.up(target, command.services, { wait: command.wait });
  await rememberEnvironment(loaded.projectDir, loaded.workspace.environment.name, ctx.fs);
  const line = { type: 'up-completed', environment: loaded.workspace.environment.name, services: involved };
  ctx.io.stdout.write(command.json ? `${JSON.stringify(line)}\n` : `${loaded.workspace.project.name} is up in ${line.environment}: ${involved.join(', ')}\n`);
  return 0;
}
