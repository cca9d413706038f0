/**
 * A long-running child (compose watch, dockstage watch) whose stdout and stderr
 * lines are kept in arrival order, so the benchmark can wait for a line and
 * count what a loop printed between two edits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChild } from './docker-ledger.js';

/** One printed line, with the stream it came on. */
export interface PrintedLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** A spawned process and everything it printed so far. */
export class LineProcess {
  readonly lines: PrintedLine[] = [];
  private exitStatus: string | undefined;

  private constructor(readonly child: ChildProcess) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source === null) continue;
      // compose redraws progress with \r and ANSI codes; keep the words.
      createInterface({ input: source }).on('line', (text) => this.lines.push({ stream, text: stripAnsi(text) }));
    }
    child.once('exit', (code, signal) => (this.exitStatus = signal === null ? `exit code ${code}` : `signal ${signal}`));
  }

  /** Starts `command` with an argument array (no shell). */
  static start(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): LineProcess {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new LineProcess(child);
  }

  /** Undefined while running, else how it ended. */
  get exited(): string | undefined {
    return this.exitStatus;
  }

  /** Waits for a line (from index `from` on) that satisfies `test`; fails early if the process exits first. */
  async waitForLine(
    test: (line: PrintedLine) => boolean,
    options: { from?: number; timeoutMs: number; what: string },
  ): Promise<PrintedLine> {
    const deadline = performance.now() + options.timeoutMs;
    for (;;) {
      const found = this.lines.slice(options.from ?? 0).find(test);
      if (found !== undefined) return found;
      if (this.exitStatus !== undefined)
        throw new Error(`exited (${this.exitStatus}) before ${options.what}; last lines:\n${this.tail(8)}`);
      if (performance.now() > deadline) throw new Error(`no ${options.what} within ${options.timeoutMs} ms; last lines:\n${this.tail(8)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The last `count` lines, for error messages. */
  tail(count: number): string {
    return this.lines
      .slice(-count)
      .map((line) => `  ${line.text}`)
      .join('\n');
  }

  /** SIGINT, then SIGKILL after 5 s. */
  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
