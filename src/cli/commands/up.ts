/** `dockstage up [SERVICE...]`: build what is stale, then let compose create or recreate. */
import { rememberEnvironment, withDependencies } from '../../operations/lifecycle.js';
import { DockstageErrors } from '../../core/errors.js';
import { blockedErrors } from '../../core/workspace.js';
import { failedServices, runUntilIdle } from '../run-engine.js';
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import type { CommandContext } from '../context.js';
import { printWarnings } from '../output/report.js';

/**
 * Runs the engine until idle in `up` mode: the named services and their required dependencies are built (what is
 * stale), then compose brings them up (`up -d --no-build`, so compose never builds or pulls dockstage's images). A
 * failed build stops before compose is called: nothing running is touched.
 */
export async function runUp(
  ctx: CommandContext,
  options: ProjectOptions,
  command: { services: readonly string[]; json: boolean; wait: boolean },
): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const involved = withDependencies(loaded.workspace, command.services);
  const blocked = blockedErrors(loaded.workspace, involved);
  if (blocked.length > 0) throw new DockstageErrors(blocked);
  const state = await runUntilIdle(ctx, options, loaded, {
    settings: { mode: 'up', services: command.services.length === 0 ? [] : involved, wait: command.wait },
    json: command.json,
  });
  if (failedServices(state).length > 0) return 1;
  if (state.up !== 'done') {
    const failure = Object.values(state.services).find((service) => service.operationError !== undefined)?.operationError;
    if (failure !== undefined) throw failure;
    return 1;
  }
  await rememberEnvironment(loaded.projectDir, loaded.workspace.project.name, loaded.workspace.environment.name, ctx.fs);
  const line = { type: 'up-completed', environment: loaded.workspace.environment.name, services: involved };
  ctx.io.stdout.write(
    command.json ? `${JSON.stringify(line)}\n` : `${loaded.workspace.project.name} is up in ${line.environment}: ${involved.join(', ')}\n`,
  );
  return 0;
}
