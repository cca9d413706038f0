/**
 * Where both watcher adapters start: the folder holding each outermost root,
 * so a root that is a file, does not exist yet, or is deleted and recreated is
 * seen as an entry of a watched folder.
 */
import { access, constants, lstat } from 'node:fs/promises';
import path from 'node:path';
import { isWithin } from '../../core/watch-roots.js';

/**
 * The nearest existing folder above each base, outermost ones only (the
 * folders between a start and its base are passages of the watch tree). When
 * this user may not list that folder (another user's 0711 home), the base
 * itself is the start: it is then watched, but not its deletion.
 */
export async function startingFolders(bases: readonly string[]): Promise<string[]> {
  const folders = await Promise.all(
    bases.map(async (base) => {
      let folder = path.dirname(base);
      while (path.dirname(folder) !== folder && !(await isFolder(folder))) folder = path.dirname(folder);
      return (await canList(folder)) || !(await isFolder(base)) ? folder : base;
    }),
  );
  const unique = [...new Set(folders)];
  return unique.filter((folder) => !unique.some((other) => other !== folder && isWithin(toSlashes(folder), toSlashes(other))));
}

/** A platform path with `/` separators, as the watch tree takes them. */
export function toSlashes(file: string): string {
  return path.sep === '/' ? file : file.split(path.sep).join('/');
}

async function canList(folder: string): Promise<boolean> {
  try {
    await access(folder, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function isFolder(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isDirectory();
  } catch {
    return false;
  }
}
