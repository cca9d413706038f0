/**
 * How the CLI talks: results to stdout (text or one JSON document / JSON
 * lines), problems to stderr as `error: message`, then `--> file:line` and a
 * `hint:` line with the next step. Secrets never pass through here: nothing
 * prints environment values.
 */
import { DockstageError, DockstageErrors } from '../../core/errors.js';
import { errorLines } from '../../core/error-description.js';
import { MIN_WIDTH } from '../../ui/text/fit-width.js';
import { CommandInterrupted } from '../interrupt.js';

/** The two streams a command writes to: results only on stdout, warnings and errors on stderr, so `--json` output stays parseable. */
export type { Io } from '../io.js';
import type { Io } from '../io.js';

/**
 * Prints one error (or each of several) and returns the exit code. Anything that is not a DockstageError is a bug in
 * dockstage: it gets one line and a hint, and its stack trace only with `debug` (DOCKSTAGE_DEBUG=1).
 */
export function reportError(io: Io, error: unknown, debug = false): number {
  if (error instanceof CommandInterrupted) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof DockstageErrors) {
    for (const each of error.errors) io.stderr.write(formatError(each));
    return error.exitCode;
  }
  if (error instanceof DockstageError) {
    io.stderr.write(formatError(error));
    return error.exitCode;
  }
  if (debug) {
    io.stderr.write(`error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `error: unexpected failure: ${name}${message.split('\n')[0]}\n  hint: this is a bug in dockstage; run again with DOCKSTAGE_DEBUG=1 for the stack trace, and report it\n`,
  );
  return 1;
}

/** `error: …`, `  --> file:line (path)`, `  hint: …`. */
export function formatError(error: DockstageError, severity: 'error' | 'warning' = 'error'): string {
  return `${errorLines(error, { label: `${severity}: ` }).join('\n')}\n`;
}

/** Pretty JSON for one-shot commands (stable key order comes from the data). */
export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * How wide tables may be: the terminal's width when stdout is a terminal (at
 * least MIN_WIDTH), none when it is a pipe or a file, so `dockstage stages | grep`
 * and CI logs keep every instruction whole (like `git log`; `--json` is for scripts).
 */
export function terminalWidth(io: Io): number | undefined {
  if (io.stdout.isTTY !== true) return undefined;
  const columns = io.stdout.columns;
  return columns === undefined || !Number.isFinite(columns) || columns <= 0 ? 80 : Math.max(MIN_WIDTH, Math.floor(columns));
}

/** Pads cells into aligned columns (last column unpadded). */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}

/** Warnings (stage graph "did you mean", unknown config keys) go to stderr, never to JSON stdout. */
export function printWarnings(io: Io, warnings: readonly DockstageError[]): void {
  for (const warning of warnings) io.stderr.write(formatError(warning, 'warning'));
}

/** Errors that did not stop the command (a blocked service while the others went on), each as `error:` on stderr. */
export function printErrors(io: Io, errors: readonly DockstageError[]): void {
  for (const error of errors) io.stderr.write(formatError(error));
}
