/**
 * One description of a DockstageError and its two forms: the JSON object every `--json` output carries (`watch`,
 * `build`, `status`), always with the same keys, and the lines people read (the CLI's stderr, the watch log, the
 * TUI's detail pane, a service's log pane). Renderers pick where the location goes and how the first line starts;
 * what is said comes from here.
 */
import { BuildFailedError, formatLocation, type DockstageError } from './errors.js';

/** An error as `--json` shows it: null where a field does not apply, `logTail` empty unless a build step printed. */
export interface ErrorDescription {
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  /** A dotted path inside a config document (`services.web.build.target`). */
  readonly path: string | null;
  readonly hint: string | null;
  /** For a failed build: the service, stage and instruction it failed at. */
  readonly service: string | null;
  readonly stage: string | null;
  readonly instruction: string | null;
  readonly logTail: readonly string[];
}

/** The description of an error (its JSON form). */
export function describeError(error: DockstageError): ErrorDescription {
  const build = error instanceof BuildFailedError ? error : undefined;
  return {
    message: error.message,
    file: error.location.file ?? null,
    line: error.location.line ?? null,
    path: error.location.path ?? null,
    hint: error.hint ?? null,
    service: build?.service ?? null,
    stage: build?.stage ?? null,
    instruction: build?.instruction ?? null,
    logTail: build?.logTail ?? [],
  };
}

/** How a renderer lays an error out. */
export interface ErrorTextOptions {
  /** Starts the first line: `error: ` (default), `warning: `, `✗ `, `web: build FAILED: `. */
  readonly label?: string;
  /** The first line's text instead of the message (a failed build says where it failed). */
  readonly headline?: string;
  /** `below` (default): `  --> file:line` on its own line; `inline`: ` (file:line)` after the first line. */
  readonly location?: 'below' | 'inline';
  /** The build step's last output lines, `  │ …` (default: shown). */
  readonly tail?: boolean;
  /** Only the message's first line (the TUI's narrow panes). */
  readonly firstLineOnly?: boolean;
  /** Said when the error has no hint of its own. */
  readonly defaultHint?: string;
  /** Indent of the lines after the first (default two spaces). */
  readonly indent?: string;
}

/** The human form: the first line, where, the step's output, and the hint. */
export function errorLines(error: DockstageError | ErrorDescription, options: ErrorTextOptions = {}): string[] {
  const description = 'exitCode' in error ? describeError(error) : error;
  const indent = options.indent ?? '  ';
  const text = options.headline ?? description.message;
  const first = options.firstLineOnly === true ? text.split('\n')[0]! : text;
  const where = whereOf(description);
  const lines = [`${options.label ?? 'error: '}${first}${options.location === 'inline' && where !== '' ? ` (${where})` : ''}`];
  if (options.location !== 'inline' && where !== '') lines.push(`${indent}--> ${where}`);
  if (options.tail !== false) for (const line of description.logTail) lines.push(`${indent}│ ${line}`);
  const hint = description.hint ?? options.defaultHint;
  if (hint !== undefined) lines.push(`${indent}hint: ${hint}`);
  return lines;
}

function whereOf(description: ErrorDescription): string {
  return formatLocation({
    ...(description.file === null ? {} : { file: description.file }),
    ...(description.line === null ? {} : { line: description.line }),
    ...(description.path === null ? {} : { path: description.path }),
  });
}
