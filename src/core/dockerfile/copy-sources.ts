/**
 * Which build-context files a COPY/ADD source reads, resolved as BuildKit's
 * file operation does (tonistiigi/fsutil `copy`): the source is cleaned against
 * the context root; a source without wildcards reads itself and everything
 * below it; with wildcards, the components from the first wildcard on are
 * matched with Go's filepath.Match against each path under the literal part, and
 * a matching directory is read whole. `--parents` turns the source into an
 * include pattern (patternmatcher syntax, so `**` spans directories), pivoting
 * at `/./` when present. COPY `--exclude` patterns apply relative to each
 * matched source.
 *
 * Also the context walk (fsutil's filtered walk) that decides which files the
 * client sends at all: include patterns, `.dockerignore` exclude patterns and
 * followed symlinks, over a file list given as data.
 */
import { createIgnoreMatcher, type IgnoreMatcher, type ParentMatchResults } from './dockerignore.js';
import { dedupePaths, followLinks, type LinkLookup } from './follow-links.js';
import { cleanSlashPath, compareBytes, containsWildcards, goJoin, joinPath, safeMatch } from './go-path.js';

/** The COPY/ADD flags that change which files a source reads. */
export interface CopySourceOptions {
  /** `COPY --parents`: the source is a pattern over the context (or below a `/./` pivot). */
  readonly parents?: boolean;
  /** `COPY --exclude` patterns, matched relative to each matched source. */
  readonly exclude?: readonly string[];
}

/** A compiled COPY/ADD source. */
export interface CopySourceMatcher {
  /** The source as written. */
  readonly source: string;
  /**
   * Every path the source can read is `prefix` or below it (`''` is the whole
   * context): the literal part before the first wildcard. Useful for watching.
   */
  readonly prefix: string;
  /** Whether the copy reads the context file `path` (clean, relative, e.g. `src/app.js`). */
  reads(path: string): boolean;
}

/**
 * Compiles one COPY/ADD source (already expanded, not a URL or git ref).
 * `./src/` and `src` are the same; `.` and `/` are the whole context; `..` never
 * leaves it. A malformed wildcard matches nothing, as in BuildKit (which then
 * copies nothing because empty wildcards are allowed). Throws IgnorePatternError
 * for malformed `--exclude` patterns, or for a malformed `--parents` pattern.
 */
export function compileCopySource(source: string, options: CopySourceOptions = {}): CopySourceMatcher {
  const exclude = options.exclude === undefined || options.exclude.length === 0 ? undefined : createIgnoreMatcher(options.exclude);
  let root = source;
  let include: IgnoreMatcher | undefined;
  let includePrefix = '';
  if (options.parents === true) {
    const pivot = source.indexOf('/./');
    root = pivot < 0 ? '/' : source.slice(0, pivot);
    const pattern = cleanSlashPath(`/${pivot < 0 ? source : source.slice(pivot + 3)}`).slice(1);
    // An empty pattern (`COPY --parents . /x`) is read as the whole subtree: the
    // conservative reading, since dockstage would rather rebuild than miss a change.
    if (pattern !== '') {
      include = createIgnoreMatcher([pattern]);
      includePrefix = literalPrefix(pattern, /[*?[\]\\]/);
    }
  }
  const { literal, glob } = splitWildcards(cleanSlashPath(`/${root}`));
  const base = literal.slice(1);
  const prefix = glob === '' ? joinPath(base, includePrefix) : base;

  // A file at `rest` below a matched source root is copied when the include
  // pattern matches it or a directory above it and no --exclude pattern does;
  // `excludes` is that walk-order evaluation for any pattern list. The matched
  // root itself (`rest` empty) is always copied.
  const copied = (rest: string): boolean =>
    rest === '' || ((include === undefined || include.excludes(rest)) && !(exclude?.excludes(rest) ?? false));

  return {
    source,
    prefix,
    reads(path: string): boolean {
      const below = relativeTo(base, path);
      if (below === undefined) return false;
      if (glob === '') return copied(below);
      const elements = below.split('/');
      for (let count = 1; count <= elements.length; count++) {
        if (safeMatch(glob, elements.slice(0, count).join('/'))) return copied(elements.slice(count).join('/'));
      }
      return false;
    },
  };
}

/** What a context walk filters by; the fields mirror fsutil's FilterOpt. */
export interface ContextFilter {
  /** IncludePatterns: only paths matching one (or below a matching directory) are walked. */
  readonly include?: readonly string[];
  /** ExcludePatterns: the `.dockerignore` patterns. */
  readonly exclude?: readonly string[];
  /** FollowPaths: paths (wildcards allowed) whose symlinks are resolved and added to the includes. */
  readonly followPaths?: readonly string[];
}

/** One entry of a build context, as data. Missing parent directories are implied. */
export interface ContextEntry {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  /** The symlink's target as stored on disk (absolute targets mean the context root). */
  readonly linkTarget?: string;
}

/**
 * The entries fsutil's filtered walk emits for a context, in its order
 * (depth-first, names in byte order): a directory appears when it matches or,
 * lazily, before the first entry below it that does. This is what the client
 * sends to BuildKit. Throws IgnorePatternError for invalid patterns.
 */
export function walkContext(entries: readonly ContextEntry[], filter: ContextFilter = {}): ContextEntry[] {
  const tree = buildTree(entries);
  let includePatterns = filter.include === undefined ? undefined : [...filter.include];
  if (filter.followPaths !== undefined) {
    const targets = followLinks(treeLinks(tree.lookup), filter.followPaths);
    if (targets !== undefined) includePatterns = dedupePaths([...(includePatterns ?? []), ...targets]);
  }
  const include = includePatterns !== undefined && includePatterns.length > 0 ? createIgnoreMatcher(includePatterns) : undefined;
  const exclude = filter.exclude !== undefined && filter.exclude.length > 0 ? createIgnoreMatcher(filter.exclude) : undefined;
  const patternChars = /[*[\]?^\\]/;
  const onlyPrefixIncludes =
    include === undefined || include.patterns.every((p) => p.exception || !patternChars.test(withoutTrailingGlob(p.pattern)));
  const onlyPrefixExceptions =
    exclude === undefined || exclude.patterns.every((p) => !p.exception || !patternChars.test(withoutTrailingGlob(p.pattern)));
  const anyPatternUnder = (matcher: IgnoreMatcher, exceptions: boolean, dir: string): boolean =>
    matcher.patterns.some((p) => p.exception === exceptions && `${withoutTrailingGlob(p.pattern)}/`.startsWith(`${dir}/`));

  const out: ContextEntry[] = [];
  interface VisitedDir {
    readonly node: TreeNode;
    readonly includeResults: ParentMatchResults | undefined;
    readonly excludeResults: ParentMatchResults | undefined;
    emitted: boolean;
  }
  const visit = (node: TreeNode, ancestors: readonly VisitedDir[]): void => {
    const parent = ancestors[ancestors.length - 1];
    const isDir = node.type === 'dir';
    let skip = false;
    let includeResults: ParentMatchResults | undefined;
    let excludeResults: ParentMatchResults | undefined;
    if (include !== undefined) {
      const result = include.matchesUsingParentResults(node.path, parent?.includeResults);
      includeResults = result.results;
      if (!result.matched) {
        if (isDir && onlyPrefixIncludes && !anyPatternUnder(include, false, node.path)) return;
        skip = true;
      }
    }
    if (exclude !== undefined) {
      const result = exclude.matchesUsingParentResults(node.path, parent?.excludeResults);
      excludeResults = result.results;
      if (result.matched) {
        if (isDir && onlyPrefixExceptions && (!exclude.hasExceptions || !anyPatternUnder(exclude, true, node.path))) return;
        skip = true;
      }
    }
    const self: VisitedDir = { node, includeResults, excludeResults, emitted: false };
    if (!skip) {
      for (const ancestor of ancestors) {
        if (ancestor.emitted) continue;
        out.push(toEntry(ancestor.node));
        ancestor.emitted = true;
      }
      out.push(toEntry(node));
      self.emitted = true;
    }
    if (isDir) for (const child of node.children) visit(child, [...ancestors, self]);
  };
  for (const child of tree.root.children) visit(child, []);
  return out;
}

/**
 * The files of a context that BuildKit receives under `filter`, in walk order.
 * `paths` are the context's file paths; their directories are implied.
 */
export function filterContextFiles(paths: readonly string[], filter: ContextFilter = {}): string[] {
  return walkContext(
    paths.map((path) => ({ path, type: 'file' as const })),
    filter,
  )
    .filter((entry) => entry.type === 'file')
    .map((entry) => entry.path);
}

// ---------------------------------------------------------------------------

interface TreeNode {
  readonly path: string;
  readonly name: string;
  type: ContextEntry['type'];
  linkTarget: string | undefined;
  readonly children: TreeNode[];
}

function buildTree(entries: readonly ContextEntry[]): { root: TreeNode; lookup: (path: string) => TreeNode | undefined } {
  const root: TreeNode = { path: '.', name: '.', type: 'dir', linkTarget: undefined, children: [] };
  const nodes = new Map<string, TreeNode>([['.', root]]);
  const ensure = (path: string): TreeNode => {
    const existing = nodes.get(path);
    if (existing !== undefined) return existing;
    const slash = path.lastIndexOf('/');
    const parent = ensure(slash < 0 ? '.' : path.slice(0, slash));
    parent.type = 'dir';
    const node: TreeNode = { path, name: path.slice(slash + 1), type: 'dir', linkTarget: undefined, children: [] };
    parent.children.push(node);
    nodes.set(path, node);
    return node;
  };
  for (const entry of entries) {
    const node = ensure(cleanSlashPath(entry.path));
    if (node.children.length === 0) node.type = entry.type;
    node.linkTarget = entry.linkTarget;
  }
  const sort = (node: TreeNode): void => {
    node.children.sort((a, b) => compareBytes(a.name, b.name));
    node.children.forEach(sort);
  };
  sort(root);
  return { root, lookup: (path) => nodes.get(path) };
}

/** The tree's symlinks as followLinks looks them up. */
function treeLinks(lookup: (path: string) => TreeNode | undefined): LinkLookup {
  return {
    target: (path) => {
      const node = lookup(path);
      return node?.type === 'symlink' ? (node.linkTarget ?? '') : undefined;
    },
    linksIn: (dir) => (lookup(dir)?.children ?? []).filter((child) => child.type === 'symlink').map((child) => child.name),
  };
}

function toEntry(node: TreeNode): ContextEntry {
  return node.type === 'symlink'
    ? { path: node.path, type: 'symlink', linkTarget: node.linkTarget ?? '' }
    : { path: node.path, type: node.type };
}

/** fsutil's splitWildcards on a rooted clean path: the elements before the first wildcard element, and the rest. */
export function splitWildcards(path: string): { literal: string; glob: string } {
  const elements = path.split('/').map((element) => (element === '' ? '/' : element));
  const first = elements.findIndex(containsWildcards);
  const literal = first < 0 ? elements : elements.slice(0, first);
  const glob = first < 0 ? [] : elements.slice(first);
  return { literal: goJoin(...literal), glob: glob.length === 0 ? '' : goJoin(...glob) };
}

/** The leading elements of `pattern` without any character of `special`, joined. */
function literalPrefix(pattern: string, special: RegExp): string {
  const elements = pattern.split('/');
  const first = elements.findIndex((element) => special.test(element));
  return (first < 0 ? elements : elements.slice(0, first)).join('/');
}

function withoutTrailingGlob(pattern: string): string {
  if (pattern.endsWith('/**')) return pattern.slice(0, -3);
  if (pattern.endsWith('/*')) return pattern.slice(0, -2);
  return pattern;
}

/** `path` relative to the directory `base` (`''` = context root), or undefined when outside it. */
function relativeTo(base: string, path: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : undefined;
}
