/**
 * `plan --changed` is given paths, not what happened to them. Creating
 * `docs/new/b` may have created `docs/new` too, and BuildKit sends a directory
 * even when everything in it is ignored, so `COPY docs /d/` then puts an empty
 * `docs/new` in the image. The watcher reports such a directory itself
 * (addDir, unlinkDir); here it is inferred from what is on the disk now.
 */
import path from 'node:path';
import type { FileSystem } from '../ports/file-system.js';

/**
 * The directories that may have been created or removed with the changed absolute `paths`: walking up from each, a
 * directory that is missing now (removed with it) or holds only the entry on the way to it (perhaps created with it),
 * until one that is neither or one of `stops` (the context directories, the project directory). Conservative: a
 * directory that already held only that entry is reported too.
 */
export async function directoriesChangedWith(fs: FileSystem, paths: readonly string[], stops: ReadonlySet<string>): Promise<string[]> {
  const found = new Set<string>();
  // Many changed paths share folders (a branch switch): each folder is listed once.
  const listings = new Map<string, ReturnType<FileSystem['entries']>>();
  for (const changed of paths) {
    let child = path.normalize(changed);
    for (let dir = path.dirname(child); !stops.has(dir) && dir !== child; child = dir, dir = path.dirname(dir)) {
      if (!listings.has(dir)) listings.set(dir, fs.entries(dir));
      const entries = await listings.get(dir)!;
      const alone = entries !== null && entries.length === 1 && entries[0]!.name === path.basename(child);
      if (entries !== null && !alone) break;
      found.add(dir);
    }
  }
  return [...found].sort();
}
