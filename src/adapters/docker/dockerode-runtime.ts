/**
 * The ContainerRuntime port on dockerode, composed from one file per job under
 * `dockerode/`: the connection, images, containers, replacing a container,
 * logs, stats and events.
 * Only our own types cross this boundary: each file reads the engine's JSON
 * through small `Engine*` shapes (API 1.41) and keeps its mapping pure.
 */
import type { ContainerRuntime } from '../../ports/container-runtime.js';
import { describeEndpoint, notAnEngine, publishedHost, type DockerEndpoint } from './docker-endpoint.js';
import { isRecord } from '../../core/order.js';
import { EngineUnavailableError } from '../../core/errors.js';
import { containerOperations } from './containers.js';
import { createEngineClient } from './engine-client.js';
import { eventOperations } from './events.js';
import { imageOperations } from './images.js';
import { logOperations } from './logs.js';
import { replaceOperations } from './replace-container.js';
import { statsOperations } from './stats.js';

/** The oldest engine API dockstage's requests are written for (Docker 20.10). */
export const MIN_API_VERSION = '1.41';

/** True when API version `version` (`1.40`) is older than `minimum`; an unreadable version is not judged. */
export function apiBelow(version: string, minimum: string): boolean {
  const parse = (text: string) => text.split('.').map(Number);
  const [major, minor] = parse(version);
  const [minMajor, minMinor] = parse(minimum);
  if (major === undefined || minor === undefined || !Number.isInteger(major) || !Number.isInteger(minor)) return false;
  return major < minMajor! || (major === minMajor && minor < minMinor!);
}

/**
 * A ContainerRuntime talking to the engine at `endpoint`. `env` supplies the
 * docker CLI's TLS variables (DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH,
 * DOCKER_CONFIG); for an ssh:// endpoint (dialled through its tunnel),
 * `tunnelProblem` words a lost connection. Every call that cannot reach the engine
 * rejects with EngineUnavailableError, so callers handle "daemon down" once.
 */
export function createDockerodeRuntime(
  endpoint: DockerEndpoint,
  env: NodeJS.ProcessEnv = process.env,
  tunnelProblem?: () => string | undefined,
): ContainerRuntime {
  const client = createEngineClient(endpoint, env, tunnelProblem);
  return {
    async info() {
      const version = (await client.guard(() => client.docker.version())) as unknown;
      if (!isRecord(version) || typeof version['ApiVersion'] !== 'string' || typeof version['Version'] !== 'string') {
        throw notAnEngine(describeEndpoint(endpoint), '/version has no engine version');
      }
      if (apiBelow(version['ApiVersion'], MIN_API_VERSION)) {
        throw new EngineUnavailableError(
          `the Docker engine at ${describeEndpoint(endpoint)} is too old: Docker ${version['Version']} speaks API ${version['ApiVersion']}, dockstage needs ${MIN_API_VERSION} (Docker 20.10) or newer`,
          `upgrade Docker on ${publishedHost(endpoint)}, or point DOCKER_HOST / the docker context at a newer engine`,
        );
      }
      return {
        serverVersion: version['Version'],
        apiVersion: version['ApiVersion'],
        host: publishedHost(endpoint),
        endpoint: endpoint.host,
      };
    },
    ...imageOperations(client),
    ...containerOperations(client),
    ...replaceOperations(client),
    ...logOperations(client),
    ...statsOperations(client),
    ...eventOperations(client),
  } satisfies ContainerRuntime;
}
