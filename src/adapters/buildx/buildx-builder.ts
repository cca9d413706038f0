/**
 * The ImageBuilder on the buildx CLI: `docker buildx build --progress=rawjson`.
 * We drive the CLI rather than the engine API because it brings `--builder`
 * (remote BuildKit), secrets, ssh, named contexts, cache import/export and push
 * without us implementing a BuildKit session. Every spawn takes an argument
 * array; secret values never pass through us (buildx reads them from the file
 * or variable named in `--secret`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BuildFailedError, EngineUnavailableError } from '../../core/errors.js';
import type { BuildEvent, BuildRequest, BuildResult, BuilderInfo, ImageBuilder } from '../../ports/image-builder.js';
import { countSteps, createRawjsonDecoder, describeFailure, failureHint, parseErrorLine } from './buildkit-progress.js';
import { sortedEntries } from '../../core/order.js';
import { notAnEngine } from '../docker/docker-endpoint.js';

/** How to reach the engine: the docker CLI reads everything else from its environment and config. */
export interface BuildxBuilderOptions {
  /** Environment for the docker CLI (DOCKER_HOST, DOCKER_CONTEXT, BUILDX_BUILDER, secret variables). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The endpoint as messages name it, when the environment's DOCKER_HOST is not what the user set (an ssh connection's local socket). */
  readonly endpointName?: string;
}

/**
 * The `docker` arguments for one build, context last. Pure, so the exact
 * command is testable. Maps are emitted in sorted key order (deterministic).
 *
 * Output: with `push`, `--push` (the docker driver also keeps the image in the
 * engine; a docker-container or remote builder only pushes). Otherwise
 * `--load`: with the docker driver that is what happens anyway (the image lands
 * in the engine), and with docker-container/remote builders it is what brings
 * the image into the engine that compose runs. A multi-platform build cannot be
 * loaded into an engine without the containerd image store, so it gets neither
 * and its result stays in the builder's cache. A check (`cacheOnly`) gets `--output type=cacheonly`: built, not loaded.
 */
export function buildxArgs(request: BuildRequest, options: { readonly metadataFile: string }): string[] {
  const args = ['buildx', 'build', '--progress=rawjson', '--metadata-file', options.metadataFile];
  if (request.builder !== undefined && request.builder !== '') args.push('--builder', request.builder);
  if (request.dockerfileInline !== undefined) args.push('-f', '-');
  else if (request.dockerfile !== undefined) args.push('-f', request.dockerfile);
  if (request.target !== undefined && request.target !== '') args.push('--target', request.target);
  for (const tag of request.tags) args.push('-t', tag);
  // Values travel in the child's environment (buildxEnv), not on the command line, where `ps` shows them.
  for (const [name, value] of sortedEntries(request.args)) args.push('--build-arg', passByEnv(name) ? name : `${name}=${value}`);
  for (const [name, value] of sortedEntries(request.labels)) args.push('--label', `${name}=${value}`);
  for (const [name, value] of sortedEntries(request.namedContexts)) args.push('--build-context', `${name}=${value}`);
  for (const secret of request.secrets) {
    const source = secret.file !== undefined ? `,src=${secret.file}` : secret.env !== undefined ? `,env=${secret.env}` : '';
    args.push('--secret', `id=${secret.id}${source}`);
  }
  for (const ssh of request.ssh) args.push('--ssh', ssh);
  for (const cache of request.cacheFrom) args.push('--cache-from', cache);
  for (const cache of request.cacheTo) args.push('--cache-to', cache);
  if (request.network !== undefined && request.network !== '') args.push('--network', request.network);
  for (const host of request.extraHosts) args.push('--add-host', addHost(host));
  if (request.platforms.length > 0) args.push('--platform', request.platforms.join(','));
  if (request.shmSize !== undefined && request.shmSize !== '') args.push('--shm-size', request.shmSize);
  if (request.noCache) args.push('--no-cache');
  if (request.pull) args.push('--pull');
  // A check wants the verdict, not an image: buildx 0.13 with BuildKit v0.8's docker driver accepts cacheonly (verified).
  if (request.cacheOnly === true) args.push('--output', 'type=cacheonly');
  else if (request.push) args.push('--push');
  else if (request.platforms.length <= 1) args.push('--load');
  args.push(request.context);
  return args;
}

/**
 * The environment of the buildx process: ours plus the build-arg values that
 * `buildxArgs` names without a value (`--build-arg NAME` reads NAME from here).
 */
export function buildxEnv(request: BuildRequest, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [name, value] of Object.entries(request.args)) if (passByEnv(name)) env[name] = value;
  return env;
}

/** Build args whose name would change how docker itself runs stay on the command line. */
function passByEnv(name: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !/^(PATH|HOME|TMPDIR|USER|SHELL|SSH_AUTH_SOCK|DOCKER_.*|BUILDX_.*|BUILDKIT_.*|COMPOSE_.*)$/.test(name)
  );
}

/** compose writes extra hosts as `host=ip` (older files `host:ip`); buildx wants `host:ip`. */
function addHost(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : `${entry.slice(0, eq)}:${entry.slice(eq + 1)}`;
}

/** What `docker buildx inspect` says: the builder, its driver, and an error the CLI printed instead of failing. */
export interface BuildxInspection {
  readonly builder: string | undefined;
  readonly driver: string | undefined;
  readonly error: string | undefined;
}

/** Parses `docker buildx inspect` text (its first `Name:`/`Driver:` lines; `Error:` when the node is unreachable). */
export function parseBuildxInspect(text: string): BuildxInspection {
  const field = (name: string): string | undefined => {
    const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text);
    const value = match?.[1]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return { builder: field('Name'), driver: field('Driver'), error: field('Error') };
}

/** The version from `docker buildx version` (`github.com/docker/buildx v0.13.1 <commit>` → `0.13.1`). */
export function parseBuildxVersion(text: string): string | undefined {
  const match = /buildx\s+v?(\d+\.\d+\.\d+\S*)/.exec(text);
  return match?.[1];
}

/**
 * The EngineUnavailableError for a docker CLI failure that is about the
 * tooling rather than the build, or undefined when the failure is something else.
 */
export function engineProblem(output: string, builder?: string, endpoint?: string): EngineUnavailableError | undefined {
  if (/unknown command: docker buildx|'buildx' is not a docker command|unknown flag: --progress/.test(output)) {
    return new EngineUnavailableError(
      'docker buildx is not installed',
      'install the buildx plugin (Debian/Ubuntu: apt-get install docker-buildx; or put docker-buildx into ~/.docker/cli-plugins)',
    );
  }
  const daemon = /(Cannot connect to the Docker daemon[^\n]*|error during connect[^\n]*)/i.exec(output);
  if (daemon !== null) {
    return new EngineUnavailableError(
      `the Docker engine is not reachable: ${daemon[1]!.trim()}`,
      'start the Docker engine (or check DOCKER_HOST / the docker context) and try again',
    );
  }
  // The docker CLI got an HTML page (or other non-JSON text) where the engine's answer should be.
  if (/Error response from daemon: *<|<!DOCTYPE html|<html[\s>]/i.test(output)) {
    return notAnEngine(endpoint === undefined || endpoint === '' ? 'the Docker endpoint' : endpoint, 'it answered with a web page');
  }
  const noBuilder = /no builder "?([^"\s]+)"? found/.exec(output);
  if (noBuilder !== null) {
    const name = noBuilder[1] ?? builder ?? '';
    return new EngineUnavailableError(
      `buildx builder '${name}' does not exist`,
      `list builders with "docker buildx ls", or create it with "docker buildx create --name ${name}"`,
    );
  }
  return undefined;
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How long a cancelled buildx gets to exit on its own before it is killed. */
const KILL_AFTER_MS = 3000;

/**
 * Creates the buildx-backed ImageBuilder. `build` streams rawjson progress into
 * `onEvent`, resolves with the image ID from `--metadata-file` and the step
 * counts, rejects with BuildFailedError (failing step, log tail) or, when the
 * CLI, plugin, builder or engine is missing, EngineUnavailableError; aborting
 * the signal sends SIGTERM to the CLI and its plugin, which makes buildx cancel
 * the solve, and SIGKILL 3 s later to whatever is left.
 */
export function createBuildxBuilder(options: BuildxBuilderOptions = {}): ImageBuilder {
  const env = options.env ?? process.env;
  const endpointName =
    options.endpointName ??
    (env['DOCKER_HOST']
      ? `${env['DOCKER_HOST']} (DOCKER_HOST)`
      : env['DOCKER_CONTEXT']
        ? `docker context ${env['DOCKER_CONTEXT']}`
        : undefined);

  const run = (args: readonly string[]): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', (error) => reject(spawnError(error)));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  return {
    async info(name) {
      const version = await run(['buildx', 'version']);
      const versionText = `${version.stdout}\n${version.stderr}`;
      if (version.code !== 0) {
        throw (
          engineProblem(versionText, undefined, endpointName) ??
          new EngineUnavailableError(
            `docker buildx version failed: ${firstLine(versionText)}`,
            'check the buildx plugin with "docker buildx version"',
          )
        );
      }
      const inspect = await run(['buildx', 'inspect', ...(name === undefined || name === '' ? [] : [name])]);
      const inspectText = `${inspect.stdout}\n${inspect.stderr}`;
      const parsed = parseBuildxInspect(inspect.stdout);
      // buildx exits 0 when the engine is down and prints `Error: Cannot connect…` instead.
      if (inspect.code !== 0 || parsed.error !== undefined) {
        throw (
          engineProblem(inspectText, name, endpointName) ??
          new EngineUnavailableError(
            `buildx builder ${parsed.builder ?? name ?? 'default'} is not usable: ${parsed.error ?? firstLine(inspectText)}`,
            'inspect it with "docker buildx inspect --bootstrap"',
          )
        );
      }
      return {
        buildxVersion: parseBuildxVersion(versionText) ?? firstLine(version.stdout),
        builder: parsed.builder ?? name ?? 'default',
        driver: parsed.driver ?? 'unknown',
      } satisfies BuilderInfo;
    },

    async build(request, onEvent, signal) {
      signal?.throwIfAborted();
      const started = performance.now();
      const tempDir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-buildx-'));
      const metadataFile = path.join(tempDir, 'metadata.json');
      try {
        const decoder = createRawjsonDecoder({
          unnamedStage: request.target === undefined || request.target === '' ? undefined : request.target.toLowerCase(),
        });
        const outcome = await new Promise<{ code: number | null; stdout: string; failure?: unknown }>((resolve, reject) => {
          // Its own process group: `docker` runs the buildx plugin as a child process that shares our pipes, and a
          // signal must reach both. Killing the CLI alone left the plugin running (a RUN of two minutes on) with our
          // pipes open, so the build never ended.
          const child = spawn('docker', buildxArgs(request, { metadataFile }), {
            env: buildxEnv(request, env),
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
          });
          const signalGroup = (name: NodeJS.Signals): void => {
            try {
              if (child.pid !== undefined) process.kill(-child.pid, name);
            } catch {
              child.kill(name); // the group is gone already, or never formed
            }
          };
          let stdout = '';
          let failure: unknown;
          let closed = false;
          const stop = (reason: unknown): void => {
            if (failure === undefined) failure = reason;
            signalGroup('SIGTERM'); // buildx cancels the solve and exits within milliseconds…
            // …except when the engine does not answer the cancel (seen with a RUN running on BuildKit v0.8): a stop must
            // not wait for the step to finish.
            setTimeout(() => !closed && signalGroup('SIGKILL'), KILL_AFTER_MS).unref();
          };
          const deliver = (events: readonly BuildEvent[]): void => {
            if (failure !== undefined) return;
            try {
              for (const event of events) onEvent(event);
            } catch (error) {
              stop(error);
            }
          };
          const onAbort = (): void => stop(signal?.reason ?? new DOMException('The build was aborted', 'AbortError'));
          signal?.addEventListener('abort', onAbort, { once: true });
          if (signal?.aborted === true) onAbort(); // aborted while we were creating the temp dir
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
          child.stderr.on('data', (chunk: Buffer) => deliver(decoder.push(chunk)));
          child.on('error', (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(spawnError(error));
          });
          child.on('close', (code) => {
            closed = true;
            signal?.removeEventListener('abort', onAbort);
            deliver(decoder.end());
            resolve({ code, stdout, ...(failure === undefined ? {} : { failure }) });
          });
          // With `-f -` buildx reads the Dockerfile from stdin; it may exit before reading it, and its exit code says why.
          child.stdin.on('error', () => undefined);
          child.stdin.end(request.dockerfileInline ?? '');
        });
        if (outcome.failure !== undefined) throw outcome.failure;
        const steps = decoder.steps();
        const text = [
          ...decoder.textLines(),
          ...outcome.stdout
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== ''),
        ];
        if (outcome.code !== 0) {
          const tooling = engineProblem(text.join('\n'), request.builder, endpointName);
          if (tooling !== undefined && !steps.some((step) => step.ref.step !== null)) throw tooling;
          // A failed cache import is never fatal (BuildKit builds without that cache), so it is never the cause to report.
          const failure = describeFailure(
            steps.filter((step) => !step.ref.instruction.startsWith('importing cache manifest from ')),
            text,
          );
          const hint = failureHint(text);
          const line = failure.step === undefined ? parseErrorLine(text) : undefined;
          throw new BuildFailedError(failure.message, {
            ...(failure.step === undefined || failure.step.stage === null ? {} : { stage: failure.step.stage }),
            ...(failure.step === undefined ? {} : { instruction: failure.step.instruction }),
            ...(request.dockerfile === undefined ? {} : { file: request.dockerfile }),
            ...(line === undefined ? {} : { line }),
            logTail: failure.logTail,
            ...(hint === undefined ? {} : { hint }),
          });
        }
        return {
          imageId: await imageIdFrom(metadataFile),
          durationMs: Math.round(performance.now() - started),
          ...countSteps(steps),
        } satisfies BuildResult;
      } finally {
        await rm(tempDir, { recursive: true, force: true });
      }
    },
  } satisfies ImageBuilder;
}

/**
 * The image ID from buildx's metadata file: `containerimage.config.digest` (the
 * engine's image ID, written by docker-container builders) or, from the docker
 * driver, `containerimage.digest` (which is the image ID there).
 */
async function imageIdFrom(metadataFile: string): Promise<string | undefined> {
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const id = metadata['containerimage.config.digest'] ?? metadata['containerimage.digest'];
  return typeof id === 'string' && id.startsWith('sha256:') ? id : undefined;
}

function spawnError(error: NodeJS.ErrnoException): Error {
  if (error.code === 'ENOENT') {
    return new EngineUnavailableError(
      'the docker CLI is not on PATH',
      'install Docker (the docker CLI with the buildx plugin) and try again',
    );
  }
  return error;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}
