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
import type { Workspace } from '../../core/workspace.js';
import type { Clock } from '../../ports/clock.js';
import type { FileWatcher, WatchSession } from '../../ports/file-watcher.js';
import { createCoalescer } from '../coalescer.js';
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
      onBatch: (paths) => dispatch({ type: 'filesChanged', paths, at: clock.now() }),
    }));

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
          if (!closed) dispatch({ type: 'watchFailed', error: new DockstageError(error.message, { location: { file: error.path }, exitCode: 1 }), at: clock.now() });
        },
      );
      session = started;
      updating = started.ready.then(() => {
        if (!closed) dispatch({ type: 'watchStarted', paths: started.watchedCount(), at: clock.now() });
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

  return {
    onChange(state, action) {
      latest = state;
      if (action.type === 'stopRequested') {
        closed = true;
        coalescer?.dispose();
        return;
      }
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
