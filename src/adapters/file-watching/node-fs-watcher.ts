/**
 * The FileWatcher port on `node:fs` `watch`, one watch per folder. A folder's
 * watch reports changes to the files in it (inotify, FSEvents and
 * ReadDirectoryChangesW all do), so files need no watch of their own: far
 * less memory and time to ready than chokidar's watch per file on a large
 * tree (bench/watcher-rss.ts; the figures are in README.md, "Benchmarks").
 */
import { lstatSync, watch, type Dirent, type FSWatcher, type Stats } from 'node:fs';
import { access, constants, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from '../../core/order.js';
import { createWatchTree, type WatchTree } from '../../core/watch-roots.js';
import type { FileChange, FileChangeKind, FileWatcher, WatchError, WatchRoot, WatchSession } from '../../ports/file-watcher.js';
import { watchError } from './watch-error.js';
import { startingFolders, toSlashes } from './watch-start.js';

/**
 * A FileWatcher that watches folders only. It starts from the folder holding
 * each outermost root (`createWatchTree`), so a root that is a file, does not
 * exist yet, or is replaced is seen like any other entry; it never descends
 * into ignored folders and never follows a symlink (a link is reported as a
 * file). Each event names an entry of a folder; one `lstat` tells whether it
 * was added, changed or removed, against the names the folder is known to hold.
 */
export function createNodeFsWatcher(): FileWatcher {
  return {
    watch(roots, onChange, onError) {
      return new FolderWatchSession(roots, onChange, onError);
    },
  } satisfies FileWatcher;
}

type EntryKind = 'file' | 'dir';

/** A watched folder: its watch (none while it cannot be watched), its inode and the wanted entries it holds. */
interface Folder {
  readonly path: string;
  watcher: FSWatcher | undefined;
  /** Tells a folder replaced under the same name from a late event about the same folder; undefined until known. */
  ino: number | undefined;
  readonly entries: Map<string, EntryKind>;
  /** Its entries were listed at least once (a folder whose listing failed knows nothing yet). */
  listed: boolean;
  /** Events handled for it so far: a listing read while this moved is older than what they told. */
  events: number;
}

/**
 * Whether scanning a folder reports what it finds (a folder that just appeared) or only records it (startup); an
 * update reports only what changed where the watch and the old rules already were (`#scan`).
 */
type ScanMode = 'silent' | 'report' | 'update';
/** What a scan does with one entry. */
type EntryMode = 'silent' | 'report';

class FolderWatchSession implements WatchSession {
  readonly ready: Promise<void>;
  readonly #onChange: (change: FileChange) => void;
  readonly #onError: (error: WatchError) => void;
  readonly #folders = new Map<string, Folder>();
  readonly #unreadable = new Set<string>();
  readonly #reportedCodes = new Set<string>();
  readonly #checksReadability = process.getuid?.() !== 0;
  #tree: WatchTree;
  /** Folders the drop under way must leave watched (the starts). */
  #keep = new Set<string>();
  /** The rules before the update under way, if one is. */
  #previous: WatchTree | undefined;
  #queue: Promise<void>;
  #closed = false;

  constructor(roots: readonly WatchRoot[], onChange: (change: FileChange) => void, onError: (error: WatchError) => void) {
    this.#onChange = onChange;
    this.#onError = onError;
    this.#tree = treeOf(roots);
    this.ready = this.#sync();
    this.#queue = this.ready;
  }

  update(roots: readonly WatchRoot[]): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      if (this.#closed) return;
      this.#previous = this.#tree;
      this.#tree = treeOf(roots);
      try {
        await this.#sync('update');
      } finally {
        this.#previous = undefined;
      }
    });
    return this.#queue;
  }

  watchedCount(): number {
    let count = 0;
    for (const folder of this.#folders.values()) count += folder.entries.size;
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const folder of this.#folders.values()) folder.watcher?.close();
    this.#folders.clear();
  }

  /**
   * Brings the watched folders in line with the tree, reporting only what an
   * update finds changed under the watch it already had; a folder that is neither a start nor listed by its parent any
   * more (an old start, a folder below a dropped root) is closed.
   */
  async #sync(mode: 'silent' | 'update' = 'silent'): Promise<void> {
    const starts = new Set(await startingFolders(this.#tree.bases));
    await Promise.all([...starts].map((start) => this.#scan(start, mode)));
    // A start below a dropped one (roots narrowed from /p/a to /p/a/src) stays: it is dropped entry by entry otherwise.
    this.#keep = starts;
    try {
      for (const folder of [...this.#folders.values()]) {
        if (this.#folders.get(folder.path) !== folder || starts.has(folder.path)) continue;
        if (this.#folders.get(path.dirname(folder.path))?.entries.get(path.basename(folder.path)) !== 'dir')
          this.#dropFolder(folder, 'silent');
      }
    } finally {
      this.#keep = new Set();
    }
  }

  /**
   * Watches `dir` (if not yet), lists it and reconciles its entries: new wanted
   * ones are recorded (and reported in `report` mode), vanished or now-ignored
   * ones removed, and every wanted subfolder scanned the same way.
   */
  async #scan(dir: string, mode: ScanMode): Promise<void> {
    if (this.#closed) return;
    let folder = this.#folders.get(dir);
    // In an update, an entry new or gone in a folder already watched, under rules that already watched it, changed since
    // the last event about it was handled (a folder made and filled before its parent's event came, a file deleted
    // before its own): it is reported, or that change would never be. What the new rules bring in is only recorded.
    const wasWatched = folder?.watcher !== undefined && folder.listed;
    const entryMode = (child: string, kind: EntryKind): EntryMode =>
      mode !== 'update' ? mode : wasWatched && this.#previous?.place(toSlashes(child), kind === 'dir') === 'watched' ? 'report' : 'silent';
    if (folder === undefined) {
      folder = { path: dir, watcher: undefined, ino: undefined, entries: new Map(), listed: false, events: 0 };
      this.#folders.set(dir, folder);
    }
    if (folder.watcher === undefined && !this.#startWatch(folder)) return;
    let listing: Dirent[];
    let eventsBefore: number;
    try {
      folder.ino ??= (await lstat(dir)).ino;
      eventsBefore = folder.events;
      listing = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (!isGone(error)) this.#report(dir, error);
      return;
    }
    if (this.#closed || this.#folders.get(dir) !== folder) return;
    folder.listed = true;
    // Events handled while the listing was read make it older than what is known: where the two disagree, the disk
    // decides now (one lstat each). Without such events the listing is the newer word, and startup costs no lstat.
    const raced = folder.events !== eventsBefore;
    listing.sort((a, b) => compareStrings(a.name, b.name));
    const seen = new Set<string>();
    const below: Array<Promise<void>> = [];
    // A file created after the listing may already be known from its own event, one deleted after it already
    // forgotten; trusting a raced listing reported every file of a storm into a new folder as deleted.
    for (const dirent of listing) {
      const child = path.join(dir, dirent.name);
      const listed: EntryKind = dirent.isDirectory() ? 'dir' : 'file';
      const known = folder.entries.get(dirent.name);
      const kind = known === listed || !raced ? listed : kindNow(child, listed);
      if (kind === undefined || this.#place(child, kind) === 'ignored') continue;
      seen.add(dirent.name);
      if (known !== undefined && known !== kind) this.#removeEntry(folder, dirent.name, entryMode(child, known));
      if (known !== kind) {
        folder.entries.set(dirent.name, kind);
        this.#emit(child, kind === 'dir' ? 'addDir' : 'add', entryMode(child, kind));
        if (kind === 'file' && dirent.isFile()) below.push(this.#checkReadable(child));
      }
      const newAndReported = mode === 'update' && known !== kind && entryMode(child, kind) === 'report';
      if (kind === 'dir') below.push(this.#scan(child, newAndReported ? 'report' : mode));
    }
    for (const [name, known] of [...folder.entries]) {
      if (seen.has(name)) continue;
      const child = path.join(dir, name);
      const ignored = this.#place(child, known) === 'ignored';
      if (raced && kindNow(child, undefined) === known && !ignored) continue;
      this.#removeEntry(folder, name, ignored ? 'silent' : entryMode(child, known));
    }
    await Promise.all(below);
  }

  /** Starts the folder's watch; false when it cannot be watched (the error is reported, or the folder is gone). */
  #startWatch(folder: Folder): boolean {
    try {
      folder.watcher = watch(folder.path, { persistent: true }, (_event, name) => this.#onFolderEvent(folder, name));
    } catch (error) {
      if (!isGone(error)) this.#report(folder.path, error);
      return false;
    }
    this.#unreadable.delete(folder.path);
    folder.watcher.on('error', (error) => {
      folder.watcher?.close();
      folder.watcher = undefined;
      this.#report(folder.path, error);
    });
    return true;
  }

  #onFolderEvent(folder: Folder, name: string | null): void {
    if (this.#closed || this.#folders.get(folder.path) !== folder) return;
    folder.events += 1;
    if (name === null) {
      // The platform did not say which entry: list the folder again.
      this.#inBackground(this.#scan(folder.path, 'report'), folder.path);
      return;
    }
    const child = path.join(folder.path, name);
    if (!folder.entries.has(name) && this.#place(child, 'file') === 'ignored' && this.#place(child, 'dir') === 'ignored') return;
    this.#checkEntry(folder, name);
  }

  /**
   * What an event on `name` in `folder` means, from what is there now against
   * what was known. The `lstat` is synchronous on purpose: a few microseconds
   * that keep events in the order the system sent them, where an async one
   * waits in libuv's 4-thread pool behind whatever I/O the process queued (a
   * burst of writes stalled delivery by more than the coalescer's quiet time).
   */
  #checkEntry(folder: Folder, name: string): void {
    const child = path.join(folder.path, name);
    let stats: Stats | undefined;
    try {
      stats = lstatSync(child, { throwIfNoEntry: false });
    } catch (error) {
      if (!isGone(error)) return this.#report(child, error);
    }
    const known = folder.entries.get(name);
    const kind: EntryKind | undefined = stats === undefined ? undefined : stats.isDirectory() ? 'dir' : 'file';
    if (kind === undefined || this.#place(child, kind) === 'ignored') {
      if (known !== undefined) this.#removeEntry(folder, name, 'report');
      return;
    }
    if (known === kind && kind === 'file') return this.#emit(child, 'change', 'report');
    if (known === kind) {
      // An event about a known folder: a late one about its creation, a change of its permissions, or a replacement.
      const sub = this.#folders.get(child);
      const replaced = sub?.ino !== undefined && sub.ino !== stats!.ino;
      if (!replaced) return sub?.watcher === undefined ? this.#inBackground(this.#scan(child, 'report'), child) : undefined;
      this.#removeEntry(folder, name, 'report');
    } else if (known !== undefined) {
      this.#removeEntry(folder, name, 'report');
    }
    folder.entries.set(name, kind);
    this.#emit(child, kind === 'dir' ? 'addDir' : 'add', 'report');
    this.#inBackground(kind === 'dir' ? this.#scan(child, 'report') : this.#checkReadable(child), child);
  }

  #inBackground(work: Promise<void>, file: string): void {
    work.catch((error: unknown) => this.#report(file, error));
  }

  /** Forgets an entry; a folder goes with everything below it, deepest first (unlink, then unlinkDir). */
  #removeEntry(folder: Folder, name: string, mode: EntryMode): void {
    const kind = folder.entries.get(name);
    folder.entries.delete(name);
    const child = path.join(folder.path, name);
    if (kind === 'file') return this.#emit(child, 'unlink', mode);
    const sub = this.#folders.get(child);
    if (sub !== undefined && !this.#keep.has(child)) this.#dropFolder(sub, mode);
    this.#emit(child, 'unlinkDir', mode);
  }

  #dropFolder(folder: Folder, mode: EntryMode): void {
    for (const name of [...folder.entries.keys()]) this.#removeEntry(folder, name, mode);
    folder.watcher?.close();
    folder.watcher = undefined;
    this.#folders.delete(folder.path);
  }

  /** Reports a file this process cannot read (once, until it is readable again); root reads everything, so root skips the check. */
  async #checkReadable(file: string): Promise<void> {
    if (!this.#checksReadability) return;
    try {
      await access(file, constants.R_OK);
      this.#unreadable.delete(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') this.#report(file, error);
    }
  }

  #place(file: string, kind: EntryKind): ReturnType<WatchTree['place']> {
    return this.#tree.place(toSlashes(file), kind === 'dir');
  }

  #emit(file: string, kind: FileChangeKind, mode: EntryMode): void {
    if (mode === 'silent' || this.#closed) return;
    if (this.#place(file, kind === 'addDir' || kind === 'unlinkDir' ? 'dir' : 'file') !== 'watched') return;
    this.#onChange({ path: file, kind });
  }

  #report(file: string, error: unknown): void {
    if (this.#closed) return;
    const failure = error as NodeJS.ErrnoException;
    const code = failure.code ?? 'UNKNOWN';
    // Running out of watches or descriptors fails every folder after it: say it once.
    if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') {
      if (this.#reportedCodes.has(code)) return;
      this.#reportedCodes.add(code);
    }
    // An unreadable folder is met again at every update: say it once until it becomes readable.
    if (code === 'EACCES' || code === 'EPERM') {
      if (this.#unreadable.has(file)) return;
      this.#unreadable.add(file);
    }
    this.#onError(watchError(file, code, failure.message));
  }
}

function treeOf(roots: readonly WatchRoot[]): WatchTree {
  return createWatchTree(roots.map((root) => ({ path: toSlashes(root.path), ignored: root.ignored })));
}

/** What `file` is on disk now (synchronous, like the event path): undefined when it is gone, `fallback` when it cannot be told. */
function kindNow(file: string, fallback: EntryKind | undefined): EntryKind | undefined {
  try {
    const stats = lstatSync(file, { throwIfNoEntry: false });
    return stats === undefined ? undefined : stats.isDirectory() ? 'dir' : 'file';
  } catch (error) {
    return isGone(error) ? undefined : fallback;
  }
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
