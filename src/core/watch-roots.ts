/**
 * Which paths a set of watch roots covers, when roots nest or overlap (a build
 * context containing a bind-mount source, two services sharing a context).
 * The watcher walks each outermost root once and asks `place` about every
 * entry, so an entry is watched (and its changes delivered) once however many
 * roots contain it. Pure: absolute slash-separated paths in, answers out.
 */
import { alwaysIgnored } from './watch-ignore.js';
import { compareStrings } from './order.js';

/** A root as the watcher port describes it (`WatchRoot`). */
export interface RootRule {
  readonly path: string;
  readonly ignored: (relativePosixPath: string, isDirectory: boolean) => boolean;
}

/**
 * Where a path stands: `watched` (inside a root that wants it: report its
 * changes, descend into it), `passage` (a directory outside every root's wants
 * that leads to a root nested deeper: descend, report nothing) or `ignored`.
 */
export type WatchPlace = 'watched' | 'passage' | 'ignored';

/** The combined view of a set of roots. */
export interface WatchTree {
  /** The roots no other root contains, deduplicated and sorted: what the watcher starts from. */
  readonly bases: readonly string[];
  /**
   * Where `absolutePath` stands. A path is watched when some root containing
   * it wants it (the root itself always; below it, unless `alwaysIgnored` or the
   * root's `ignored` says so), so an inner root can bring back what an outer
   * root's ignore file excludes.
   */
  place(absolutePath: string, isDirectory: boolean): WatchPlace;
}

/** The watch tree of `roots`. Root paths are absolute and slash-separated; a trailing slash is dropped. */
export function createWatchTree(roots: readonly RootRule[]): WatchTree {
  const rules = roots.map((root) => ({ dir: trimSlash(root.path), ignored: root.ignored }));
  const dirs = [...new Set(rules.map((rule) => rule.dir))].sort(compareStrings);
  const bases = dirs.filter((dir) => !dirs.some((other) => other !== dir && isWithin(dir, other)));
  return {
    bases,
    place(absolutePath, isDirectory) {
      const path = trimSlash(absolutePath);
      for (const rule of rules) {
        if (!isWithin(path, rule.dir)) continue;
        if (path === rule.dir) return 'watched';
        const relative = path.slice(rule.dir === '/' ? 1 : rule.dir.length + 1);
        if (!alwaysIgnored(relative, isDirectory) && !askIgnored(rule.ignored, relative, isDirectory)) return 'watched';
      }
      if (isDirectory && dirs.some((dir) => dir !== path && isWithin(dir, path))) return 'passage';
      return 'ignored';
    },
  };
}

/** Whether `path` is `dir` or lies below it (both absolute, slash-separated, no trailing slash). */
export function isWithin(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47); /* / */
}

/**
 * A root's own answer; one that throws (an ignore pattern BuildKit would
 * reject fails when first evaluated) counts as "not ignored": watching too
 * much is harmless, and the build reports the broken pattern.
 */
function askIgnored(ignored: RootRule['ignored'], relative: string, isDirectory: boolean): boolean {
  try {
    return ignored(relative, isDirectory);
  } catch {
    return false;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
