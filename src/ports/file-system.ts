/** The file system as dockstage needs it: read text, list a build context, digest files, write its own files. */
export interface FileSystem {
  /** The file's text, or null when it does not exist (other errors throw). */
  readText(path: string): Promise<string | null>;
  exists(path: string): Promise<boolean>;
  /**
   * Every regular file (and symlink) below `root`, as POSIX paths relative to
   * it, sorted. `prune(dir)` may skip a directory (relative path) and
   * everything below it; the build context walk uses it for ignored folders.
   * With `directories`, the directories walked are listed too, with a
   * trailing `/` (an empty one is copied into the image like a file).
   */
  listFiles(
    root: string,
    options?: { readonly prune?: (relativeDir: string) => boolean; readonly directories?: boolean },
  ): Promise<string[]>;
  /** The entries directly in `dir` (symlinks not followed), sorted by name; null when `dir` is not a directory. */
  entries(dir: string): Promise<Array<{ readonly name: string; readonly kind: 'file' | 'directory' | 'symlink' }> | null>;
  /** The target of the symlink at `path` as stored; null when `path` is not a symlink or does not exist. */
  readLink(path: string): Promise<string | null>;
  /**
   * sha256 hex of what a build copies: the permission bits and bytes of a file,
   * the target text of a symlink (BuildKit copies links as links).
   */
  digest(path: string): Promise<string>;
  /** What is at `path`, without following a symlink; null when nothing is. */
  kind(path: string): Promise<'file' | 'directory' | 'symlink' | null>;
  /** A file's bytes and permission bits, following symlinks (what a build copies); null when it does not exist. */
  readFileWithMode(path: string): Promise<{ readonly content: Buffer; readonly mode: number } | null>;
  /** Permission bits of the file or directory at `path`, following symlinks; null when nothing is there. */
  permissions(path: string): Promise<number | null>;
  /**
   * When the file last changed, in ms since the epoch: the later of its modification and status-change times (a file
   * renamed into place keeps its mtime but gets a new ctime); null when nothing is there.
   */
  changedAt(path: string): Promise<number | null>;
  /** Writes the file, creating parent directories. */
  writeText(path: string, text: string): Promise<void>;
}
