/**
 * `dockstage down [-v] [--rmi local|all] [--json]`: compose down for the
 * project (with the environment's override file, so compose resolves it as `up`
 * did), then, with `--rmi`, the project's images in every environment.
 */
import { imagesToRemove, type RemoveImages } from '../../core/project-images.js';
import { chosenEnvironment, existingOverride, loadProject, type ProjectOptions } from '../../operations/load-workspace.js';
import { removeSelectedImages, type ImageRemoval } from '../../operations/remove-images.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output/report.js';

/** Options of `down`; `rmi` is compose's `--rmi` (none when undefined). */
export interface DownCommand {
  readonly volumes: boolean;
  readonly rmi: RemoveImages | undefined;
  readonly json: boolean;
}

/** What `down --json` prints: one object. */
export interface DownReport {
  readonly type: 'down';
  readonly project: string;
  readonly removed: { readonly containers: readonly string[]; readonly volumes: boolean; readonly images: readonly string[] };
  readonly kept: ImageRemoval['kept'];
}

/**
 * Loads no Dockerfile and builds nothing. No `--remove-orphans` (compose's default): containers of other compose files
 * under the same project name stay. Images still used by a container are kept and named.
 */
export async function runDown(ctx: CommandContext, options: ProjectOptions, command: DownCommand): Promise<number> {
  const { compose, projectDir, project, config } = await loadProject(options, ctx.loadDeps);
  const environment = await chosenEnvironment(options, projectDir, config, ctx.fs, project.name);
  const override = await existingOverride(projectDir, project.name, environment, ctx.fs);
  const runtime = await ctx.runtime();
  const containers = (await runtime.listContainers(project.name)).map((container) => container.name);
  // A signal now exits at once (interrupt.ts); compose, in the same process group on a terminal, stops too.
  ctx.interrupts.leaves("the project may be partly down; 'dockstage status' shows what runs, 'dockstage down' again finishes");
  await ctx.compose.down(
    { ...compose, files: override === undefined ? compose.files : [...compose.files, override] },
    { volumes: command.volumes },
  );
  const images =
    command.rmi === undefined
      ? { removed: [], kept: [] }
      : await removeSelectedImages(runtime, imagesToRemove(project, config, command.rmi));
  const report: DownReport = {
    type: 'down',
    project: project.name,
    removed: { containers, volumes: command.volumes, images: images.removed },
    kept: images.kept,
  };
  if (command.json) printJson(ctx.io, report);
  else ctx.io.stdout.write(formatDown(report, command.rmi));
  return 0;
}

function formatDown(report: DownReport, rmi: RemoveImages | undefined): string {
  const count = report.removed.containers.length;
  const lines = [
    `${report.project} is down (${count} container${count === 1 ? '' : 's'} removed${report.removed.volumes ? ', volumes too' : ''})`,
  ];
  if (rmi !== undefined) {
    lines.push(
      report.removed.images.length === 0
        ? `no ${rmi === 'local' ? 'dockstage ' : ''}images to remove`
        : `removed images: ${report.removed.images.join(', ')}`,
    );
    for (const kept of report.kept) lines.push(`kept ${kept.image}: ${kept.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
