/** Are the services' images up to date? Each image's inputs-hash label against the inputs as they are now. */
import { INPUTS_HASH_LABEL } from '../core/inputs-hash.js';
import type { ImageFreshness } from '../core/state/plan.js';
import type { Workspace } from '../core/workspace.js';
import type { ContainerInfo, ContainerRuntime } from '../ports/container-runtime.js';
import type { FileSystem } from '../ports/file-system.js';
import { currentInputsHash } from './context-files.js';

/**
 * Freshness of every service with `build:`, by service name: fresh when its
 * image's label equals the hash of the sources (and base images) now, missing
 * when there is no image. The hash is computed once per shared build, so web
 * and worker on one Dockerfile walk and digest their context once. Given the
 * project's containers, a fresh image also says what the running container was
 * created from (a container behind its image is stale too).
 */
export async function servicesFreshness(
  workspace: Workspace,
  fs: FileSystem,
  runtime: ContainerRuntime,
  containers?: readonly ContainerInfo[],
): Promise<Record<string, ImageFreshness>> {
  const hashes = new Map<string, Promise<string>>();
  const result: Record<string, ImageFreshness> = {};
  await Promise.all(
    workspace.services.map(async (service) => {
      const build = service.build;
      if (build === undefined || service.image === undefined) return;
      let hash = hashes.get(build.buildKey);
      if (hash === undefined) {
        hash = currentInputsHash(fs, build, runtime).then((current) => current.hash);
        hashes.set(build.buildKey, hash);
      }
      const [info, current] = await Promise.all([runtime.inspectImage(service.image), hash]);
      const imageHash = info?.labels[INPUTS_HASH_LABEL];
      const runningImageId = containers?.find((c) => c.service === service.name && c.state === 'running')?.imageId;
      result[service.name] =
        info === undefined
          ? { state: 'missing' }
          : imageHash === current
            ? { state: 'fresh', imageId: info.id, runningImageId }
            : { state: 'stale', imageHash, currentHash: current };
    }),
  );
  return result;
}
