/** Images by tag, ID and label: what freshness checks and builds need from the engine. */
import type { ContainerRuntime, ImageInfo } from '../../ports/container-runtime.js';
import { statusCode, type EngineClient } from './engine-client.js';
import { compareStrings } from '../../core/order.js';

/** The image operations of the ContainerRuntime port. */
export function imageOperations(client: EngineClient) {
  const { docker, guard } = client;
  return {
    async imagesByReference(prefix) {
      return await guard(async () => {
        const images = await docker.listImages();
        const tagged = images.flatMap((image) =>
          (image.RepoTags ?? []).filter((tag) => tag.startsWith(prefix)).map((reference) => ({ reference, id: image.Id })),
        );
        return tagged.sort((a, b) => compareStrings(a.reference, b.reference));
      });
    },
    async inspectImage(reference) {
      return await guard(async (): Promise<ImageInfo | undefined> => {
        try {
          const image = await docker.getImage(reference).inspect();
          return {
            id: image.Id,
            labels: image.Config?.Labels ?? {},
            created: image.Created,
            tags: image.RepoTags ?? [],
            workingDir: image.Config?.WorkingDir ?? '',
            env: envRecord(image.Config?.Env ?? []),
          };
        } catch (error) {
          if (statusCode(error) === 404) return undefined;
          throw error;
        }
      });
    },

    async imagesWithLabel(key, value) {
      return await guard(async () => {
        const images = await docker.listImages({ filters: JSON.stringify({ label: [`${key}=${value}`] }) });
        return images
          .map((image) => ({ id: image.Id, labels: image.Labels ?? {}, created: new Date(image.Created * 1000).toISOString() }))
          .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
      });
    },

    async tagImage(source, target) {
      const { repo, tag } = splitImageReference(target);
      await guard(() => docker.getImage(source).tag({ repo, tag }));
    },

    async removeImage(reference) {
      await guard(async () => {
        try {
          await docker.getImage(reference).remove();
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
        }
      });
    },
  } satisfies Pick<ContainerRuntime, 'inspectImage' | 'imagesWithLabel' | 'imagesByReference' | 'tagImage' | 'removeImage'>;
}

/**
 * Splits `registry:5000/name:tag` into repository and tag (`latest` when
 * none), because the engine's tag call takes them apart. A colon before the
 * last slash belongs to a registry port, not a tag.
 */
export function splitImageReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

/** `KEY=value` entries as a record (the first `=` splits; a later entry wins, as the engine applies them). */
export function envRecord(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}
