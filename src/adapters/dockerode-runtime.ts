/**
 * The ContainerRuntime port on dockerode, composed from one file per job under
 * `dockerode/`: the connection, images, containers, replacing a container,
 * logs, stats and events.
 * Only our own types cross this boundary: each file reads the engine's JSON
 * through small `Engine*` shapes (API 1.41) and keeps its mapping pure.
 */
import type { ContainerRuntime } from '../ports/container-runtime.js';
import { describeEndpoint, notAnEngine, publishedHost, type DockerEndpoint } from './docker-endpoint.js';
import { isRecord } from '../core/order.js';
import { containerOperations } from './dockerode/containers.js';
import { createEngineClient } from './dockerode/engine-client.js';
import { eventOperations } from './dockerode/events.js';
import { imageOperations } from './dockerode/images.js';
import { logOperations } from './dockerode/logs.js';
import { replaceOperations } from './dockerode/replace-container.js';
import { statsOperations } from './dockerode/stats.js';

/**
 * A ContainerRuntime talking to the engine at `endpoint`. `env` supplies the
 * docker CLI's TLS variables (DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH,
 * DOCKER_CONFIG) and SSH_AUTH_SOCK. Every call that cannot reach the engine
 * rejects with EngineUnavailableError, so callers handle "daemon down" once.
 */
export function createDockerodeRuntime(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): ContainerRuntime {
  const client = createEngineClient(endpoint, env);
  return {
    async info() {
      const version = (await client.guard(() => client.docker.version())) as unknown;
      if (!isRecord(version) || typeof version['ApiVersion'] !== 'string' || typeof version['Version'] !== 'string') {
        throw notAnEngine(describeEndpoint(endpoint), '/version has no engine version');
      }
      return { serverVersion: version['Version'], apiVersion: version['ApiVersion'], host: publishedHost(endpoint) };
    },
    ...imageOperations(client),
    ...containerOperations(client),
    ...replaceOperations(client),
    ...logOperations(client),
    ...statsOperations(client),
    ...eventOperations(client),
  } satisfies ContainerRuntime;
}
