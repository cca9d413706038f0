/**
 * Errors that reach the user. Every one carries what went wrong, where (file and
 * line when there is one) and what to do next, so the CLI and the UI can print
 * them the same way. `exitCode` follows the CLI contract: 2 for usage or
 * configuration errors, 1 for runtime failures.
 */
export interface ErrorLocation {
  readonly file?: string;
  readonly line?: number;
  /** A dotted path inside a config document, e.g. `services.web.build.target`. */
  readonly path?: string;
}

/**
 * The base of every error meant for the user: the CLI reports anything else as an unexpected failure. `exitCode` defaults
 * to 2 (usage or configuration).
 */
export class DockstageError extends Error {
  readonly location: ErrorLocation;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { location?: ErrorLocation; hint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.location = options.location ?? {};
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** A Dockerfile that BuildKit would refuse to parse. */
export class DockerfileParseError extends DockstageError {
  constructor(message: string, file: string, line: number, hint?: string) {
    super(message, { location: { file, line }, ...(hint === undefined ? {} : { hint }), exitCode: 2 });
  }
}

/** A stage graph problem: unknown stage reference, out-of-range index, cycle, unknown target. */
export class StageGraphError extends DockstageError {}

/** dockstage or compose configuration that cannot be used as written. */
export class ConfigError extends DockstageError {}

/** The engine, the compose CLI or buildx is missing or unreachable. */
export class EngineUnavailableError extends DockstageError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: 1 });
  }
}

/** `file:line` when both are known, the file alone, or nothing. */
export function formatLocation(location: ErrorLocation): string {
  if (location.file === undefined) return location.path ?? '';
  const at = location.line === undefined ? location.file : `${location.file}:${location.line}`;
  return location.path === undefined ? at : `${at} (${location.path})`;
}

/** Several problems found in one pass (changesets-style validation): printed together, worst exit code wins. */
export class DockstageErrors extends DockstageError {
  readonly errors: readonly DockstageError[];
  constructor(errors: readonly DockstageError[]) {
    const first = errors[0];
    super(errors.length === 1 && first !== undefined ? first.message : `${errors.length} problems`, {
      ...(first === undefined ? {} : { location: first.location }),
      ...(first?.hint === undefined ? {} : { hint: first.hint }),
      exitCode: errors.some((error) => error.exitCode === 1) ? 1 : 2,
    });
    this.errors = errors;
  }
}

/** Returns the error with `location` replaced (errors are immutable values). */
export function relocate<E extends DockstageError>(error: E, location: ErrorLocation): DockstageError {
  return new DockstageError(error.message, {
    location,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    exitCode: error.exitCode,
    cause: error,
  });
}

/** Where a failed build happened and what it printed last; `containerKept` says a running container was left serving. */
export interface BuildFailureDetails {
  readonly service?: string;
  readonly stage?: string;
  readonly instruction?: string;
  readonly file?: string;
  readonly line?: number;
  readonly logTail?: readonly string[];
  /** What to do next; default "fix the failing step". */
  readonly hint?: string;
  /**
   * True when a container of the service was running and was left as it was: only then does the hint say so. Off by
   * default, because after a first build there is no container to speak of.
   */
  readonly containerKept?: boolean;
}

/**
 * A build that failed inside BuildKit. `stage`, `instruction` and `line` say
 * where, when known; `logTail` holds the last lines of that step's output.
 */
export class BuildFailedError extends DockstageError {
  readonly service: string | undefined;
  readonly stage: string | undefined;
  readonly instruction: string | undefined;
  readonly logTail: readonly string[];
  readonly containerKept: boolean;
  /** The hint as given, before "the running container was left as it was" is added. */
  readonly baseHint: string;

  constructor(message: string, details: BuildFailureDetails) {
    const baseHint = details.hint ?? 'fix the failing step';
    super(message, {
      location: {
        ...(details.file === undefined ? {} : { file: details.file }),
        ...(details.line === undefined ? {} : { line: details.line }),
      },
      hint: details.containerKept === true ? `${baseHint}; the running container was left as it was` : baseHint,
      exitCode: 1,
    });
    this.service = details.service;
    this.stage = details.stage;
    this.instruction = details.instruction;
    this.logTail = details.logTail ?? [];
    this.containerKept = details.containerKept === true;
    this.baseHint = baseHint;
  }
}

/** The same failure, saying that the service's running container was left as it was (call when one was running). */
export function withContainerKept(error: BuildFailedError): BuildFailedError {
  return new BuildFailedError(error.message, {
    ...(error.service === undefined ? {} : { service: error.service }),
    ...(error.stage === undefined ? {} : { stage: error.stage }),
    ...(error.instruction === undefined ? {} : { instruction: error.instruction }),
    ...(error.location.file === undefined ? {} : { file: error.location.file }),
    ...(error.location.line === undefined ? {} : { line: error.location.line }),
    logTail: error.logTail,
    hint: error.baseHint,
    containerKept: true,
  });
}

/**
 * Drops repeats (same message and location): services that share a Dockerfile
 * would otherwise report each of its warnings once per service.
 */
export function uniqueErrors<E extends DockstageError>(errors: readonly E[]): E[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.message}|${error.location.file}|${error.location.line}|${error.location.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
