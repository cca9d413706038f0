/**
 * The FileWatcher port on chokidar 4. Portable, but chokidar opens one
 * `fs.watch` per file, which costs far more memory and time to ready on a large
 * tree than `node-fs-watcher.ts`, which watches folders only (bench/watcher-rss.ts;
 * the figures are in README.md, "Benchmarks").
 */
import type { Stats } from 'node:fs';
import { FSWatcher } from 'chokidar';
import { createWatchTree, type WatchTree } from '../../core/watch-roots.js';
import type { FileChange, FileChangeKind, FileWatcher, WatchError, WatchRoot, WatchSession } from '../../ports/file-watcher.js';
import { watchError } from './watch-error.js';
import { startingFolders, toSlashes } from './watch-start.js';

/**
 * A FileWatcher on chokidar: one chokidar instance per set of roots, started
 * on the outermost roots only (`createWatchTree`), so nested and overlapping
 * roots never report a change twice. chokidar starts from the folder that holds
 * each outermost root, which it lists but reports nothing of but the root: a
 * root that is a file, or does not exist yet, or is deleted and recreated, is
 * then seen through a folder listing (a file's own watch loses a deletion that
 * follows a write within 5 ms). Symlinks are reported, never followed;
 * `atomic` is off (no 100 ms hold on deletions) and so is `awaitWriteFinish`
 * (no fixed waits): the coalescer absorbs bursts. `update` starts a fresh
 * instance on the new roots and swaps it in once its scan is done, because
 * chokidar's `unwatch` keeps the watchers below an unwatched folder open.
 */
export function createChokidarWatcher(): FileWatcher {
  return {
    watch(roots, onChange, onError) {
      return startSession(roots, onChange, onError);
    },
  } satisfies FileWatcher;
}

/** One chokidar instance for one set of roots; it delivers only while `live`. */
interface Generation {
  readonly watcher: FSWatcher | undefined;
  /** Settles when the scan is done, or when the generation is retired first. */
  readonly ready: Promise<void>;
  live: boolean;
  retired: boolean;
  readonly settle: () => void;
}

function startSession(
  initialRoots: readonly WatchRoot[],
  onChange: (change: FileChange) => void,
  onError: (error: WatchError) => void,
): WatchSession {
  let closed = false;
  const generations = new Set<Generation>();
  const begin = (roots: readonly WatchRoot[]): Generation => {
    const generation = startGeneration(roots, onChange, (error) => {
      if (!closed) onError(error);
    });
    generations.add(generation);
    return generation;
  };
  const retire = async (generation: Generation): Promise<void> => {
    generation.live = false;
    generation.retired = true;
    generation.settle();
    generations.delete(generation);
    await generation.watcher?.close();
  };

  let current = begin(initialRoots);
  const ready = current.ready.then(() => {
    if (!closed) current.live = true;
  });
  let queue = ready;

  return {
    ready,
    update(roots) {
      queue = queue.then(async () => {
        if (closed) return;
        const next = begin(roots);
        await next.ready;
        if (closed) return await retire(next);
        const previous = current;
        current = next;
        previous.live = false;
        next.live = true;
        await retire(previous);
      });
      return queue;
    },
    watchedCount() {
      const watched = current.watcher?.getWatched() ?? {};
      return Object.values(watched).reduce((sum, children) => sum + children.length, 0);
    },
    async close() {
      closed = true;
      await Promise.all([...generations].map(retire));
    },
  } satisfies WatchSession;
}

function startGeneration(
  roots: readonly WatchRoot[],
  onChange: (change: FileChange) => void,
  onError: (error: WatchError) => void,
): Generation {
  const tree = createWatchTree(roots.map((root) => ({ path: toSlashes(root.path), ignored: root.ignored })));
  if (tree.bases.length === 0) return { watcher: undefined, ready: Promise.resolve(), live: false, retired: false, settle: () => {} };
  const unreadable = new Set<string>();
  const readable = readPermission();
  const watcher = new FSWatcher({
    persistent: true,
    ignoreInitial: true,
    followSymlinks: false,
    atomic: false,
    ignored: (file: string, stats?: Stats) => {
      const place = placeOf(tree, file, stats);
      if (place === 'ignored' || stats === undefined) return place === 'ignored';
      if (readable(stats)) {
        unreadable.delete(file);
        return false;
      }
      // chokidar would skip it silently; say so once (until it becomes readable again).
      if (!unreadable.has(file)) {
        unreadable.add(file);
        queueMicrotask(() => onError(watchError(file, 'EACCES')));
      }
      return true;
    },
  });
  let settle = (): void => {};
  const ready = new Promise<void>((resolve) => (settle = resolve));
  const generation: Generation = { watcher, ready, live: false, retired: false, settle };
  watcher.once('ready', settle);
  void startingFolders(tree.bases).then((folders) => {
    // chokidar's add() reopens a closed watcher: never add to a retired one.
    if (!generation.retired) watcher.add(folders);
  });
  watcher.on('all', (event, file) => {
    if (!generation.live) return;
    const kind = event as FileChangeKind;
    if (tree.place(toSlashes(file), kind === 'addDir' || kind === 'unlinkDir') === 'watched') onChange({ path: file, kind });
  });
  watcher.on('error', (error: unknown) => {
    const failure = error as NodeJS.ErrnoException;
    onError(watchError(failure.path ?? tree.bases[0]!, failure.code, failure.message));
  });
  return generation;
}

/**
 * chokidar asks about a path twice: first without stats (before it looks), then
 * with them. Without stats a path is skipped only when it would be whatever it is.
 */
function placeOf(tree: WatchTree, file: string, stats: Stats | undefined): 'watched' | 'passage' | 'ignored' {
  const slashed = toSlashes(file);
  if (stats !== undefined) return tree.place(slashed, stats.isDirectory());
  const asFile = tree.place(slashed, false);
  return asFile === 'ignored' ? tree.place(slashed, true) : asFile;
}

/**
 * Whether this process may read an entry (a directory also needs search
 * permission), from its mode bits; root and Windows may read anything.
 */
function readPermission(): (stats: Stats) => boolean {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return () => true;
  const groups = new Set([process.getegid?.(), ...(process.getgroups?.() ?? [])]);
  return (stats) => {
    const shift = stats.uid === uid ? 6 : groups.has(stats.gid) ? 3 : 0;
    const need = stats.isDirectory() ? 0o5 : 0o4;
    return ((stats.mode >> shift) & need) === need;
  };
}
