/**
 * Removing a project's images after `down`: every tag the selection names that
 * exists locally, without force, as `docker rmi` does: a tag the image shares
 * with others just goes; the last tag of an image a container (of any project,
 * in any state) still uses stays, and the container is named. Removing the last
 * tag deletes the image, so no dangling image stays behind.
 */
import type { ImageSelection } from '../core/project-images.js';
import { EngineUnavailableError } from '../core/errors.js';
import { compareStrings } from '../core/order.js';
import type { ContainerRuntime, TaggedImage } from '../ports/container-runtime.js';

/** What `down --rmi` did: tags removed, and tags kept with the reason (a container using the image, or the engine's refusal). */
export interface ImageRemoval {
  readonly removed: readonly string[];
  readonly kept: readonly { readonly image: string; readonly reason: string }[];
}

/** Removes the selected tags; never forces, so an image a container uses keeps its last tag. */
export async function removeSelectedImages(runtime: ContainerRuntime, selection: ImageSelection): Promise<ImageRemoval> {
  const candidates = new Map<string, TaggedImage>();
  for (const prefix of selection.prefixes)
    for (const tagged of await runtime.imagesByReference(prefix)) candidates.set(tagged.reference, tagged);
  for (const reference of selection.references) {
    const image = await runtime.inspectImage(reference);
    if (image !== undefined) candidates.set(reference, { reference, id: image.id });
  }
  const removed: string[] = [];
  const kept: { image: string; reason: string }[] = [];
  const remove = async (reference: string, id: string) => {
    try {
      await runtime.removeImage(reference);
      removed.push(reference);
    } catch (error) {
      if (error instanceof EngineUnavailableError) throw error;
      const users = await runtime.containersUsingImage(id);
      kept.push({
        image: reference,
        reason:
          users.length > 0 ? `used by container ${users.join(', ')}` : ((error as Error).message.split('\n')[0] ?? 'the engine refused'),
      });
    }
  };
  for (const { reference, id } of [...candidates.values()].sort((a, b) => compareStrings(a.reference, b.reference)))
    await remove(reference, id);
  // What the project's builds left untagged (a container kept it alive past a newer build): by label, once the tags are gone.
  const removedIds = new Set([...candidates.values()].filter((c) => removed.includes(c.reference)).map((c) => c.id));
  for (const image of await runtime.imagesWithLabel(selection.label.key, selection.label.value)) {
    if (removedIds.has(image.id) || kept.some((k) => candidates.get(k.image)?.id === image.id)) continue;
    const info = await runtime.inspectImage(image.id);
    if (info === undefined || (info.tags ?? []).length > 0) continue;
    await remove(image.id, image.id);
  }
  return { removed, kept };
}
