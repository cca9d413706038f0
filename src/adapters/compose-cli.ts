/**
 * The ComposeCli port on the `docker-compose` npm package (its v2 API, which
 * spawns `docker compose …` with argument arrays: no shell strings).
 *
 * The package settles every call 500 ms after the compose process exits (a
 * fixed `setTimeout` in its `execCompose`, no option to turn it off), and
 * loading it costs ~25 ms (it brings a YAML library). `config`, which every
 * command runs first, spawns `docker compose … config --format json` itself,
 * with the same arguments the package would pass, and resolves as soon as
 * compose's stdout is one complete JSON object (see `createJsonObjectReader`).
 * The package is imported on first use of the other calls, so commands that
 * only resolve the project never load it.
 */
import { spawn } from 'node:child_process';
import type * as ComposePackage from 'docker-compose';
import { ConfigError, DockstageError, EngineUnavailableError } from '../core/errors.js';
import type { ComposeCli, ComposeTarget } from '../ports/compose-cli.js';

/** compose refused a command; `message` is compose's own words. */
export class ComposeCommandError extends DockstageError {
  readonly stderr: string;
  constructor(command: string, stderr: string, exitCode: 1 | 2) {
    const message = lastMeaningfulLine(stderr) || `docker compose ${command} failed`;
    super(message, { exitCode, hint: `run 'docker compose ${command}' to see compose's full output` });
    this.stderr = stderr;
  }
}

/** How the compose processes run; the CLI passes its own environment so compose sees the same DOCKER_HOST and COMPOSE_* variables as dockstage. */
export interface ComposeCliOptions {
  /** Environment for the compose process (defaults to this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each chunk compose prints (progress of up/down), for logs and the UI. */
  readonly onOutput?: (text: string) => void;
}

/** The ComposeCli port on the `docker-compose` package; every call is one `docker compose` process. */
export function createComposeCli(options: ComposeCliOptions = {}): ComposeCli {
  let loaded: Promise<typeof ComposePackage> | undefined;
  const composePackage = () => (loaded ??= import('docker-compose'));
  const base = (target: ComposeTarget): ComposePackage.IDockerComposeOptions => ({
    config: [...target.files],
    composeOptions: globalArgs(target),
    ...(target.projectDirectory === undefined ? {} : { cwd: target.projectDirectory }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.onOutput === undefined ? {} : { callback: (chunk: Buffer) => options.onOutput!(chunk.toString('utf8')) }),
  });
  const run = async <T>(command: string, exitCode: 1 | 2, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw toError(command, error, exitCode);
    }
  };
  return {
    async version() {
      const compose = await composePackage();
      const result = await run('version', 1, () => compose.version(options.env === undefined ? {} : { env: options.env }));
      const version = result.data.version.replace(/^v/, '');
      if (!/^2\./.test(version)) {
        throw new EngineUnavailableError(
          `docker compose ${version} is not Compose v2`,
          'install the Compose v2 CLI plugin (docker compose version should print 2.x)',
        );
      }
      return version;
    },
    async config(target) {
      return await composeConfig(target, options);
    },
    async up(target, services, upOptions = {}) {
      const compose = await composePackage();
      const commandOptions = ['--no-build'];
      if (upOptions.noDeps === true) commandOptions.push('--no-deps');
      if (upOptions.forceRecreate === true) commandOptions.push('--force-recreate');
      if (upOptions.wait === true) commandOptions.push('--wait');
      await run('up', 1, () => compose.upMany([...services], { ...base(target), commandOptions }));
    },
    async down(target, downOptions = {}) {
      const commandOptions: string[] = [];
      if (downOptions.volumes === true) commandOptions.push('--volumes');
      const compose = await composePackage();
      await run('down', 1, () => compose.down({ ...base(target), commandOptions }));
    },
    async lifecycle(target, command, services) {
      const compose = await composePackage();
      await run(command, 1, () => compose.execCompose(command, [...services], base(target)));
    },
  } satisfies ComposeCli;
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
 * `docker compose … config --format json` as the package would run it (global options, then `-f` per file, then the
 * command), settled by the first complete JSON object on stdout; a non-zero exit is compose's error (exit code 2: the
 * files are the problem).
 */
function composeConfig(target: ComposeTarget, options: ComposeCliOptions): Promise<unknown> {
  const args = ['compose', ...globalArgs(target).flat(), ...target.files.flatMap((file) => ['-f', file]), 'config', '--format', 'json'];
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { ...(target.projectDirectory === undefined ? {} : { cwd: target.projectDirectory }), env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
          reject(new DockstageError('docker compose config printed no JSON', { exitCode: 1, hint: `check 'docker compose config --format json'${err.trim() === '' ? '' : `; compose said: ${lastMeaningfulLine(err)}`}` }));
        }
      });
    });
  });
}

function globalArgs(target: ComposeTarget): string[][] {
  const args: string[][] = [];
  if (target.projectName !== undefined) args.push(['-p', target.projectName]);
  if (target.projectDirectory !== undefined) args.push(['--project-directory', target.projectDirectory]);
  for (const profile of target.profiles) args.push(['--profile', profile]);
  for (const envFile of target.envFiles) args.push(['--env-file', envFile]);
  return args;
}

function toError(command: string, error: unknown, exitCode: 1 | 2): DockstageError {
  if (error instanceof DockstageError) return error;
  if (error instanceof Error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new EngineUnavailableError('the docker CLI is not installed (or not on PATH)', 'install Docker (the docker CLI with the Compose v2 plugin)');
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
    return new EngineUnavailableError('the Compose v2 CLI plugin is missing (docker compose)', 'install the docker compose plugin (v2); the Python docker-compose v1 is not supported');
  }
  const context = /context "([^"]+)": context not found/.exec(stderr);
  if (context !== null) {
    return new ConfigError(`docker context '${context[1]}' does not exist`, {
      hint: 'DOCKER_CONTEXT (or "docker context use") names it; list contexts with "docker context ls", or unset DOCKER_CONTEXT',
    });
  }
  if (/Cannot connect to the Docker daemon|error during connect|connection refused/i.test(stderr)) {
    return new EngineUnavailableError(lastMeaningfulLine(stderr), 'start the Docker engine, or point DOCKER_HOST / docker context at a running one');
  }
  return new ComposeCommandError(command, stderr, exitCode);
}

function lastMeaningfulLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines[lines.length - 1] ?? '';
}
