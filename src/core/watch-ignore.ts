/**
 * What the watcher skips whatever the ignore files say: version-control data,
 * dockstage's own state, and the temporary files editors write next to the
 * file being saved (vim's swap files and its `4913` write test, backup files
 * ending in `~`, emacs lock files `.#name`). A save in vim otherwise reports
 * three or four paths for one edit, and a `.git/` operation thousands.
 */

const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['.git', '.dockstage']);

/**
 * Whether `relativePosixPath` (relative to a watch root, slash-separated, not
 * empty) is always skipped: any path through a `.git` or `.dockstage`
 * directory, and files named `*.swp`, `*.swx`, `*~`, `.#*` or `4913`.
 */
export function alwaysIgnored(relativePosixPath: string, isDirectory: boolean): boolean {
  const segments = relativePosixPath.split('/');
  const name = segments[segments.length - 1]!;
  for (let i = 0; i < segments.length - 1; i++) if (SKIPPED_DIRECTORIES.has(segments[i]!)) return true;
  if (isDirectory) return SKIPPED_DIRECTORIES.has(name);
  return isEditorTempFile(name);
}

/** Editor temp file names: vim swap files and write test, backups, emacs lock files. */
function isEditorTempFile(name: string): boolean {
  return name.endsWith('.swp') || name.endsWith('.swx') || name.endsWith('~') || name.startsWith('.#') || name === '4913';
}
