/**
 * The files subscriber: watches what the workspace reads (contexts, bind
 * mounts, the files that define the model), coalesces changes through the
 * Clock, and dispatches one `filesChanged` per batch. The watched roots follow
 * the workspace: a reload adds new services' contexts and drops removed ones.
 */
import { DockstageError } from '../../core/errors.js';
import type { EngineAction } from '../../core/state/actions.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { syncLane } from '../../core/state/sync-candidates.js';
import { watchRootsFor } from '../../core/watch-targets.js';
import { modelFiles, type Workspace } from '../../core/workspace.js';
import type { Clock } from '../../ports/clock.js';
import type { FileWatcher, WatchSession } from '../../ports/file-watcher.js';
import { createCoalescer } from '../coalescer.js';
import { linksFromDisk } from '../../operations/context-links.js';
import { linksTouched, withContextLinks } from '../../core/context-links.js';
import type { FileSystem } from '../../ports/file-system.js';
import type { Subscriber } from '../store.js';

/** What the files subscriber needs. */
export interface FilesSubscriberOptions {
  readonly watcher: FileWatcher;
  readonly clock: Clock;
  readonly dispatch: (action: EngineAction) => void;
  readonly quietMs?: number;
  readonly maxMs?: number;
  /** Quiet time for a batch live sync may take; default the config's `sync_quiet_ms`. */
  readonly syncQuietMs?: number;
  /**
   * When the files that define the model were first read (ms since the epoch; the command's start is a safe bound): one
   * edited after it and before the watcher was armed is reported as a change then (asked of `fs`).
   */
  readonly modelReadSince?: number;
  /**
   * Where to look at the symlinks on the builds' source paths again when a batch touches one of those paths (a link
   * created, retargeted or removed), before the batch is planned, and at the model's files once the watcher is armed;
   * without it, links stay as loaded and nothing is looked at.
   */
  readonly fs?: FileSystem;
}

/** Creates the subscriber; `dispose` closes the watcher. */
export function filesSubscriber(options: FilesSubscriberOptions): Subscriber {
  const { clock, dispatch } = options;
  let session: WatchSession | undefined;
  let watchedWorkspace: Workspace | undefined;
  let updating: Promise<void> = Promise.resolve();
  let closed = false;
  let quietMs = options.quietMs;
  let maxMs = options.maxMs;
  let syncQuietMs = options.syncQuietMs;
  // The latest state, and the sync-lane predicate of the state it was made for (made again only when asked after a change).
  let latest: EngineState | undefined;
  let lane: { state: EngineState; accepts: (path: string) => boolean } | undefined;
  const isQuick = (path: string): boolean => {
    if (latest === undefined) return false;
    if (lane?.state !== latest) lane = { state: latest, accepts: syncLane(latest) };
    return lane.accepts(path);
  };
  let coalescer: ReturnType<typeof createCoalescer> | undefined;

  const batches = () =>
    (coalescer ??= createCoalescer({
      clock,
      ...(quietMs === undefined ? {} : { quietMs }),
      ...(maxMs === undefined ? {} : { maxMs }),
      ...(syncQuietMs === undefined ? {} : { quickQuietMs: syncQuietMs }),
      isQuick,
      onBatch: deliver,
    }));

  // A batch that touches a path a build's source resolves through (rare: `COPY package.json ./` names one) waits for
  // the links to be looked at again, so that it is planned with them; later batches wait behind it, in order.
  let linkCheck: Promise<void> | undefined;
  function deliver(paths: string[]): void {
    const workspace = latest?.workspace;
    const fs = options.fs;
    if (linkCheck === undefined && (fs === undefined || workspace === undefined || !linksTouched(workspace, paths))) {
      dispatch({ type: 'filesChanged', paths, at: clock.now() });
      return;
    }
    const check = (linkCheck ?? Promise.resolve()).then(async () => {
      const current = latest?.workspace;
      if (!closed && fs !== undefined && current !== undefined && linksTouched(current, paths)) {
        const links = await linksFromDisk(fs, current).catch(() => undefined);
        if (!closed && links !== undefined && latest?.workspace === current && withContextLinks(current, links) !== current) {
          dispatch({ type: 'contextLinksChanged', links, at: clock.now() });
        }
      }
      if (!closed) dispatch({ type: 'filesChanged', paths, at: clock.now() });
    });
    linkCheck = check;
    void check.finally(() => {
      if (linkCheck === check) linkCheck = undefined;
    });
  }

  const follow = (state: EngineState) => {
    const workspace = state.workspace!;
    watchedWorkspace = workspace;
    const roots = watchRootsFor(workspace, state.composeFiles);
    if (session === undefined) {
      quietMs ??= workspace.config.watch.quietMs;
      maxMs ??= workspace.config.watch.maxMs;
      syncQuietMs ??= workspace.config.watch.syncQuietMs;
      const started = options.watcher.watch(
        roots,
        (change) => {
          if (!closed) batches().add(change.path, change.kind);
        },
        (error) => {
          if (!closed)
            dispatch({
              type: 'watchFailed',
              error: new DockstageError(error.message, { location: { file: error.path }, exitCode: 1 }),
              at: clock.now(),
            });
        },
      );
      session = started;
      updating = started.ready.then(async () => {
        if (closed) return;
        dispatch({ type: 'watchStarted', paths: started.watchedCount(), at: clock.now() });
        for (const file of await changedBeforeArmed(state)) if (!closed) batches().add(file);
      });
      return;
    }
    const current = session;
    updating = updating
      .then(() => current.update(roots))
      .then(() => {
        if (!closed) dispatch({ type: 'watchPathsChanged', paths: current.watchedCount(), at: clock.now() });
      })
      .catch(() => undefined);
  };

  /**
   * The model's files (compose files, env files, Dockerfiles, ignore files) changed since they were read and before the
   * watcher was armed: an edit there would otherwise be lost until the next one. Context files need no such look: the
   * start-up check waits for the watcher (WatchState.expected). A few stats, once.
   */
  const changedBeforeArmed = async (state: EngineState): Promise<string[]> => {
    const { modelReadSince: since, fs } = options;
    if (since === undefined || fs === undefined) return [];
    const files = [...modelFiles(state.workspace!.project, state.composeFiles)].sort();
    const times = await Promise.all(files.map((file) => fs.changedAt(file).catch(() => null)));
    return files.filter((_, i) => times[i] !== null && times[i]! >= since);
  };

  return {
    onChange(state, action) {
      latest = state;
      if (action.type === 'stopRequested') {
        closed = true;
        coalescer?.dispose();
        return;
      }
      // New links change no watched root: the workspace is the same project.
      if (action.type === 'contextLinksChanged') watchedWorkspace = state.workspace;
      if (closed || state.workspace === undefined || state.workspace === watchedWorkspace) return;
      follow(state);
    },
    async dispose() {
      closed = true;
      coalescer?.dispose();
      await updating.catch(() => undefined);
      await session?.close();
    },
  };
}
