/**
 * `dockstage watch [--json] [--no-prune] [--no-sync] [--no-checks] [--logs | --no-logs]`: bring the project up (building what
 * is stale), then rebuild and replace only the services a change affects,
 * until SIGINT or SIGTERM. Stopping cancels running builds and leaves the
 * containers running, like `docker compose up -d`.
 */
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import { watchOutputSubscriber } from '../output/watch-lines.js';
import { checkOutputSubscriber } from '../output/check-lines.js';
import { logsSubscriber } from '../../engine/subscribers/logs.js';
import type { Clock } from '../../ports/clock.js';
import type { CommandContext } from '../context.js';
import { printWarnings } from '../output/report.js';
import { startCommandEngine } from '../run-engine.js';
import { interruptedLine, servicesBuilding, servicesRunning } from '../left-running.js';

/** `watch` options as parsed. */
export interface WatchCommand {
  readonly json: boolean;
  readonly prune: boolean;
  /** Live sync (`--no-sync` turns it off; so does `x-dockstage.watch.sync: false`). */
  readonly sync: boolean;
  /** The containers' output, service-prefixed (`--json`: `log` events). Default: on for people, off with `--json`. */
  readonly logs?: boolean | undefined;
  /** Build the environment's checks in the background (`--no-checks` turns it off). */
  readonly checks?: boolean;
  /** Stop after this signal (tests and the TUI pass their own; the CLI listens to SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
}

/** Runs until stopped (SIGINT, SIGTERM, `signal`); exit 0 after a clean stop, with one line saying what keeps running. */
export async function runWatch(ctx: CommandContext, options: ProjectOptions, command: WatchCommand): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  // Stopping is this command's normal end: it stops itself, says what it left running and exits 0.
  ctx.interrupts.stopsItself();
  const lock = await ctx.lockProject(loaded.projectDir, loaded.workspace.project.name);
  try {
    const { clock } = ctx;
    const sink = { out: (line: string) => ctx.io.stdout.write(`${line}\n`), err: (line: string) => ctx.io.stderr.write(`${line}\n`) };
    const logs = command.logs ?? !command.json;
    const printer = logs ? await appLogPrinter(ctx, command.json, clock, () => loaded.workspace.services.map((s) => s.name)) : undefined;
    const runtime = logs ? await ctx.runtime() : undefined;
    const started = clock.now();
    const run = await startCommandEngine(ctx, options, loaded, {
      settings: { mode: 'watch', prune: command.prune, sync: command.sync, checks: command.checks !== false },
      json: command.json,
      buildLines: false,
      subscribers: [
        () => watchOutputSubscriber(sink, command.json, () => clock.now()),
        () => checkOutputSubscriber(sink, command.json, () => clock.now()),
        ...(printer === undefined || runtime === undefined
          ? []
          : [() => logsSubscriber({ runtime, buffer: printer, now: () => clock.now(), since: started, buildLines: false })]),
      ],
    });
    ctx.interrupts.leaves("the containers keep running; 'dockstage down' stops them");
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      if (ctx.interrupts.signal.aborted) return resolve();
      ctx.interrupts.signal.addEventListener('abort', stop, { once: true });
      command.signal?.addEventListener('abort', stop, { once: true });
    });
    const cancelled = servicesBuilding(run.store.getState());
    await run.stop();
    printer?.flush();
    // The last word: what was cancelled and what keeps running (stderr for people; a `stopped` event with --json).
    const state = run.store.getState();
    const signal = ctx.interrupts.received();
    if (command.json) {
      sink.out(
        JSON.stringify({
          type: 'stopped',
          time: new Date(clock.now()).toISOString(),
          reason: signal === 'SIGINT' ? 'interrupted' : signal === 'SIGTERM' ? 'terminated' : 'stopped',
          cancelled,
          running: servicesRunning(state),
        }),
      );
    }
    ctx.io.stderr.write(`${interruptedLine(state, cancelled, signal === 'SIGINT' ? 'interrupted' : 'stopped')}\n`);
    return 0;
  } finally {
    await lock.release();
  }
}

/**
 * The printer of the containers' output: coloured per service on a terminal unless NO_COLOR is set; FORCE_COLOR
 * decides alone when set (colour into a pipe, as chalk takes it; FORCE_COLOR=0 none).
 */
async function appLogPrinter(ctx: CommandContext, json: boolean, clock: Clock, services: () => readonly string[]) {
  const [{ logOutput }, { colorsEnabled }] = await Promise.all([import('../output/app-logs.js'), import('../../ui/theme.js')]);
  const forced = (ctx.env['FORCE_COLOR'] ?? '') !== '';
  const colors = !json && (forced || ctx.io.stdout.isTTY === true) && colorsEnabled((name) => ctx.env[name]);
  return logOutput({ write: (text) => ctx.io.stdout.write(text), json, colors, services, clock });
}
