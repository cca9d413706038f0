/**
 * `dockstage` on a terminal: the watch loop of `dockstage watch` with the
 * interactive UI as its view. The engine runs as for `watch` (chokidar,
 * builds, replacements) plus the logs and stats subscribers; the UI reads the
 * store and dispatches. `x` hands the terminal to a shell in a container and
 * takes it back; `q` asks whether to leave the containers running or take them
 * down; ctrl-c, SIGINT and SIGTERM quit at once, leaving them running, and
 * say which services keep running. The terminal is always restored
 * (alternate screen, cursor, raw mode), and a clean quit exits 0. Loaded only by the bare command on a TTY, so no other
 * command pays for ink and React.
 */
import { render, type Instance } from 'ink';
import { createElement } from 'react';
import { engineIsRemote } from '../../core/remote-engine.js';
import { formatLocation } from '../../core/errors.js';
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import { LogBuffer } from '../../engine/log-buffer.js';
import { logsSubscriber } from '../../engine/subscribers/logs.js';
import { statsSubscriber } from '../../engine/subscribers/stats.js';
import type { StatsSample } from '../../ports/container-runtime.js';
import { App } from '../../ui/components/App.js';
import { colorsEnabled } from '../../ui/theme.js';
import { initialUiState, type UiState } from '../../ui/ui-state.js';
import type { CommandContext } from '../context.js';
import { startCommandEngine } from '../run-engine.js';
import { runDown } from './down.js';
import { interruptedLine } from '../left-running.js';

/** TUI options as parsed. */
export interface TuiCommand {
  /** Scrollback per service (and for all services together), per source. */
  readonly logLines: number;
  readonly prune: boolean;
  /** Live sync, as for `watch`. */
  readonly sync: boolean;
}

/** Runs the UI until the user quits; 0 after a clean quit. */
export async function runTui(ctx: CommandContext, options: ProjectOptions, command: TuiCommand): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  const lock = await ctx.lockProject(loaded.projectDir, loaded.workspace.project.name);
  try {
    const { clock } = ctx;
    const now = () => clock.now();
    const logs = new LogBuffer({ linesPerService: command.logLines });
    const stats = new Map<string, StatsSample | undefined>();
    const runtime = await ctx.runtime();
    const endpoint = await ctx.endpoint();
    const remoteEndpoint = engineIsRemote(endpoint.host, loaded.workspace.config.remote) ? endpoint.host : undefined;
    const run = await startCommandEngine(ctx, options, loaded, {
      settings: { mode: 'watch', prune: command.prune, sync: command.sync },
      json: false,
      buildLines: false,
      subscribers: [
        () => logsSubscriber({ runtime, buffer: logs, now }),
        (store) => statsSubscriber({ runtime, clock, getState: store.getState, onSample: (service, sample) => stats.set(service, sample) }),
      ],
    });

    const stdout = process.stdout;
    // The keyboard is a stream of its own, closed while a shell owns the terminal (see terminal-input.ts).
    const { terminalInput, terminalScreen } = await ctx.terminal();
    const keyboard = terminalInput(process.stdin);
    const screen = terminalScreen({ stdout, input: keyboard }, (listener) => {
      process.on('exit', listener);
      return () => process.off('exit', listener);
    });
    const warnings = loaded.workspace.warnings;
    let ui: UiState = {
      ...initialUiState(),
      message:
        warnings.length === 0
          ? undefined
          : `${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings[0]!.message}${formatLocation(warnings[0]!.location) === '' ? '' : ` (${formatLocation(warnings[0]!.location)})`}`,
    };
    let instance: Instance | undefined;
    let inShell = false;
    let quit: (takeDown: boolean) => void = () => undefined;
    const quitting = new Promise<boolean>((resolve) => (quit = resolve));

    const mount = () => {
      screen.enter();
      const stdin = keyboard.open();
      instance = render(
        createElement(App, {
          store: run.store,
          logs,
          stats,
          now,
          builder: loaded.workspace.config.builder ?? 'default',
          ...(remoteEndpoint === undefined ? {} : { remoteEndpoint }),
          colors: colorsEnabled((name) => ctx.env[name]),
          initialUi: ui,
          onUiChange: (next: UiState) => {
            ui = next;
          },
          onShell: (service: string, containerId: string) => void shell(service, containerId),
          onQuit: (takeDown: boolean) => quit(takeDown),
        }),
        { stdin, stdout, stderr: process.stderr, exitOnCtrlC: false, patchConsole: true },
      );
    };
    // Synchronous from the key that asked for the shell to the keyboard's close: no key after it reaches the UI.
    const unmount = () => {
      instance?.unmount();
      instance?.cleanup();
      instance = undefined;
      screen.leave();
    };
    const shell = async (service: string, containerId: string) => {
      if (inShell) return;
      inShell = true;
      unmount();
      stdout.write(`dockstage: a shell in ${service} (${containerId.slice(0, 12)}); exit it to come back\n`);
      try {
        const result = await ctx.openShell(containerId);
        ui = { ...ui, message: `back from ${result.shell} in ${service} (exit ${result.exitCode})` };
      } finally {
        inShell = false;
        mount();
        if (quitAfterShell) quit(false);
      }
    };

    // ctrl-c reaches the UI as a key in raw mode; these are for signals from outside (kill, a closing terminal). In a
    // shell the signal waits for it to end; a second SIGINT exits at once (interrupt.ts).
    let quitAfterShell = false;
    const onSignal = () => {
      if (inShell) quitAfterShell = true;
      else quit(false);
    };
    ctx.interrupts.stopsItself();
    ctx.interrupts.leaves("the containers keep running; 'dockstage down' stops them");
    ctx.interrupts.signal.addEventListener('abort', onSignal, { once: true });
    process.on('SIGHUP', onSignal);
    try {
      mount();
      const takeDown = await quitting;
      unmount();
      stdout.write(
        takeDown ? 'dockstage: stopping, then taking the project down…\n' : 'dockstage: stopping; the containers keep running\n',
      );
      await run.stop();
      // `dockstage down`: the environment in force now (a switch in the UI remembered it), its override file.
      if (takeDown) await runDown(ctx, options, { volumes: false, rmi: undefined, json: false });
      else
        stdout.write(`${interruptedLine(run.store.getState(), [], ctx.interrupts.received() === 'SIGINT' ? 'interrupted' : 'stopped')}\n`);
      return 0;
    } finally {
      ctx.interrupts.signal.removeEventListener('abort', onSignal);
      process.off('SIGHUP', onSignal);
      unmount();
    }
  } finally {
    await lock.release();
  }
}
