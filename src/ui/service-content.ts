/**
 * What a service's live container holds, as the TUI words it: its image's files, synced files not yet in an image, or
 * edits made while watching was paused. Shared by the services table and the build pane.
 */
import { liveContainer, type EngineState, type ServiceState } from '../core/state/engine-state.js';

/**
 * What the live container's files are: its image's, or (after a live sync, and once the image behind it is built) the
 * content the engine state tracks for it. Undefined when nothing runs or nothing is built.
 */
function liveContent(
  service: ServiceState,
): { readonly live: string; readonly content: string | undefined; readonly synced: boolean } | undefined {
  const live = liveContainer(service);
  if (live === undefined) return undefined;
  const known = service.content?.containerId === live.id ? service.content : undefined;
  if (known?.kind === 'synced') return { live: live.imageId, content: undefined, synced: true };
  return { live: live.imageId, content: known?.imageId ?? live.imageId, synced: false };
}

/** Does the container hold the current image's files? A synced container whose image was rebuilt behind it does. */
export function runsCurrentContent(service: ServiceState): boolean | undefined {
  const current = liveContent(service);
  if (current === undefined || service.imageId === undefined) return undefined;
  return current.content === service.imageId;
}

/** The container holds files live sync wrote (not yet in the image it was created from). */
export function holdsSyncedFiles(service: ServiceState): boolean {
  const current = liveContent(service);
  return current !== undefined && (current.synced || current.content !== current.live);
}

/** Watching is paused and an edit since the service's last build would rebuild it (nothing was built for it yet). */
export function editedWhilePaused(state: EngineState, service: ServiceState): boolean {
  const at = state.watch.changedWhilePaused[service.name];
  return state.watch.paused && at !== undefined && !(service.lastBuild !== undefined && service.lastBuild.startedAt >= at);
}
