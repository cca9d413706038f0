/** The ContainerRuntime port on dockerode. Only our own types cross this file's boundary. */
import Docker from 'dockerode';
import { EngineUnavailableError } from '../core/errors.js';
import type { ContainerRuntime, ImageInfo } from '../ports/container-runtime.js';
import { publishedHost, type DockerEndpoint } from './docker-endpoint.js';

export function createDockerodeRuntime(endpoint: DockerEndpoint): ContainerRuntime {
  const docker = new Docker(modemOptions(endpoint.host));
  const unreachable = (error: unknown) =>
    new EngineUnavailableError(
      `cannot reach the Docker engine at ${endpoint.host}${endpoint.context === undefined ? '' : ` (context ${endpoint.context})`}: ${(error as Error).message}`,
      'start the Docker engine, or set DOCKER_HOST / docker context to a running one',
    );
  const guard = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(error);
      throw error;
    }
  };
  return {
    async info() {
      const version = await guard(() => docker.version());
      return { serverVersion: version.Version, apiVersion: version.ApiVersion, host: publishedHost(endpoint) };
    },
    async inspectImage(reference) {
      return await guard(async (): Promise<ImageInfo | undefined> => {
        try {
          const image = await docker.getImage(reference).inspect();
          return { id: image.Id, labels: image.Config?.Labels ?? {}, created: image.Created };
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined;
          throw error;
        }
      });
    },
  } satisfies ContainerRuntime;
}

function modemOptions(host: string): Docker.DockerOptions {
  const url = new URL(host);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = process.env['DOCKER_TLS_VERIFY'] === '1' || url.protocol === 'https:';
      return { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
    }
    case 'ssh:':
      return { host: url.hostname, port: Number(url.port || 22), username: url.username || undefined, protocol: 'ssh' } as Docker.DockerOptions;
    default:
      return { socketPath: host };
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH';
}
