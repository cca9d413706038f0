/**
 * `dockstage env [NAME]`: show the environments, or switch: build the new
 * environment's stale targets, recreate only the services whose image
 * changed, remember the choice. A failed build changes nothing.
 */
import { chosenEnvironment, loadProject, loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import { DockstageErrors } from '../../core/errors.js';
import { blockedErrors } from '../../core/workspace.js';
import type { Store, Subscriber } from '../../engine/store.js';
import { failedServices, runUntilIdle } from '../run-engine.js';
import type { CommandContext } from '../context.js';
import { printJson, printWarnings } from '../output/report.js';

/**
 * Lists the environments when no name is given, else switches: the engine builds the new environment's stale targets,
 * then recreates only the running services whose image changed. A failed build changes nothing (exit 1): the old
 * containers keep serving and the remembered environment stays.
 */
export async function runEnv(
  ctx: CommandContext,
  options: ProjectOptions,
  command: { name: string | undefined; json: boolean },
): Promise<number> {
  if (command.name === undefined) return await showEnvironments(ctx, options, command.json);
  const started = performance.now();
  const loaded = await loadWorkspace({ ...options, environment: command.name }, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const blocked = blockedErrors(loaded.workspace);
  if (blocked.length > 0) throw new DockstageErrors(blocked);
  const from = await chosenEnvironment(options, loaded.projectDir, loaded.config, ctx.fs, loaded.project.name);
  const built: string[] = [];
  const upToDate: string[] = [];
  let result: { recreated: readonly string[]; restarted: readonly string[] } | undefined;
  const track = (_store: Store): Subscriber => ({
    onChange(state, action) {
      if (action.type === 'buildCompleted') {
        const services = state.services;
        for (const [name, service] of Object.entries(services)) {
          if (service.lastBuild?.id !== action.id) continue;
          (action.upToDate ? upToDate : built).push(name);
        }
      }
      if (action.type === 'environmentSwitched') result = { recreated: action.recreated, restarted: action.restarted };
    },
  });
  const state = await runUntilIdle(ctx, options, loaded, {
    settings: { mode: 'switch', switchFrom: from },
    json: command.json,
    subscribers: [track],
  });
  if (failedServices(state).length > 0) return 1;
  if (state.switching?.error !== undefined) throw state.switching.error;
  if (result === undefined) return 1;
  const all = loaded.workspace.services.map((service) => service.name);
  const running = new Set(
    Object.values(state.services)
      .filter((service) => service.containers.some((c) => c.state !== 'exited' && c.state !== 'dead'))
      .map((service) => service.name),
  );
  const summary = {
    type: 'environment-switched',
    environment: command.name,
    built: built.sort(),
    upToDate: upToDate.sort(),
    recreated: [...result.recreated],
    unchanged: all.filter((name) => running.has(name) && !result!.recreated.includes(name) && !result!.restarted.includes(name)),
    restarted: [...result.restarted],
    notRunning: all.filter((name) => !running.has(name)),
    durationMs: Math.round(performance.now() - started),
  };
  if (command.json) {
    ctx.io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const list = (names: readonly string[]) => (names.length === 0 ? 'none' : names.join(', '));
    ctx.io.stdout.write(
      `switched to ${command.name} in ${(summary.durationMs / 1000).toFixed(1)}s: built ${list(summary.built)}; recreated ${list(summary.recreated)}; restarted ${list(summary.restarted)}; unchanged ${list(summary.unchanged)}\n`,
    );
  }
  return 0;
}

async function showEnvironments(ctx: CommandContext, options: ProjectOptions, json: boolean): Promise<number> {
  const { projectDir, config, project } = await loadProject(options, ctx.loadDeps);
  const current = await chosenEnvironment(options, projectDir, config, ctx.fs, project.name);
  const environments = Object.values(config.environments).map((env) => ({
    name: env.name,
    target: env.target ?? null,
    current: env.name === current,
    default: env.name === config.defaultEnvironment,
  }));
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
