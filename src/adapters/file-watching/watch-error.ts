/**
 * The words for a watch failure, from the system error code: what could not be
 * watched and what the user can do about it. Shared by both watcher adapters.
 */
import type { WatchError } from '../../ports/file-watcher.js';

/** A WatchError for `path` from a system error code (`EACCES`, `ENOSPC`, …); `detail` is the system's own message. */
export function watchError(path: string, code: string | undefined, detail?: string): WatchError {
  const known = code ?? 'UNKNOWN';
  switch (known) {
    case 'EACCES':
    case 'EPERM':
      return {
        path,
        code: known,
        message: `cannot watch ${path}: permission denied; fix its permissions, or add it to .dockerignore if the build does not need it`,
      };
    case 'ENOSPC':
      return {
        path,
        code: known,
        message: `cannot watch ${path}: the system limit on watched folders is reached; raise it (sysctl fs.inotify.max_user_watches=524288) or exclude large folders in .dockerignore`,
      };
    case 'EMFILE':
    case 'ENFILE':
      return {
        path,
        code: known,
        message: `cannot watch ${path}: too many open files; raise the limit (ulimit -n) or exclude large folders in .dockerignore`,
      };
    default:
      return { path, code: known, message: `cannot watch ${path}${detail === undefined ? '' : `: ${detail}`}` };
  }
}
