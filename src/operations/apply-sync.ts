/**
 * Applying a live-sync decision to a running container: read each synced
 * file's bytes and mode from the host, give it the `--chmod` and `--chown` of
 * its COPY, create the directories BuildKit would create on the way (with the
 * host directory's mode, or 0755 for the copy's own), remove what was
 * deleted, all in one batch through the ContainerFiles port.
 */
import path from 'node:path';
import { DockstageError } from '../core/errors.js';
import type { SyncFile } from '../core/sync/decide-sync.js';
import type { ContainerDirectory, ContainerFiles, ContainerFileWrite } from '../ports/container-files.js';
import type { FileSystem } from '../ports/file-system.js';

/** What a sync changed in the container. */
export interface AppliedSync {
  /** Container paths written (files only), in destination order. */
  readonly written: readonly string[];
  /** Container paths removed. */
  readonly removed: readonly string[];
}

/**
 * Writes `files` (a `sync` decision's) into the container. Rejects with a
 * DockstageError when a host file vanished since the decision (the next batch
 * carries that change) or the container refuses the batch; either way the
 * caller rebuilds instead.
 */
export async function applySync(
  files: readonly SyncFile[],
  containerId: string,
  ports: { readonly fs: FileSystem; readonly containerFiles: ContainerFiles },
): Promise<AppliedSync> {
  const removals = files.filter((f) => f.delete).map((f) => f.destination);
  const directories = new Map<string, ContainerDirectory>();
  const writes: ContainerFileWrite[] = [];
  const hostMode = async (source: string): Promise<number> => {
    const mode = await ports.fs.permissions(source);
    if (mode === null) throw vanished(source);
    return mode;
  };
  for (const file of files) {
    if (file.delete) continue;
    for (const dir of file.directories) {
      if (directories.has(dir.destination)) continue;
      const mode = dir.source === undefined ? 0o755 : (file.chmod ?? (await hostMode(dir.source)));
      directories.set(dir.destination, { path: dir.destination, mode, owner: file.chown });
    }
    if (file.type === 'directory') {
      if (!directories.has(file.destination))
        directories.set(file.destination, { path: file.destination, mode: file.chmod ?? (await hostMode(file.source)), owner: file.chown });
      continue;
    }
    const read = await ports.fs.readFileWithMode(file.source);
    if (read === null) throw vanished(file.source);
    writes.push({
      path: file.destination,
      content: read.content,
      mode: file.chmod ?? read.mode,
      owner: file.chown,
      ...(file.intoDirectoryIfExists ? { intoDirectoryNamed: path.basename(file.source) } : {}),
    });
  }
  const applied = await ports.containerFiles.apply(containerId, { removals, directories: [...directories.values()], files: writes });
  return { written: applied.written, removed: removals };
}

function vanished(source: string): DockstageError {
  return new DockstageError(`${source} changed again while it was being synced`, {
    exitCode: 1,
    hint: 'the next batch of changes carries it',
  });
}
