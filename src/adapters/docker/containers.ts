/** A project's containers: listing and inspecting them by compose labels, and starting, stopping and restarting them. */
import type { ContainerRuntime } from '../../ports/container-runtime.js';
import { PROJECT_LABEL } from './compose-labels.js';
import {
  containerFromInspect,
  containerFromSummary,
  sortContainers,
  type EngineContainerInspect,
  type EngineContainerSummary,
} from './container-mapping.js';
import { ignoreStatus, statusCode, type EngineClient } from './engine-client.js';
import { compareStrings } from '../../core/order.js';

/** The container read and lifecycle operations of the ContainerRuntime port. */
export function containerOperations(client: EngineClient) {
  const { docker, guard } = client;
  const listByFilters = (filters: Record<string, string[]>) =>
    guard(async () => (await docker.listContainers({ all: true, filters })) as unknown as EngineContainerSummary[]);
  return {
    async containersUsingImage(imageId) {
      const summaries = await listByFilters({});
      return summaries
        .filter((summary) => summary.ImageID === imageId)
        .map((summary) => (summary.Names?.[0] ?? summary.Id).replace(/^\//, ''))
        .sort(compareStrings);
    },
    async listContainers(project) {
      const summaries = await listByFilters({ label: [`${PROJECT_LABEL}=${project}`] });
      return sortContainers(summaries.map(containerFromSummary));
    },

    async inspectContainer(id) {
      return await guard(async () => {
        let inspected: EngineContainerInspect;
        try {
          inspected = (await docker.getContainer(id).inspect()) as unknown as EngineContainerInspect;
        } catch (error) {
          if (statusCode(error) === 404) return undefined;
          throw error;
        }
        // Inspect has no human status ("Up 3 minutes (healthy)"); the list call does.
        const [summary] = await listByFilters({ id: [inspected.Id] });
        return containerFromInspect(inspected, summary?.Status);
      });
    },

    async startContainer(id) {
      await guard(() => ignoreStatus(304, () => docker.getContainer(id).start()));
    },

    async stopContainer(id, timeoutSeconds) {
      await guard(() => ignoreStatus(304, () => docker.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })));
    },

    async restartContainer(id, timeoutSeconds) {
      await guard(() => docker.getContainer(id).restart(timeoutSeconds === undefined ? {} : { t: timeoutSeconds }));
    },
  } satisfies Pick<
    ContainerRuntime,
    'listContainers' | 'containersUsingImage' | 'inspectContainer' | 'startContainer' | 'stopContainer' | 'restartContainer'
  >;
}
