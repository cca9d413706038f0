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
import { EngineUnavailableError } from '../core/errors.js';

/** The engine endpoint, resolved once per run and shared by dockerode and every docker CLI call so they never talk to different engines. */
export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
  readonly host: string;
  /** The context it came from, when not DOCKER_HOST or the default. */
  readonly context: string | undefined;
}

/** The endpoint the docker CLI would use with this environment; rejects with EngineUnavailableError for an unusable context. */
export async function resolveDockerEndpoint(env: NodeJS.ProcessEnv): Promise<DockerEndpoint> {
  if (env['DOCKER_HOST'] !== undefined && env['DOCKER_HOST'] !== '') return { host: env['DOCKER_HOST'], context: undefined };
  let context = env['DOCKER_CONTEXT'];
  if (context === undefined || context === '') {
    const configDir = env['DOCKER_CONFIG'] ?? path.join(os.homedir(), '.docker');
    try {
      const config = JSON.parse(await readFile(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string };
      context = config.currentContext;
    } catch {
      context = undefined;
    }
  }
  if (context === undefined || context === '' || context === 'default') return { host: 'unix:///var/run/docker.sock', context: undefined };
  const name = context;
  const host = await new Promise<string>((resolve, reject) => {
    execFile('docker', ['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}'], { env }, (error, stdout, stderr) => {
      if (error) {
        reject(new EngineUnavailableError(`docker context '${name}' cannot be used: ${stderr.trim().split('\n').at(-1) || error.message}`, 'list contexts with "docker context ls"; fix DOCKER_CONTEXT or run "docker context use default"'));
      } else {
        resolve(stdout.trim());
      }
    });
  });
  return { host, context };
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
