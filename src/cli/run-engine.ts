/**
 * How commands run the engine: check buildx and the engine once (one clear
 * line when either is missing), start the engine on the loaded workspace with
 * the command's output subscriber, and run it until idle (`build`, `up`,
 * `env`) or hand it to the caller (`watch`, the TUI).
 */
import path from 'node:path';
import type { EngineMode, EngineState } from '../core/state/engine-state.js';
import { runSettings, type RunSettingsInput } from '../engine/settings.js';
import { startEngine, type EngineRun } from '../engine/engine.js';
import { defaultPlatform, loadWorkspace, type LoadedProject, type ProjectOptions } from '../operations/load-workspace.js';
import type { Store, Subscriber } from '../engine/store.js';
import { buildOutputSubscriber } from './output/build-lines.js';
import type { ComposeTarget } from '../ports/compose-cli.js';
import type { CommandContext } from './context.js';
import { CommandInterrupted } from './interrupt.js';
import { interruptedLine, servicesBuilding } from './left-running.js';

/** What a command asks of the engine: the run's settings, and how its output is printed. */
export interface CommandEngineOptions {
  /** Mode, services, flags; what is not said takes its default (`runSettings`). */
  readonly settings: RunSettingsInput;
  readonly json: boolean;
  /** The build lines (or `--json` build events) of the one-shot commands; off for `watch` and the TUI, which print their own. */
  readonly buildLines?: boolean;
  /** More subscribers, told after the engine's own. */
  readonly subscribers?: readonly ((store: Store) => Subscriber)[];
}

/** Starts the engine for a command: the adapters come from the context (the composition root), the settings from the command. */
export async function startCommandEngine(
  ctx: CommandContext,
  project: ProjectOptions,
  loaded: LoadedProject,
  options: CommandEngineOptions,
): Promise<EngineRun> {
  const settings = runSettings(options.settings, {
    platform: defaultPlatform((name) => ctx.env[name]),
    builder: loaded.workspace.config.builder,
  });
  const { mode } = settings;
  const builder = ctx.builder();
  await builder.info(settings.build.builder);
  const runtime = await ctx.runtime();
  if (mode !== 'build') await warnRemoteBindMounts(ctx, loaded);
  const watcher = mode === 'watch' ? await ctx.fileWatcher() : undefined;
  const containerFiles = mode === 'watch' && settings.sync ? await ctx.containerFiles() : undefined;
  // A remote engine with `remote.bind_mounts: sync`: the copies of bind mounts go through the same writer.
  const bindMountFiles =
    mode !== 'build' && loaded.workspace.syncBindMounts === true ? (containerFiles ?? (await ctx.containerFiles())) : undefined;
  const output = (_store: Store) =>
    buildOutputSubscriber(
      {
        out: (line) => ctx.io.stdout.write(`${line}\n`),
        err: (line) => ctx.io.stderr.write(`${line}\n`),
      },
      options.json,
    );
  return startEngine(
    {
      fs: ctx.fs,
      runtime,
      builder,
      compose: ctx.compose,
      clock: ctx.clock,
      ...(watcher === undefined ? {} : { watcher }),
      ...(containerFiles === undefined ? {} : { containerFiles }),
      ...(bindMountFiles === undefined ? {} : { bindMountFiles }),
    },
    loaded.workspace,
    await definingFiles(loaded.compose, loaded.projectDir, ctx, mode),
    {
      settings,
      composeTarget: loaded.compose,
      projectDir: loaded.projectDir,
      // compose read the model's files once this process started (the start-up prefetch), not before.
      ...(mode === 'watch' ? { modelReadSince: Math.floor(performance.timeOrigin) } : {}),
      load: async (environment) => {
        const again = await loadWorkspace({ ...project, environment }, ctx.loadDeps);
        return { workspace: again.workspace, composeFiles: await definingFiles(again.compose, again.projectDir, ctx, mode) };
      },
      subscribers: [...(options.buildLines === false ? [] : [output]), ...(options.subscribers ?? [])],
      onSubscriberError: (error) => {
        if (ctx.env['DOCKSTAGE_DEBUG'] === '1')
          ctx.io.stderr.write(`debug: a subscriber failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      },
    },
  );
}

/** On a remote engine, one warning per service whose bind mounts take project files: the engine cannot see them. */
async function warnRemoteBindMounts(ctx: CommandContext, loaded: LoadedProject): Promise<void> {
  const endpoint = await ctx.endpoint();
  const [{ engineIsRemote, projectBindMounts, remoteBindMountWarning }, { DockstageError }, { printWarnings }] = await Promise.all([
    import('../core/remote-engine.js'),
    import('../core/errors.js'),
    import('./output/report.js'),
  ]);
  // Synced mounts need no warning: dockstage keeps them (engine/subscribers/bind-mounts.ts).
  if (!engineIsRemote(endpoint.host, loaded.workspace.config.remote) || loaded.workspace.syncBindMounts === true) return;
  const warnings = projectBindMounts(loaded.workspace).map((entry) => {
    const { message, hint } = remoteBindMountWarning(entry, endpoint.host);
    return new DockstageError(message, { hint });
  });
  printWarnings(ctx.io, warnings);
}

/**
 * Runs the engine until idle and stops it; returns the final state. A signal stops it early (builds cancelled, what
 * compose is doing finished) and rejects with CommandInterrupted, whose line says what was left running.
 */
export async function runUntilIdle(
  ctx: CommandContext,
  project: ProjectOptions,
  loaded: LoadedProject,
  options: CommandEngineOptions,
): Promise<EngineState> {
  const { interrupts } = ctx;
  interrupts.stopsItself();
  interrupts.leaves("builds may still be running; 'dockstage status' shows what runs");
  const run = await startCommandEngine(ctx, project, loaded, options);
  let cancelled: string[] = [];
  const onSignal = () => {
    cancelled = servicesBuilding(run.store.getState());
    void run.stop();
  };
  if (interrupts.signal.aborted) onSignal();
  interrupts.signal.addEventListener('abort', onSignal, { once: true });
  try {
    const state = await Promise.race([run.idle(), run.store.until((s) => s.stopping)]);
    await run.stop();
    const signal = interrupts.received();
    if (state.stopping && signal !== undefined) throw new CommandInterrupted(interruptedLine(run.store.getState(), cancelled), signal);
    return state.stopping ? run.store.getState() : state;
  } finally {
    interrupts.signal.removeEventListener('abort', onSignal);
  }
}

/** The services of the state whose last build failed (not cancelled). */
export function failedServices(state: EngineState): string[] {
  return Object.values(state.services)
    .filter((service) => service.lastBuild?.status === 'failed')
    .map((service) => service.name)
    .sort();
}

/**
 * The files compose resolves the project from: the compose files, the env files it interpolates from (`--env-file`,
 * else `.env` in the project directory) and the `env_file:` files the services name. A change to one reloads the
 * project. Only `watch` needs more than the compose files, and only it reads them for their env files.
 */
async function definingFiles(compose: ComposeTarget, projectDir: string, ctx: CommandContext, mode: EngineMode): Promise<string[]> {
  if (mode !== 'watch') return [...compose.files];
  const interpolation = compose.envFiles.length > 0 ? compose.envFiles : [path.join(projectDir, '.env')];
  const { envFilesNamed } = await import('../core/compose/env-files.js');
  const named = await Promise.all(compose.files.map(async (file) => envFilesNamed((await ctx.fs.readText(file)) ?? '', file)));
  return [...new Set([...compose.files, ...interpolation, ...named.flat()])];
}
