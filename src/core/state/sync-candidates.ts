/**
 * Which services of a build may take its changes by live sync instead of a
 * rebuild, as far as the state can tell (the Dockerfile's verdict comes after,
 * from `decideSync`, with I/O): watching with sync on, the build caused only by
 * changed context files, and every service's live container holding exactly
 * the files of the current image (or of earlier syncs on top of it).
 */
import { liveContainer, SYNCED, type EngineState } from './engine-state.js';

/** One service's part in a sync: the container to write into. */
export interface SyncTarget {
  readonly service: string;
  readonly containerId: string;
}

/** The containers to sync for a build of `services`, or undefined when it must be a rebuild. */
export function syncTargets(state: EngineState, services: readonly string[]): SyncTarget[] | undefined {
  if (!state.sync || state.mode !== 'watch' || services.length === 0) return undefined;
  const targets: SyncTarget[] = [];
  for (const name of services) {
    const service = state.services[name];
    const pending = service?.pending;
    if (service === undefined || pending === undefined || pending.background || !pending.onlyFiles || pending.paths.length === 0) return undefined;
    if (service.operation !== undefined || service.stoppedByUser || service.imageId === undefined) return undefined;
    const live = liveContainer(service);
    if (live === undefined || live.state !== 'running') return undefined;
    const content = service.content;
    if (content === undefined || content.containerId !== live.id) return undefined;
    if (content.imageId !== service.imageId && content.imageId !== SYNCED) return undefined;
    targets.push({ service: name, containerId: live.id });
  }
  return targets;
}
