/**
 * `docker compose` processes, spawned with argument arrays (never a shell
 * string), and what their failures mean. The commands a user waits on run
 * here rather than through the `docker-compose` package, which settles every
 * call 500 ms after compose exits (a fixed `setTimeout` in its `execCompose`)
 * and costs ~25 ms to load: `config` (every command's first step, settled by
 * the first complete JSON object on stdout), `up` (the first start, an
 * environment switch) and `stop`/`start`/`restart` (the TUI's keys). The
 * arguments are the package's: global options, `-f` per file, the command,
 * its options, then the services.
 */
import { spawn } from 'node:child_process';
import { ConfigError, DockstageError, EngineUnavailableError } from '../../core/errors.js';
import type { ComposeTarget } from '../../ports/compose-cli.js';

/** compose refused a command; `message` is compose's own words. */
export class ComposeCommandError extends DockstageError {
  readonly stderr: string;
  constructor(command: string, stderr: string, exitCode: 1 | 2) {
    const message = lastMeaningfulLine(stderr) || `docker compose ${command} failed`;
    super(message, { exitCode, hint: `run 'docker compose ${command}' to see compose's full output` });
    this.stderr = stderr;
  }
}

/** How compose processes run: the environment (this process's by default) and where their output goes as it comes. */
export interface ComposeProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly onOutput?: (text: string) => void;
}

/** The command line after `docker`: `compose`, the global options, `-f` per file, the command and its arguments. */
export function composeArgs(target: ComposeTarget, command: string, args: readonly string[]): string[] {
  return ['compose', ...globalArgs(target).flat(), ...target.files.flatMap((file) => ['-f', file]), command, ...args];
}

/**
 * Runs `docker compose <command> <args>` for the target and resolves when it exits 0; otherwise rejects with
 * compose's own words (`composeFailure`, exit code `exitCode`), or EngineUnavailableError when there is no docker CLI.
 */
export function runCompose(
  target: ComposeTarget,
  command: string,
  args: readonly string[],
  options: ComposeProcessOptions,
  exitCode: 1 | 2 = 1,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnCompose(target, command, args, options);
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      options.onOutput?.(chunk.toString('utf8'));
      stderr.push(chunk);
    });
    child.on('error', (error) => reject(toError(command, error, exitCode)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(composeFailure(command, Buffer.concat(stderr).toString('utf8'), exitCode));
    });
  });
}

function spawnCompose(target: ComposeTarget, command: string, args: readonly string[], options: ComposeProcessOptions) {
  return spawn('docker', composeArgs(target, command, args), {
    ...(target.projectDirectory === undefined ? {} : { cwd: target.projectDirectory }),
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Reads a process's stdout chunk by chunk and hands back the parsed value once the bytes so far are exactly one
 * complete JSON object (surrounding whitespace allowed), else undefined. Sound for `config --format json` because
 * compose writes the JSON as its last act (one write; only a failed write can still fail the command) and because
 * no proper prefix of a JSON object text is itself valid JSON: its closing brace is the last significant byte.
 * Parsing is tried only when a chunk ends the text with `}`.
 */
export function createJsonObjectReader(): { push(chunk: Buffer): { readonly value: unknown } | undefined } {
  const chunks: Buffer[] = [];
  let endsWithBrace = false;
  return {
    push(chunk) {
      chunks.push(chunk);
      const last = lastSignificantByte(chunk);
      if (last !== undefined) endsWithBrace = last === CLOSING_BRACE;
      if (!endsWithBrace) return undefined;
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trimStart().startsWith('{')) return undefined;
      try {
        return { value: JSON.parse(text) as unknown };
      } catch {
        return undefined;
      }
    },
  };
}

const CLOSING_BRACE = 0x7d;

/** The last byte that is not JSON whitespace (space, tab, CR, LF), or undefined for an all-whitespace chunk. */
function lastSignificantByte(chunk: Buffer): number | undefined {
  for (let i = chunk.length - 1; i >= 0; i--) {
    const byte = chunk[i]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  }
  return undefined;
}

/**
 * `docker compose … config --format json`, settled by the first complete JSON object on stdout; a non-zero exit is compose's error (exit code 2: the
 * files are the problem).
 */
export function composeConfig(target: ComposeTarget, options: ComposeProcessOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawnCompose(target, 'config', ['--format', 'json'], options);
    const reader = createJsonObjectReader();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      options.onOutput?.(chunk.toString('utf8'));
      if (settled) return;
      stdout.push(chunk);
      const document = reader.push(chunk);
      if (document !== undefined) settle(() => resolve(document.value));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      options.onOutput?.(chunk.toString('utf8'));
      stderr.push(chunk);
    });
    child.on('error', (error) => settle(() => reject(toError('config', error, 2))));
    child.on('close', (code) => {
      const err = Buffer.concat(stderr).toString('utf8');
      if (code !== 0) return settle(() => reject(composeFailure('config', err, 2)));
      settle(() => {
        try {
          resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as unknown);
        } catch {
          reject(
            new DockstageError('docker compose config printed no JSON', {
              exitCode: 1,
              hint: `check 'docker compose config --format json'${err.trim() === '' ? '' : `; compose said: ${lastMeaningfulLine(err)}`}`,
            }),
          );
        }
      });
    });
  });
}

/** Compose's global options for the target, as the package's `composeOptions`. */
export function globalArgs(target: ComposeTarget): string[][] {
  const args: string[][] = [];
  if (target.projectName !== undefined) args.push(['-p', target.projectName]);
  if (target.projectDirectory !== undefined) args.push(['--project-directory', target.projectDirectory]);
  for (const profile of target.profiles) args.push(['--profile', profile]);
  for (const envFile of target.envFiles) args.push(['--env-file', envFile]);
  return args;
}

/** A failure of the package's promise or of a spawn, as a DockstageError. */
export function toError(command: string, error: unknown, exitCode: 1 | 2): DockstageError {
  if (error instanceof DockstageError) return error;
  if (error instanceof Error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new EngineUnavailableError(
        'the docker CLI is not installed (or not on PATH)',
        'install Docker (the docker CLI with the Compose v2 plugin)',
      );
    }
    return new DockstageError(`docker compose ${command}: ${error.message}`, { exitCode: 1, cause: error });
  }
  const result = error as { err?: string; out?: string };
  return composeFailure(command, `${result.err ?? ''}`, exitCode);
}

/**
 * The error for a compose command that exited non-zero, from its stderr: a
 * missing or v1 compose and an unreachable engine become EngineUnavailableError
 * with the fix (exit 1); anything else keeps compose's own words.
 */
export function composeFailure(command: string, stderr: string, exitCode: 1 | 2): DockstageError {
  if (/is not a docker command|unknown command:? "?(docker )?compose"?|unknown shorthand flag: 'f'/.test(stderr)) {
    return new EngineUnavailableError(
      'the Compose v2 CLI plugin is missing (docker compose)',
      'install the docker compose plugin (v2); the Python docker-compose v1 is not supported',
    );
  }
  const context = /context "([^"]+)": context not found/.exec(stderr);
  if (context !== null) {
    return new ConfigError(`docker context '${context[1]}' does not exist`, {
      hint: 'DOCKER_CONTEXT (or "docker context use") names it; list contexts with "docker context ls", or unset DOCKER_CONTEXT',
    });
  }
  if (/Cannot connect to the Docker daemon|error during connect|connection refused/i.test(stderr)) {
    return new EngineUnavailableError(
      lastMeaningfulLine(stderr),
      'start the Docker engine, or point DOCKER_HOST / docker context at a running one',
    );
  }
  return new ComposeCommandError(command, stderr, exitCode);
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines[lines.length - 1] ?? '';
}
