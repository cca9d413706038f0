/** Is a service's image up to date? Its inputs-hash label against the inputs as they are now. */
import { INPUTS_HASH_LABEL } from '../core/inputs-hash.js';
import type { ImageFreshness } from '../core/plan.js';
import type { BuildModel } from '../core/workspace.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { FileSystem } from '../ports/file-system.js';
import { currentInputsHash } from './context-files.js';

/** Fresh when the image's inputs-hash label equals the hash of the sources (and base images) now; missing when there is no image. */
export async function imageFreshness(fs: FileSystem, runtime: ContainerRuntime, build: BuildModel, image: string): Promise<ImageFreshness> {
  const [info, current] = await Promise.all([runtime.inspectImage(image), currentInputsHash(fs, build, runtime)]);
  if (info === undefined) return { state: 'missing' };
  const imageHash = info.labels[INPUTS_HASH_LABEL];
  return imageHash === current.hash ? { state: 'fresh' } : { state: 'stale', imageHash, currentHash: current.hash };
}
