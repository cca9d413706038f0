/** The file system as dockstage needs it: read text, list a build context, digest files, write its own files. */
export interface FileSystem {
  /** The file's text, or null when it does not exist (other errors throw). */
  readText(path: string): Promise<string | null>;
  exists(path: string): Promise<boolean>;
  /**
   * Every regular file (and symlink) below `root`, as POSIX paths relative to
   * it, sorted. `prune(dir)` may skip a directory (relative path) and
   * everything below it; the build context walk uses it for ignored folders.
   */
  listFiles(root: string, options?: { readonly prune?: (relativeDir: string) => boolean }): Promise<string[]>;
  /** sha256 hex of the file's bytes (of the link text for a symlink). */
  digest(path: string): Promise<string>;
  /** Writes the file, creating parent directories. */
  writeText(path: string, text: string): Promise<void>;
}
