/**
 * Where BuildKit puts one context file when a COPY/ADD source reads it
 * (dockerfile2llb's dispatchCopy, then fsutil's Copy). A source without
 * wildcards is matched as itself; with wildcards, each match is a source of
 * its own. A matched directory is copied by content into the destination
 * (`COPY src/ /app/` puts `src/a.js` at `/app/a.js`); a matched file goes
 * into the destination when that is a directory (written with a trailing
 * slash, or already one), else becomes the destination. `--parents` keeps
 * the path below the pivot (`/./`) or the context root. Missing destination
 * directories are made 0755 and owned like the copy; directories inside a
 * copied directory are copies of the host's.
 */
import { splitWildcards } from '../dockerfile/copy-sources.js';
import { cleanSlashPath, matchGlob } from '../dockerfile/go-path.js';
import { ancestorsAndSelf, parentOf, type CopyDestination } from './copy-steps.js';

/** A directory the copy creates on the way to a file when the image lacks it. */
export interface PlacedDirectory {
  /** Absolute container path. */
  readonly containerPath: string;
  /** Context-relative host directory whose mode it gets; undefined for the copy's own 0755 directories. */
  readonly hostPath: string | undefined;
}

/** Where one context path lands. */
export interface Placement {
  /** Absolute container path. */
  readonly destination: string;
  /**
   * True when BuildKit would write `destination/<name>` instead, should
   * `destination` be a directory in the image: a file copied by name to a
   * destination without a trailing slash that the Dockerfile did not make a
   * directory. Only the container can tell.
   */
  readonly intoDirectoryIfExists: boolean;
  /** The path is the matched source itself (a file named by the COPY, or a wildcard match), not a file inside a copied directory. */
  readonly sourceRoot: boolean;
  /** Outermost first. */
  readonly directories: readonly PlacedDirectory[];
}

/** What placement needs from the COPY/ADD step. */
export interface PlacementStep {
  readonly destination: CopyDestination;
  readonly parents: boolean;
  readonly link: boolean;
  readonly knownDirectories: ReadonlySet<string>;
}

/**
 * Where `contextPath` (clean, relative) lands when `source` (expanded, as
 * written) of `step` reads it; undefined when the source does not reach the
 * path or when its shape is one dockstage does not model (wildcards before a
 * `--parents` pivot). Whether the ignore file or `--exclude` drops the path is
 * the caller's question (stage-inputs answers it).
 */
export function placeInImage(step: PlacementStep, source: string, contextPath: string): Placement | undefined {
  const root = matchedRoot(source, step.parents, contextPath);
  if (root === undefined) return undefined;
  const rel = relativeTo(root, contextPath);
  if (rel === undefined) return undefined;
  const destination = step.destination;
  const madeByCopy = (dir: string): PlacedDirectory[] =>
    ancestorsAndSelf(dir)
      .filter((d) => d !== '/')
      .map((containerPath) => ({ containerPath, hostPath: undefined }));

  if (rel === '') {
    if (step.parents) return undefined; // the pivot itself: nothing of its own to copy
    const into = destination.directory || step.knownDirectories.has(destination.path);
    if (into) {
      return {
        destination: joinAbsolute(destination.path, basename(root)),
        intoDirectoryIfExists: false,
        sourceRoot: true,
        directories: madeByCopy(destination.path),
      };
    }
    return {
      destination: destination.path,
      intoDirectoryIfExists: !step.link,
      sourceRoot: true,
      directories: madeByCopy(parentOf(destination.path)),
    };
  }

  const elements = rel.split('/');
  const inside: PlacedDirectory[] = [];
  for (let count = 1; count < elements.length; count++) {
    const prefix = elements.slice(0, count).join('/');
    inside.push({ containerPath: joinAbsolute(destination.path, prefix), hostPath: joinRelative(root, prefix) });
  }
  return {
    destination: joinAbsolute(destination.path, rel),
    intoDirectoryIfExists: false,
    sourceRoot: false,
    directories: [...madeByCopy(destination.path), ...inside],
  };
}

/**
 * The context path of the source match that `contextPath` is at or below:
 * the literal source, the wildcard match, or for `--parents` the pivot.
 */
function matchedRoot(source: string, parents: boolean, contextPath: string): string | undefined {
  if (parents) {
    const pivot = source.indexOf('/./');
    const root = pivot < 0 ? '' : cleanSlashPath(`/${source.slice(0, pivot)}`).slice(1);
    return /[*?[]/.test(root) ? undefined : root;
  }
  const { literal, glob } = splitWildcards(cleanSlashPath(`/${source}`));
  const base = literal.slice(1);
  if (glob === '') return base;
  const below = relativeTo(base, contextPath);
  if (below === undefined || below === '') return undefined;
  const count = glob.split('/').length;
  const elements = below.split('/');
  if (elements.length < count) return undefined;
  const candidate = elements.slice(0, count).join('/');
  let matched: boolean;
  try {
    matched = matchGlob(glob, candidate);
  } catch {
    matched = false;
  }
  return matched ? joinRelative(base, candidate) : undefined;
}

/** `path` relative to the directory `base` (`''` = context root), or undefined when outside it. */
function relativeTo(base: string, path: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : undefined;
}

function joinRelative(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}/${b}`;
}

function joinAbsolute(dir: string, rel: string): string {
  return dir === '/' ? `/${rel}` : `${dir}/${rel}`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
