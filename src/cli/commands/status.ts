/** `dockstage status [--json]`: per service, environment, target, image, up to date?, container state, health, ports. */
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import { projectStatus } from '../../operations/lifecycle.js';
import type { CommandContext } from '../context.js';
import { columns, printErrors, printJson, printWarnings } from '../output/report.js';
import { blockedErrors } from '../../core/workspace.js';

/**
 * Needs the engine: image freshness plus the containers of each service. Ports are shown on the engine's host, which is
 * not localhost for a remote engine.
 */
export async function runStatus(ctx: CommandContext, options: ProjectOptions, command: { json: boolean }): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const runtime = await ctx.runtime();
  const [info, endpoint, { engineIsRemote, bindMountModes }] = await Promise.all([
    runtime.info(),
    ctx.endpoint(),
    import('../../core/remote-engine.js'),
  ]);
  const remote = engineIsRemote(endpoint.host, loaded.workspace.config.remote);
  // Per service with bind mounts of project files: native, synced (remote.bind_mounts: sync) or unreachable.
  const modes = bindMountModes(loaded.workspace, remote);
  const services = (await projectStatus(loaded.workspace, { fs: ctx.fs, compose: ctx.compose, runtime }, info.host)).map((s) =>
    modes[s.name] === undefined ? s : { ...s, bindMounts: modes[s.name] },
  );
  const blocked = blockedErrors(loaded.workspace);
  if (command.json) {
    printJson(ctx.io, {
      project: loaded.workspace.project.name,
      environment: loaded.workspace.environment.name,
      engine: { version: info.serverVersion, host: info.host, endpoint: endpoint.host, remote },
      services,
    });
    printErrors(ctx.io, blocked);
    return blocked.length > 0 ? 2 : 0;
  }
  const rows = services.map((s) => {
    const container = s.containers[0];
    const state = container === undefined ? '-' : `${container.state}${container.health === null ? '' : ` (${container.health})`}`;
    const fresh =
      s.upToDate === null ? 'image' : s.upToDate ? 'up to date' : s.staleReason === 'container-behind' ? 'stale (old container)' : 'stale';
    const row = [
      s.name,
      s.environment,
      s.target ?? '-',
      s.image ?? '-',
      fresh,
      state,
      s.containers.flatMap((c) => c.ports).join(' ') || '-',
    ];
    return remote && Object.keys(modes).length > 0 ? [...row, modes[s.name] ?? '-'] : row;
  });
  const header = [
    'SERVICE',
    'ENV',
    'TARGET',
    'IMAGE',
    'BUILD',
    'STATE',
    'PORTS',
    ...(remote && Object.keys(modes).length > 0 ? ['BIND MOUNTS'] : []),
  ];
  ctx.io.stdout.write(
    `${loaded.workspace.project.name} · env ${loaded.workspace.environment.name} · engine ${info.serverVersion}${remote ? ` · remote ${endpoint.host}` : ''}\n`,
  );
  ctx.io.stdout.write(`${columns([header, ...rows], '  ').join('\n')}\n`);
  printErrors(ctx.io, blocked);
  return blocked.length > 0 ? 2 : 0;
}
