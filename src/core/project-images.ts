/**
 * Which images `down --rmi` removes, with compose's meaning of its two modes:
 * `local` removes the images the project builds under names of its own making,
 * which for dockstage are its tags `<project>-<service>:dockstage-<env>` in every
 * environment (and `…:dockstage-<env>-<stage>` from `build --stage`); `all` adds
 * every image a service names: compose's `image:` and each environment's
 * configured `image`. Both also remove every image dockstage built for the
 * project (its project label), tagged or not: a container replaced onto a
 * newer build may have kept an untagged one alive. Pure: the engine lists and
 * removes.
 */
import type { ComposeProject } from './compose/project.js';
import type { DockstageConfig } from './environments.js';
import { compareStrings } from './order.js';
import { PROJECT_LABEL } from './compose/state-paths.js';

/** compose's `--rmi` values. */
export type RemoveImages = 'local' | 'all';

/** Images to remove: every local tag starting with one of `prefixes`, and the exact `references`. Both sorted, no repeats. */
export interface ImageSelection {
  readonly prefixes: readonly string[];
  readonly references: readonly string[];
  /** Images carrying this label too, tagged or not (what dockstage built for the project). */
  readonly label: { readonly key: string; readonly value: string };
}

/** The images `down --rmi MODE` removes for the project (before checking which are still used by containers). */
export function imagesToRemove(project: ComposeProject, config: DockstageConfig, mode: RemoveImages): ImageSelection {
  const prefixes = project.services
    .filter((service) => service.build !== undefined)
    .map((service) => `${project.name}-${service.name}:dockstage-`);
  const references = new Set<string>();
  if (mode === 'all') {
    for (const service of project.services) {
      if (service.image !== undefined) references.add(service.image);
      for (const environment of Object.values(config.environments)) {
        const configured = environment.services[service.name]?.image;
        if (configured !== undefined && service.build !== undefined) references.add(configured);
      }
    }
  }
  return {
    prefixes: [...new Set(prefixes)].sort(compareStrings),
    references: [...references].sort(compareStrings),
    label: { key: PROJECT_LABEL, value: project.name },
  };
}
