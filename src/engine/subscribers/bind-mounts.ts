/**
 * The bind-mounts subscriber (remote engine, `x-dockstage.remote.bind_mounts:
 * sync`): each container of a service whose project bind mounts were dropped
 * from the override gets a full copy of them when dockstage first sees it
 * running (a new container, or one a previous run left: a marker in it skips
 * the copy when nothing changed), then the service reloads its way
 * (`watch.reload`, restart by default) so the app starts on the files. While
 * watching, every batch of changed paths below a mount is copied the same way
 * (no reload: a bind mount does not restart anything either; `on_change`
 * still does). One queue per container keeps copies in order; a copy that
 * failed (the container restarted mid-way, the connection went) is done in
 * full the next time the container is seen running.
 */
import path from 'node:path';
import { relativeLabel } from '../../core/workspace.js';
import { syncedBindMounts, type SyncedBindMount } from '../../core/remote-engine.js';
import type { EngineState } from '../../core/state/engine-state.js';
import type { ContainerFiles } from '../../ports/container-files.js';
import type { ContainerRuntime } from '../../ports/container-runtime.js';
import type { FileSystem } from '../../ports/file-system.js';
import { copyBindChanges, copyBindMount, type BindCopy } from '../../operations/bind-mount-sync.js';
import { applyReload } from '../../operations/live-sync.js';
import type { StoreAccess, Subscriber } from '../store.js';

/** What the subscriber needs. `watching`: changes are copied as they come; otherwise the run's end copies what runs. */
export interface BindMountsOptions extends StoreAccess {
  readonly fs: FileSystem;
  readonly runtime: ContainerRuntime;
  readonly containerFiles: ContainerFiles;
  readonly watching: boolean;
}

/** What a full copy found that the copies of changes after it need. */
type FullCopyFound = Pick<BindCopy, 'owner' | 'mountsBelow'>;

/** Creates the subscriber. */
export function bindMountsSubscriber(options: BindMountsOptions): Subscriber {
  const { fs, runtime, containerFiles, dispatch, now } = options;
  /** Containers with a full copy done or under way, with the owner of their copies and the volumes below each target once known. */
  const copied = new Map<string, Map<string, FullCopyFound>>();
  const queues = new Map<string, Promise<void>>();
  let stopped = false;

  const enqueue = (containerId: string, work: () => Promise<void>) => {
    const next = (queues.get(containerId) ?? Promise.resolve()).then(work).catch(() => undefined);
    queues.set(containerId, next);
  };

  const report = (
    mount: SyncedBindMount,
    containerId: string,
    full: boolean,
    paths: readonly string[],
    outcome: BindCopy | Error,
    startedAt: number,
    reload?: string,
  ) => {
    const projectDir = options.getState().workspace?.projectDir ?? '';
    dispatch({
      type: 'bindMountCopied',
      service: mount.service,
      containerId,
      source: `./${relativeLabel(projectDir, mount.source)}`.replace(/^\.\/\.$/, '.'),
      target: mount.target,
      full,
      written: outcome instanceof Error ? 0 : outcome.written,
      removed: outcome instanceof Error ? 0 : outcome.removed,
      paths: paths.map((p) => relativeLabel(projectDir, p)),
      ...(outcome instanceof Error ? { error: outcome.message } : {}),
      durationMs: Math.round(now() - startedAt),
      ...(reload === undefined ? {} : { reload }),
      at: now(),
    });
  };

  /** The full copy of a service's mounts into a container, then its reload when anything changed. */
  const fullCopy = (service: string, containerId: string) => {
    const owners = new Map<string, FullCopyFound>();
    copied.set(containerId, owners);
    enqueue(containerId, async () => {
      const state = options.getState();
      const workspace = state.workspace;
      if (workspace === undefined || stopped) return;
      let changed = false;
      const reload = workspace.config.watch.reload[service] ?? 'restart';
      const reloadWord = typeof reload === 'string' ? reload : `signal:${reload.signal}`;
      for (const mount of syncedBindMounts(workspace).filter((m) => m.service === service)) {
        const startedAt = now();
        try {
          const outcome = await copyBindMount(workspace, mount, containerId, { fs, containerFiles });
          owners.set(mount.target, outcome);
          if (!outcome.skipped) {
            changed = true;
            report(mount, containerId, true, [], outcome, startedAt, reloadWord);
          }
        } catch (error) {
          copied.delete(containerId);
          report(mount, containerId, true, [], error instanceof Error ? error : new Error(String(error)), startedAt);
          return;
        }
      }
      if (changed) await applyReload(reload, containerId, runtime).catch(() => undefined);
    });
  };

  const copyChanges = (mount: SyncedBindMount, containerId: string, paths: readonly string[]) => {
    enqueue(containerId, async () => {
      const workspace = options.getState().workspace;
      const full = copied.get(containerId)?.get(mount.target);
      if (workspace === undefined || full === undefined || stopped) return;
      const startedAt = now();
      try {
        const outcome = await copyBindChanges(workspace, mount, containerId, paths, { fs, containerFiles }, full.owner, full.mountsBelow);
        if (!outcome.skipped) report(mount, containerId, false, paths, outcome, startedAt);
      } catch (error) {
        copied.delete(containerId);
        report(mount, containerId, false, paths, error instanceof Error ? error : new Error(String(error)), startedAt);
      }
    });
  };

  const runningContainers = (state: EngineState, service: string) =>
    (state.services[service]?.containers ?? []).filter((c) => c.state === 'running').map((c) => c.id);

  return {
    onChange(state, action) {
      if (state.stopping || stopped || state.workspace === undefined) return;
      const mounts = syncedBindMounts(state.workspace);
      if (mounts.length === 0) return;
      for (const service of new Set(mounts.map((m) => m.service))) {
        for (const id of runningContainers(state, service)) if (!copied.has(id)) fullCopy(service, id);
      }
      if (action.type !== 'filesChanged') return;
      for (const mount of mounts) {
        const below = action.paths.filter((p) => p === mount.source || p.startsWith(`${mount.source}${path.sep}`));
        if (below.length === 0) continue;
        // Queued behind the container's full copy when that is still under way: a change it missed is copied after it.
        for (const id of runningContainers(state, mount.service)) if (copied.has(id)) copyChanges(mount, id, below);
      }
    },
    async dispose() {
      // `up` and friends end once compose is done: the containers it started get their copy before the command returns.
      const workspace = options.getState().workspace;
      if (!options.watching && workspace !== undefined && syncedBindMounts(workspace).length > 0) {
        const services = new Set(syncedBindMounts(workspace).map((m) => m.service));
        const listed = await runtime.listContainers(workspace.project.name).catch(() => []);
        for (const container of listed)
          if (container.state === 'running' && services.has(container.service) && !copied.has(container.id))
            fullCopy(container.service, container.id);
      }
      stopped = options.watching;
      await Promise.all(queues.values());
      stopped = true;
    },
  };
}
