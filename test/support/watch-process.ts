/**
 * `dockstage watch --json` as a real process, for end-to-end tests: its JSON
 * lines collected as they arrive, conditions on them awaited with a deadline,
 * and a clean stop with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.js';
import { waitFor } from './wait.js';

/** One line of `watch --json`. */
export type WatchLine = { readonly type: string; readonly time: string } & Record<string, unknown>;

/** A running watch process. */
export interface WatchProcess {
  readonly lines: WatchLine[];
  readonly stderr: () => string;
  /** Waits for a line (after index `from`) matching `predicate`; returns it. */
  next(predicate: (line: WatchLine) => boolean, options?: { from?: number; timeoutMs?: number; message?: string }): Promise<WatchLine>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  readonly child: ChildProcess;
}

/** Starts `dockstage <args> watch --json <watchArgs>` in `cwd`. */
export function startWatch(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; watchArgs?: readonly string[] },
): WatchProcess {
  const child = spawn(process.execPath, [CLI, ...args, 'watch', '--json', ...(options.watchArgs ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: WatchLine[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (text.trim() !== '') lines.push(JSON.parse(text) as WatchLine);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines,
    stderr: () => stderr,
    child,
    next(predicate, { from = 0, timeoutMs = 60_000, message } = {}) {
      return waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`watch exited with ${child.exitCode}: ${stderr}`);
          return lines.slice(from).find(predicate);
        },
        { timeoutMs, intervalMs: 20, message: message ?? 'a watch event' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nevents: ${lines.map((l) => l.type).join(' ')}\nstderr: ${stderr}`);
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return await exited;
    },
  };
}
