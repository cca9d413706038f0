/**
 * Which services of a build may take its changes by live sync instead of a
 * rebuild, as far as the state can tell (the Dockerfile's verdict comes after,
 * from `decideSync`, with I/O): watching with sync on, the build caused only by
 * changed context files, and every service's live container holding exactly
 * the files of the current image (or of earlier syncs on top of it).
 */
import { modelFiles } from '../workspace.js';
import { liveContainer, type EngineState } from './engine-state.js';

/** One service's part in a sync: the container to write into. */
export interface SyncTarget {
  readonly service: string;
  readonly containerId: string;
}

/** The containers to sync for a build of `services`, or undefined when it must be a rebuild. */
export function syncTargets(state: EngineState, services: readonly string[]): SyncTarget[] | undefined {
  if (!syncing(state) || services.length === 0) return undefined;
  const targets: SyncTarget[] = [];
  for (const name of services) {
    const pending = state.services[name]?.pending;
    if (pending === undefined || pending.background || !pending.onlyFiles || pending.paths.length === 0) return undefined;
    const containerId = syncableContainer(state, name);
    if (containerId === undefined) return undefined;
    targets.push({ service: name, containerId });
  }
  return targets;
}

/**
 * The containers a sync could write into now, whatever changes next: the adapter keeps a writer ready in each, so a
 * sync does not wait for a process to start in the container. Sorted, for cheap comparison.
 */
export function syncReadyContainers(state: EngineState): string[] {
  if (!syncing(state)) return [];
  const ids: string[] = [];
  for (const name of Object.keys(state.services)) {
    const id = syncableContainer(state, name);
    if (id !== undefined) ids.push(id);
  }
  return ids.sort();
}

/**
 * Whether live sync may take a changed path, as far as the state can tell without reading anything: the path is in
 * the build context of a service whose container could take a sync, and it is not a file that defines the model (a
 * compose file, a Dockerfile, an ignore file: those reload). The coalescer closes a batch of such paths after a
 * shorter quiet time, since syncing twice costs little; a wrong guess only starts a build sooner.
 */
export function syncLane(state: EngineState): (path: string) => boolean {
  const workspace = state.workspace;
  if (!syncing(state) || workspace === undefined) return () => false;
  const contexts: string[] = [];
  for (const service of workspace.services) {
    const dir = service.build?.contextDir;
    if (dir !== undefined && syncableContainer(state, service.name) !== undefined) contexts.push(dir.replace(/[\\/]+$/, ''));
  }
  if (contexts.length === 0) return () => false;
  const definingFiles = modelFiles(workspace.project, state.composeFiles);
  return (path) => !definingFiles.has(path) && contexts.some((dir) => inside(path, dir));
}

/** `path` is below `dir` (either separator: the host's paths). */
function inside(path: string, dir: string): boolean {
  return path.length > dir.length && path.startsWith(dir) && (path[dir.length] === '/' || path[dir.length] === '\\');
}

function syncing(state: EngineState): boolean {
  return state.sync && state.mode === 'watch';
}

/** The service's live container when it may take a sync: running, built or synced by dockstage from the current image. */
function syncableContainer(state: EngineState, name: string): string | undefined {
  const service = state.services[name];
  if (service === undefined || service.operation !== undefined || service.stoppedByUser || service.imageId === undefined) return undefined;
  const live = liveContainer(service);
  if (live === undefined || live.state !== 'running') return undefined;
  const content = service.content;
  if (content === undefined || content.containerId !== live.id) return undefined;
  if (content.kind === 'image' && content.imageId !== service.imageId) return undefined;
  return live.id;
}
