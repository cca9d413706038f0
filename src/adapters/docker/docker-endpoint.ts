/**
 * Where the engine is, decided the way the docker CLI decides it: DOCKER_HOST
 * first, then DOCKER_CONTEXT or the current context in ~/.docker/config.json
 * (whose endpoint the CLI reports through `docker context inspect`), else the
 * local socket. dockerode and every CLI call then use the same endpoint.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, EngineUnavailableError } from '../../core/errors.js';

/** The engine endpoint, resolved once per run and shared by dockerode and every docker CLI call so they never talk to different engines. */
export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
  readonly host: string;
  /** The context it came from, when not DOCKER_HOST or the default. */
  readonly context: string | undefined;
  /** Where the address came from, so errors can name what to fix. */
  readonly source?: 'DOCKER_HOST' | 'context' | 'default';
  /**
   * Where clients connect when that is not `host`: for an ssh:// host, the local end of the run's one ssh connection
   * (`unix:///tmp/dockstage-ssh-…/docker.sock`).
   */
  readonly tunnel?: string;
}

/** The engine endpoint of a run, connected: where clients dial, the environment for docker CLI processes, and its end. */
export interface EngineRoute {
  readonly endpoint: DockerEndpoint;
  /** The environment for `docker`, compose and buildx: for an ssh:// endpoint, DOCKER_HOST is the local socket, so no process logs in again. */
  readonly env: NodeJS.ProcessEnv;
  /** Why a failed connection failed, when the route knows better than the client (ssh's reason, the remote host's engine). */
  explain(error: unknown): Promise<Error | undefined>;
  /** How many ssh logins the run made (0 for a local or tcp engine). */
  logins(): number;
  /** While an ssh connection is down: what ssh said last; undefined otherwise (and for other endpoints). */
  problem(): string | undefined;
  /** Ends the connection; nothing is left listening. */
  close(): Promise<void>;
}

/**
 * Opens the route to `endpoint`. Only ssh:// needs one: the ssh connection starts here, and the promise resolves once
 * it is up (or rejects with what to check); aborting `signal` ends it, also while ssh is still logging in. Every other
 * endpoint is dialled as it is.
 */
export async function openEngineRoute(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<EngineRoute> {
  if (!endpoint.host.startsWith('ssh://')) {
    return { endpoint, env, explain: async () => undefined, logins: () => 0, problem: () => undefined, close: async () => undefined };
  }
  const [{ parseSshDestination }, { openSshTunnel }] = await Promise.all([
    import('./ssh/ssh-destination.js'),
    import('./ssh/ssh-tunnel.js'),
  ]);
  const destination = parseSshDestination(endpoint.host);
  const configFile = env['DOCKSTAGE_SSH_CONFIG'];
  signal?.throwIfAborted();
  const tunnel = openSshTunnel(destination, {
    where: describeEndpoint(endpoint),
    env,
    ...(configFile === undefined || configFile === '' ? {} : { configFile }),
  });
  // A run that ends while ssh is still logging in (a config error, an unreachable host's 30 s) stops it at once.
  signal?.addEventListener('abort', () => void tunnel.close(), { once: true });
  await tunnel.ready();
  const dockerEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: tunnel.dockerHost };
  // DOCKER_HOST wins over a context for the docker CLI; the context is dropped anyway so nothing can dial ssh again.
  delete dockerEnv['DOCKER_CONTEXT'];
  return {
    endpoint: { ...endpoint, tunnel: tunnel.dockerHost },
    env: dockerEnv,
    explain: async () => await tunnel.explain(),
    logins: () => tunnel.logins(),
    problem: () => tunnel.problem(),
    close: () => tunnel.close(),
  };
}

/** Schemes the docker CLI accepts in DOCKER_HOST. */
const ENGINE_SCHEMES = ['unix', 'tcp', 'ssh', 'npipe', 'fd', 'http', 'https'];

/** The endpoint and where it came from, for messages: `tcp://h:2375 (DOCKER_HOST)`, `… (context remote)`. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  if (endpoint.context !== undefined) return `${endpoint.host} (docker context ${endpoint.context})`;
  if (endpoint.source === 'DOCKER_HOST') return `${endpoint.host} (DOCKER_HOST)`;
  if (endpoint.source === 'default') return `${endpoint.host} (the default socket)`;
  return endpoint.host;
}

/** The error for an address that answers, but not as a Docker engine (a web server, a proxy's error page). */
export function notAnEngine(where: string, detail: string): EngineUnavailableError {
  return new EngineUnavailableError(
    `${where} answers, but not as a Docker engine (${detail})`,
    'point DOCKER_HOST or the docker context at a Docker engine (docker context ls lists them)',
  );
}

/** The endpoint the docker CLI would use with this environment; rejects with EngineUnavailableError for an unusable context. */
export async function resolveDockerEndpoint(env: NodeJS.ProcessEnv): Promise<DockerEndpoint> {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost !== undefined && dockerHost !== '') {
    const scheme = /^([a-z]+):\/\//.exec(dockerHost)?.[1];
    if (scheme === undefined || !ENGINE_SCHEMES.includes(scheme)) {
      throw new ConfigError(`DOCKER_HOST=${dockerHost} is not an engine address`, {
        hint: 'use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST, or unset DOCKER_HOST',
      });
    }
    return { host: dockerHost, context: undefined, source: 'DOCKER_HOST' };
  }
  let context = env['DOCKER_CONTEXT'];
  if (context === undefined || context === '') {
    const configDir = env['DOCKER_CONFIG'] || path.join(os.homedir(), '.docker');
    const configFile = path.join(configDir, 'config.json');
    let text: string | undefined;
    try {
      text = await readFile(configFile, 'utf8');
    } catch {
      text = undefined; // no config: the default context, as for the docker CLI
    }
    try {
      context = text === undefined ? undefined : (JSON.parse(text) as { currentContext?: string }).currentContext;
    } catch (error) {
      throw new ConfigError(
        `cannot read the docker config ${configFile}${env['DOCKER_CONFIG'] ? ' (DOCKER_CONFIG)' : ''}: ${(error as Error).message}`,
        {
          hint: 'fix the JSON, or point DOCKER_CONFIG at a folder with a valid config.json',
        },
      );
    }
  }
  if (context === undefined || context === '' || context === 'default')
    return { host: 'unix:///var/run/docker.sock', context: undefined, source: 'default' };
  const name = context;
  const host = await new Promise<string>((resolve, reject) => {
    execFile('docker', ['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}'], { env }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new EngineUnavailableError(
            `docker context '${name}' cannot be used: ${stderr.trim().split('\n').at(-1) || error.message}`,
            'list contexts with "docker context ls"; fix DOCKER_CONTEXT or run "docker context use default"',
          ),
        );
      } else {
        resolve(stdout.trim());
      }
    });
  });
  return { host, context, source: 'context' };
}

/** The host name published ports are reachable on: the engine's host for tcp/ssh, else localhost. */
export function publishedHost(endpoint: DockerEndpoint): string {
  try {
    const url = new URL(endpoint.host);
    if (url.protocol === 'tcp:' || url.protocol === 'ssh:' || url.protocol === 'http:' || url.protocol === 'https:') return url.hostname;
  } catch {
    // not a URL: a socket path
  }
  return 'localhost';
}
