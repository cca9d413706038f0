/**
 * Watching the project's files, in our own types (no chokidar or fs.FSWatcher
 * leaks). The engine watches build contexts and bind-mount sources; those may
 * nest or overlap (a context containing a bind-mount source, two services
 * sharing a context), and every change is still delivered once.
 */

/** One tree to watch and what to skip in it. */
export interface WatchRoot {
  /**
   * Absolute path of a directory, or of a single file (a file bind mount). It
   * may not exist yet. Symlinks are never followed, not even this one: pass a
   * real path (`fs.realpath`) when a context may be a link.
   */
  readonly path: string;
  /**
   * Whether to skip an entry below `path`, given as a POSIX path relative to it
   * (`src/app.js`; never empty). Skipping a directory means nothing below it is
   * wanted: the watcher does not descend into it, so return true for a
   * directory only when no `!` exception can bring a file below it back.
   * `.git/`, `.dockstage/` and editor temp files are skipped whatever this says.
   * Must be fast (called once per entry at startup) and must not throw.
   */
  readonly ignored: (relativePosixPath: string, isDirectory: boolean) => boolean;
}

/** What happened to a path. */
export type FileChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** One change below a root. A symlink is reported as a file (its target is never followed). */
export interface FileChange {
  /** Absolute path, in the platform's form. */
  readonly path: string;
  readonly kind: FileChangeKind;
}

/** A problem that stopped part of the tree from being watched; the rest goes on. */
export interface WatchError {
  /** The absolute path at fault (an unreadable directory, a file, the root). */
  readonly path: string;
  /** The system's code (`EACCES`, `ENOSPC`, `EMFILE`, …), or `UNKNOWN`. */
  readonly code: string;
  /** What went wrong and what to do, in words for the user. */
  readonly message: string;
}

/** A running watch. */
export interface WatchSession {
  /** Settles (never rejects) once the initial scan is done; changes made after it are reported. */
  readonly ready: Promise<void>;
  /**
   * Replaces the roots (when the compose project or an ignore file changed):
   * new roots are watched and removed ones dropped. Resolves once changes under
   * the new roots are reported and none under removed ones will be. Calls are
   * applied in order.
   */
  update(roots: readonly WatchRoot[]): Promise<void>;
  /** Files and directories watched now (for the status line and for leak checks). */
  watchedCount(): number;
  /** Stops watching; no callback runs after it resolves. Calling it again is harmless. */
  close(): Promise<void>;
}

/** Starts watch sessions. Changes are not coalesced here: the engine batches them (engine/coalescer.ts). */
export interface FileWatcher {
  /**
   * Watches `roots`, calling `onChange` for each change after `ready` (the
   * initial scan reports nothing) and `onError` for each part it cannot watch.
   * Callbacks must not throw.
   */
  watch(roots: readonly WatchRoot[], onChange: (change: FileChange) => void, onError: (error: WatchError) => void): WatchSession;
}
