/**
 * Symlinks on the path of a COPY/ADD source, followed as BuildKit follows
 * them. The client sends the context with the sources as fsutil FollowPaths:
 * every symlink met on the way to a source (or named by a wildcard element)
 * is sent, and so is what it points to, recursively; the copy then resolves
 * the source inside the context (a link never leaves it: `../x` from the root
 * is `x`, `/x` is the context's `x`). So `COPY link.txt /x` with `link.txt →
 * data/real.txt` reads `data/real.txt`, and `COPY lnk/a /x` with `lnk → data`
 * reads `data/a`. Links inside a copied directory are copied as links: their
 * targets are not read through them. Verified on BuildKit v0.8 by building
 * before and after edits (test/integration/engine/symlink-inputs.test.ts).
 *
 * Pure: the links are data the engine gathered by looking at the paths this
 * module asks for (`linksToLook`).
 */
import { cleanSlashPath, compareBytes, containsWildcards, goJoin, joinPath, safeMatch } from './go-path.js';

/** How followLinks sees a context's symlinks. Paths are clean and relative (`.` is the root). */
export interface LinkLookup {
  /** The target of the symlink at `path` as stored on disk, or undefined when `path` is not a symlink. */
  target(path: string): string | undefined;
  /** Names of the symlinks directly in the directory `dir`. */
  linksIn(dir: string): readonly string[];
}

/** What the engine learnt about one context's symlinks by looking at what `linksToLook` asked for. */
export interface ContextLinks {
  /** Link targets as stored, by clean relative path. */
  readonly links: ReadonlyMap<string, string>;
  /** Paths looked at, links or not (missing ones too). */
  readonly looked: ReadonlySet<string>;
  /** Directories whose symlinks were listed (a wildcard element names entries of them). */
  readonly listed: ReadonlySet<string>;
}

/** No link looked at yet. */
export const NO_LINKS: ContextLinks = { links: new Map(), looked: new Set(), listed: new Set() };

/** `ContextLinks` as a lookup. */
export function linkLookup(known: ContextLinks): LinkLookup {
  return {
    target: (path) => known.links.get(path),
    linksIn: (dir) => [...known.links.keys()].filter((link) => parentOf(link) === dir).map((link) => link.slice(link.lastIndexOf('/') + 1)),
  };
}

/**
 * The paths to look at (lstat, readlink) and the directories to list before
 * `sources` can be followed with what is `known`. The engine looks, adds what
 * it found, and asks again until both lists are empty (a link's target may be
 * another link).
 */
export function linksToLook(sources: readonly string[], known: ContextLinks): { paths: string[]; dirs: string[] } {
  const paths = new Set<string>();
  const dirs = new Set<string>();
  const base = linkLookup(known);
  const recording: LinkLookup = {
    target(path) {
      if (path === '.') return undefined; // the context root is where links resolve, never a link
      if (!known.looked.has(path)) paths.add(path);
      return base.target(path);
    },
    linksIn(dir) {
      if (!known.listed.has(dir)) dirs.add(dir);
      return base.linksIn(dir);
    },
  };
  for (const source of sources) {
    const clean = cleanSource(source);
    if (clean !== undefined) followLinks(recording, [clean]);
  }
  return { paths: [...paths].sort(compareBytes), dirs: [...dirs].sort(compareBytes) };
}

/**
 * What `source` reads through symlinks, as more sources to match like it
 * (the links on the way and what they resolve to, wildcards kept), or
 * undefined when no symlink lies on its path. `['.']` when a link leads to
 * the context root.
 */
export function sourcesThroughLinks(source: string, lookup: LinkLookup): string[] | undefined {
  const clean = cleanSource(source);
  if (clean === undefined) return undefined;
  const resolved = followLinks(lookup, [clean]);
  if (resolved === undefined) return ['.'];
  return resolved.length === 1 && resolved[0] === clean ? undefined : resolved;
}

/** Whether a change at `path` (clean, relative) can change how the sources resolve: a path looked at, or an entry of a listed directory. */
export function touchesLinks(known: ContextLinks, path: string): boolean {
  return known.looked.has(path) || known.listed.has(parentOf(path));
}

/**
 * fsutil's FollowLinks: walks each path element by element; a symlink on the
 * way (or any symlink a wildcard element names) is recorded and its target
 * followed, recursively. Returns the sorted, deduplicated paths, or undefined
 * when one of them is the context root (no filter at all).
 */
export function followLinks(lookup: LinkLookup, paths: readonly string[]): string[] | undefined {
  const resolved = new Set<string>();
  const readSymlink = (path: string, allowWildcard: boolean): string[] | undefined => {
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const dir = slash < 0 ? '.' : cleanSlashPath(path.slice(0, slash));
    if (allowWildcard && containsWildcards(base)) {
      let targets: string[] | undefined;
      for (const name of [...lookup.linksIn(dir)].sort(compareBytes)) {
        if (!safeMatch(base, name)) continue;
        const found = readSymlink(joinPath(dir === '.' ? '' : dir, name), false);
        if (found !== undefined) targets = [...(targets ?? []), ...found];
      }
      return targets;
    }
    const target = lookup.target(path);
    if (target === undefined) return undefined;
    const link = cleanSlashPath(target);
    return [link.startsWith('/') ? link : cleanSlashPath(`/${dir}/${link}`)];
  };
  const append = (start: string): void => {
    let rest = start;
    let current = '.';
    for (;;) {
      const slash = rest.indexOf('/');
      current = goJoin(current, slash < 0 ? rest : rest.slice(0, slash));
      rest = slash < 0 ? '' : rest.slice(slash + 1);
      const targets = readSymlink(current, true);
      if ((rest === '' || targets !== undefined) && resolved.has(current)) return;
      if (targets !== undefined) {
        resolved.add(current);
        for (const target of targets) append(goJoin(target, rest));
        return;
      }
      if (rest === '') {
        resolved.add(current);
        return;
      }
    }
  };
  paths.forEach(append);
  return dedupePaths([...resolved].sort(compareBytes));
}

/** Drops paths below the previous kept one; undefined when `.` is among them (fsutil's dedupePaths). */
export function dedupePaths(paths: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let last = '';
  for (const path of paths) {
    if (path === '.') return undefined;
    if (path.startsWith(`${last}/`)) continue;
    out.push(path);
    last = path;
  }
  return out;
}

/** A source as FollowPaths gets it (clean, relative), or undefined for the whole context, which follows nothing. */
function cleanSource(source: string): string | undefined {
  const clean = cleanSlashPath(`/${source}`).slice(1);
  return clean === '' ? undefined : clean;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}
