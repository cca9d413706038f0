/**
 * A real pseudo-terminal for end-to-end tests of the terminal UI: a tmux
 * server on its own socket (nothing shared with the user's or other tests'
 * tmux), one session of a fixed size running a command (arguments, no shell),
 * keys sent with send-keys and the screen read with capture-pane.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** A running tmux session. */
export interface TmuxSession {
  /** The visible screen as text. */
  screen(): Promise<string>;
  /** The screen with the scrollback above it. */
  history(): Promise<string>;
  /** Keys as send-keys names them (`Enter`, `Escape`, `j`); literal text with `text`. */
  keys(...keys: string[]): Promise<void>;
  text(text: string): Promise<void>;
  /** A tmux format for the pane, e.g. `#{alternate_on}`. */
  display(format: string): Promise<string>;
  /** Polls the screen until `check` holds; returns that screen. Fails with the last screen. */
  waitForScreen(check: (screen: string) => boolean, message: string, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

/** Starts `command` in a new detached session of `columns`×`rows`. */
export async function startTmux(options: {
  socket: string;
  columns: number;
  rows: number;
  cwd: string;
  env: Record<string, string>;
  command: readonly string[];
}): Promise<TmuxSession> {
  const tmux = (...args: string[]) => run('tmux', ['-L', options.socket, '-f', '/dev/null', ...args]);
  const env = Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await tmux(
    'new-session',
    '-d',
    '-s',
    'main',
    '-x',
    String(options.columns),
    '-y',
    String(options.rows),
    '-c',
    options.cwd,
    ...env,
    '--',
    ...options.command,
  );
  const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'main')).stdout;
  return {
    screen,
    history: async () => (await tmux('capture-pane', '-p', '-t', 'main', '-S', '-200')).stdout,
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'main', ...keys)),
    text: async (text) => void (await tmux('send-keys', '-t', 'main', '-l', text)),
    display: async (format) => (await tmux('display-message', '-p', '-t', 'main', format)).stdout.trim(),
    async waitForScreen(check, message, timeoutMs = 30_000) {
      let last = '';
      return await waitFor(
        async () => {
          last = await screen();
          return check(last) && last;
        },
        { timeoutMs, intervalMs: 100, message },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- screen ---\n${last}`);
      });
    },
    async kill() {
      await tmux('kill-server').catch(() => undefined);
      // The server leaves its socket file behind.
      if (socketPath !== '') await rm(socketPath, { force: true });
    },
  };
}
