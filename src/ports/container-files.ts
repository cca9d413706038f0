/**
 * Writing into a running container's file system, for live sync: files whose
 * content is replaced in place (an existing file keeps its inode, so watchers
 * inside the container such as `node --watch` keep seeing changes), directories
 * created with a given mode and owner, paths removed. In our own types: no
 * engine types cross this port.
 */

/**
 * Who owns a file in the container. A number is an id; a string is a name
 * that the container's /etc/passwd (user) or /etc/group (group) resolves, as
 * BuildKit resolves `COPY --chown` names in the image. `group: null` is the
 * named user's primary group, or the uid itself for a numeric user (BuildKit's
 * rule for `--chown=1000`).
 */
export interface ContainerOwner {
  readonly user: number | string;
  readonly group: number | string | null;
}

/** A directory to create when the container lacks it (its parent must exist or come earlier in the batch). */
export interface ContainerDirectory {
  /** Absolute container path. */
  readonly path: string;
  /** Permission bits, e.g. 0o755. */
  readonly mode: number;
  readonly owner: ContainerOwner;
}

/** A file to write. */
export interface ContainerFileWrite {
  /** Absolute container path. */
  readonly path: string;
  readonly content: Uint8Array;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
  readonly owner: ContainerOwner;
  /** When `path` is a directory in the container, write `path/<intoDirectoryNamed>` instead (a file copied onto a directory). */
  readonly intoDirectoryNamed?: string;
}

/** One batch, applied in this order: removals, then directories, then files. */
export interface ContainerFileBatch {
  /** Absolute paths removed with everything below them; a missing path is fine. */
  readonly removals?: readonly string[];
  readonly directories?: readonly ContainerDirectory[];
  readonly files?: readonly ContainerFileWrite[];
}

/** Directories (parents first) and files that are new to a container, with numeric owners. */
export interface NewContainerFiles {
  readonly directories: readonly NumericEntry[];
  readonly files: readonly NumericEntry[];
}

/** A directory (no content) or a file new to a container. */
export interface NumericEntry {
  /** Absolute container path. */
  readonly path: string;
  readonly content?: Uint8Array;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
  readonly owner: { readonly user: number; readonly group: number };
}

/** What a batch did. */
export interface AppliedFiles {
  /** The container paths written, in batch order, after `intoDirectoryNamed` was resolved. */
  readonly written: readonly string[];
}

/** What is below a directory in a container, as `listTree` finds it. */
export interface ContainerTree {
  /** Owner of the directory itself (numeric ids); undefined when it does not exist. */
  readonly owner: { readonly user: number; readonly group: number } | undefined;
  /** Absolute paths of the directories below it (not itself), without crossing into other mounts. */
  readonly directories: readonly string[];
  /** Absolute paths of everything else below it (files, symlinks). */
  readonly files: readonly string[];
  /** Mount points in the container (a volume under the directory is left alone). */
  readonly mounts: readonly string[];
  /** The text of the marker file asked for, or undefined when it is absent. */
  readonly marker: string | undefined;
}

/**
 * A running container's files. Every call rejects with a DockstageError when
 * the container cannot take the batch (not running, read-only, no `sh`, an
 * unknown user name), so the caller can fall back to a rebuild.
 */
export interface ContainerFiles {
  /** Applies a whole batch with as few engine round trips as the engine allows. */
  apply(containerId: string, batch: ContainerFileBatch): Promise<AppliedFiles>;
  /** `apply` with files only. */
  writeFiles(containerId: string, files: readonly ContainerFileWrite[]): Promise<AppliedFiles>;
  /** `apply` with removals only. */
  removePaths(containerId: string, paths: readonly string[]): Promise<void>;
  /**
   * Writes files and directories the container does not hold yet, in one upload (the engine's archive API): much
   * cheaper per file than `apply`, but a path that exists is replaced, not rewritten in place (a new inode), so it is
   * only for paths known to be absent. Owners are numeric ids. Missing parents are created as root, mode 0755.
   */
  createFiles?(containerId: string, batch: NewContainerFiles): Promise<AppliedFiles>;
  /** What is below `directory` (for a full copy that makes it equal to a local folder), and the text of the file `marker`. */
  listTree?(containerId: string, directory: string, marker: string): Promise<ContainerTree>;
  /**
   * Keeps a writer waiting in each of these containers, so the next `apply` there does not wait for a process to
   * start (the engine takes ~50 ms for that); writers in other containers are closed. Only a speed-up: `apply` works
   * without it, and a writer that died (the container restarted) is replaced by the next call.
   */
  keepReady?(containerIds: readonly string[]): void;
  /** Closes every waiting writer. */
  close?(): Promise<void>;
}
