/**
 * `.dockerignore` semantics as BuildKit applies them when it sends the build
 * context: the reader of moby/patternmatcher's `ignorefile`, its pattern
 * matcher (patterns become Go regular expressions; `**` spans directories; a
 * pattern that matches a directory excludes everything below it; the last
 * matching pattern wins and `!` re-includes) and the walk of
 * tonistiigi/fsutil, which evaluates patterns directory by directory.
 * Written from the upstream behaviour and its tests; see
 * docs/decisions/dockerignore.md for why this is not a library.
 * Pure: text and paths in, answers out. Paths are relative and slash-separated.
 */
import { DockstageError } from '../errors.js';
import { cleanSlashPath, matchGlob } from './go-path.js';
import { translateGoRegexp } from './go-regexp.js';

/** A pattern BuildKit would refuse; `pattern` is the text as written. */
export class IgnorePatternError extends DockstageError {
  readonly pattern: string;

  constructor(pattern: string, reason: string) {
    super(`${JSON.stringify(pattern)} is not a valid pattern: ${reason}`, {
      hint: 'patterns use Go filepath.Match syntax (*, ?, [a-z], [^a-z], \\ escapes) plus ** for any number of directories; escape a literal [ ] - or \\ with a backslash',
      exitCode: 2,
    });
    this.pattern = pattern;
  }
}

/** A cleaned pattern: `pattern` has its `!` removed and `exception` records it. */
export interface IgnorePattern {
  readonly pattern: string;
  readonly exception: boolean;
}

/**
 * Per-pattern results for a directory, handed to its children by
 * `matchesUsingParentResults` (patternmatcher's MatchInfo).
 */
export type ParentMatchResults = readonly boolean[];

/** A compiled pattern list with the three evaluation orders upstream offers. */
export interface IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** True when some pattern is a `!` exception. */
  readonly hasExceptions: boolean;
  /**
   * Whether BuildKit leaves `path` out of the build context. This is the walk's
   * evaluation (each ancestor directory first, results handed down), which is
   * what fsutil does when it sends the context; it differs from
   * `matchesOrParentMatches` only for some pattern lists with exceptions.
   * `path` is a clean relative path such as `src/app.js`.
   * Throws IgnorePatternError when it reaches a pattern that Go cannot compile.
   */
  excludes(path: string): boolean;
  /** patternmatcher's `MatchesOrParentMatches`: `path` or any parent directory matches. */
  matchesOrParentMatches(path: string): boolean;
  /** patternmatcher's `MatchesUsingParentResults`: one step of the walk. */
  matchesUsingParentResults(path: string, parent?: ParentMatchResults): { matched: boolean; results: ParentMatchResults };
  /**
   * The deprecated package-level `Matches(path, patterns)`: cleans `path`, never
   * matches `.`, and checks only one parent level. Kept for conformance.
   */
  matches(path: string): boolean;
}

/**
 * Reads `.dockerignore` text into patterns the way `ignorefile.ReadAll` does:
 * a leading BOM is dropped, lines starting with `#` are comments (checked before
 * trimming), whitespace is trimmed, blank lines go, each pattern is cleaned with
 * a leading `/` removed, and `!` stays in front. Does not validate; compile the
 * result with `createIgnoreMatcher`.
 */
export function parseDockerignore(text: string): string[] {
  const lines = text.split('\n');
  if (text.endsWith('\n') || text === '') lines.pop();
  const patterns: string[] = [];
  lines.forEach((rawLine, index) => {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = trimGoSpace(line);
    if (pattern === '') return;
    const exception = pattern.startsWith('!');
    if (exception) pattern = trimGoSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanSlashPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(exception ? `!${pattern}` : pattern);
  });
  return patterns;
}

/**
 * Compiles patterns with patternmatcher's rules (`New`): each is trimmed and
 * cleaned, blank ones are dropped, `!` marks an exception, and the syntax is
 * checked with Go's filepath.Match. Throws IgnorePatternError for a lone `!` or
 * malformed syntax. A pattern that is valid filepath.Match syntax but not a
 * valid Go regular expression (a reversed range such as `[z-a]`) is accepted
 * here and throws when first evaluated, exactly as BuildKit fails mid-walk.
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled: CompiledPattern[] = [];
  for (const raw of patterns) {
    let pattern = trimGoSpace(raw);
    if (pattern === '') continue;
    pattern = cleanSlashPath(pattern);
    const exception = pattern.startsWith('!');
    if (exception) {
      if (pattern.length === 1) throw new IgnorePatternError(raw, 'a lone "!" excepts nothing; write the path to re-include after it');
      pattern = pattern.slice(1);
    }
    try {
      matchGlob(pattern, '.');
    } catch (error) {
      throw new IgnorePatternError(raw, (error as Error).message);
    }
    compiled.push({ raw, pattern, exception, depth: pattern.split('/').length, test: compilePattern(pattern) });
  }
  return new PatternList(compiled);
}

// ---------------------------------------------------------------------------
// Pattern list: the evaluation orders of patternmatcher.

/** How many directories' results a pattern list remembers (see PatternList#dirResults). */
const DIR_MEMORY = 20_000;

interface CompiledPattern extends IgnorePattern {
  readonly raw: string;
  /** Number of path elements, for the legacy single-parent check. */
  readonly depth: number;
  readonly test: PatternTest;
}

type PatternTest = ((path: string) => boolean) | { readonly invalid: string };

class PatternList implements IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  readonly hasExceptions: boolean;
  readonly #compiled: readonly CompiledPattern[];
  readonly #dirs = new Map<string, ParentMatchResults>();

  constructor(compiled: readonly CompiledPattern[]) {
    this.#compiled = compiled;
    this.patterns = compiled.map(({ pattern, exception }) => ({ pattern, exception }));
    this.hasExceptions = compiled.some((p) => p.exception);
  }

  excludes(path: string): boolean {
    // The deepest of ancestorDirs(path) is dirOf(path): look it up before building the whole chain.
    const deepest = dirOf(path);
    let parent = deepest === '.' ? undefined : this.#dirs.get(deepest);
    if (deepest !== '.' && parent === undefined) {
      for (const ancestor of ancestorDirs(path)) parent = this.#remember(ancestor, parent);
    }
    if (parent === undefined) return this.matchesUsingParentResults(path, parent).matched;
    // matchesUsingParentResults with known parent results, without building the path's own results.
    let matched = false;
    this.#compiled.forEach((pattern, index) => {
      if (parent[index] === true) matched = !pattern.exception;
      else if (pattern.exception === matched && evaluate(pattern, path)) matched = !pattern.exception;
    });
    return matched;
  }

  /**
   * A directory's results given its parent's, remembered per directory: a batch of thousands of paths shares a few
   * hundred directories. The chain to a directory is its own prefixes, so the results depend on the directory alone.
   * Bounded: the memory is dropped once it holds DIR_MEMORY directories.
   */
  #remember(dir: string, parent: ParentMatchResults | undefined): ParentMatchResults {
    const known = this.#dirs.get(dir);
    if (known !== undefined) return known;
    const { results } = this.matchesUsingParentResults(dir, parent);
    if (this.#dirs.size >= DIR_MEMORY) this.#dirs.clear();
    this.#dirs.set(dir, results);
    return results;
  }

  matchesOrParentMatches(path: string): boolean {
    const parents = ancestorDirs(path);
    let matched = false;
    for (const pattern of this.#compiled) {
      if (pattern.exception !== matched) continue;
      let match = evaluate(pattern, path);
      if (!match) match = parents.some((parent) => evaluate(pattern, parent));
      if (match) matched = !pattern.exception;
    }
    return matched;
  }

  matchesUsingParentResults(path: string, parent?: ParentMatchResults): { matched: boolean; results: ParentMatchResults } {
    const known = parent !== undefined && parent.length > 0;
    if (known && parent.length !== this.#compiled.length) throw new Error('parent results come from a different pattern list');
    let matched = false;
    const results = this.#compiled.map((pattern, index) => {
      let match = known && parent[index] === true;
      if (!match) {
        if (pattern.exception !== matched) return false;
        match = evaluate(pattern, path);
        if (!match && !known) match = ancestorDirs(path).some((dir) => evaluate(pattern, dir));
      }
      if (match) matched = !pattern.exception;
      return match;
    });
    return { matched, results };
  }

  matches(path: string): boolean {
    const file = cleanSlashPath(path);
    if (file === '.') return false;
    const parentPath = dirOf(file);
    const parentDirs = parentPath.split('/');
    let matched = false;
    for (const pattern of this.#compiled) {
      if (pattern.exception !== matched) continue;
      let match = evaluate(pattern, file);
      if (!match && parentPath !== '.' && pattern.depth <= parentDirs.length) {
        match = evaluate(pattern, parentDirs.slice(0, pattern.depth).join('/'));
      }
      if (match) matched = !pattern.exception;
    }
    return matched;
  }
}

function evaluate(pattern: CompiledPattern, path: string): boolean {
  if (typeof pattern.test !== 'function') throw new IgnorePatternError(pattern.raw, pattern.test.invalid);
  return pattern.test(path);
}

/** `a`, `a/b` for `a/b/c`: the prefixes of Go's `filepath.Dir(path)`, none when it is `.`. */
function ancestorDirs(path: string): string[] {
  const parentPath = dirOf(path);
  if (parentPath === '.') return [];
  const elements = parentPath.split('/');
  return elements.map((_, index) => elements.slice(0, index + 1).join('/'));
}

/** Go's `filepath.Dir`. */
function dirOf(path: string): string {
  // Clean(path[:i+1]) in Go; without the slash it cleans the same (bar the root), and a clean path skips the work.
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? (slash === 0 ? '/' : '.') : cleanSlashPath(path.slice(0, slash));
}

/** Go's `strings.TrimSpace` (unicode.IsSpace), which differs from String#trim at U+0085 and U+FEFF. */
function trimGoSpace(text: string): string {
  return text.replace(
    /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+|[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$/g,
    '',
  );
}

// ---------------------------------------------------------------------------
// Pattern compilation: patternmatcher turns a pattern into an exact, prefix or
// suffix comparison or into a Go regular expression; the expression text is
// built the same way and then translated from Go (RE2) syntax to JavaScript.

function compilePattern(pattern: string): PatternTest {
  const chars = Array.from(pattern);
  let source = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let at = 0;
  for (let step = 0; at < chars.length; step++) {
    const ch = chars[at++]!;
    if (ch === '*' && chars[at] === '*') {
      at++;
      if (chars[at] === '/') at++;
      if (at >= chars.length) {
        if (kind === 'exact') kind = 'prefix';
        else {
          source += '.*';
          kind = 'regexp';
        }
      } else {
        source += '(.*/)?';
        kind = 'regexp';
      }
      if (step === 0) kind = 'suffix';
    } else if (ch === '*') {
      source += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      source += '[^/]';
      kind = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      source += `\\${ch}`;
    } else if (ch === '\\') {
      if (at < chars.length) {
        source += `\\${chars[at++]!}`;
        kind = 'regexp';
      } else source += '\\';
    } else if (ch === '[' || ch === ']') {
      source += ch;
      kind = 'regexp';
    } else source += ch;
  }
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      let regexp: RegExp;
      try {
        regexp = translateGoRegexp(`${source}$`);
      } catch (error) {
        return { invalid: (error as Error).message };
      }
      const tokens = wildcardTokens(chars);
      if (tokens === undefined) return (path) => regexp.test(path);
      const basename = basenameSuffix(tokens);
      if (basename !== undefined) return basename;
      // The literal characters before the first wildcard and after the last must begin and end any match: most paths
      // fail that test, and it costs far less than running the matcher.
      const head = literalRun(tokens, 'head');
      const tail = literalRun(tokens, 'tail');
      return (path) =>
        path.length >= head.length + tail.length && path.startsWith(head) && path.endsWith(tail) && matchWildcards(tokens, path);
    }
  }
}

// ---------------------------------------------------------------------------
// Linear-time matching. Go runs patternmatcher's expressions on RE2, which never
// backtracks; JavaScript's engine does, and `**/**/**/x` or `*a*a*a*b` against a
// deep path takes minutes. A pattern made only of literal characters, `?`, `*`
// and `**` (nearly every real one) is matched here by simulating all positions
// at once instead; one with classes or escapes keeps the translated expression.

type WildcardToken =
  | { readonly kind: 'char'; readonly char: string }
  /** `?` → `[^/]` */
  | { readonly kind: 'one' }
  /** `*` → `[^/]*` */
  | { readonly kind: 'star' }
  /** `**` at the end → `.*` (no newline, like Go's `.`) */
  | { readonly kind: 'any' }
  /** `**` (or `**` and a slash) before more pattern: an optional run of directories ending in a slash */
  | { readonly kind: 'dirs' };

/** The pattern as wildcard tokens, following compilePattern's translation; undefined when it holds `[`, `]`, `\\` or `^`. */
function wildcardTokens(chars: readonly string[]): WildcardToken[] | undefined {
  if (chars.some((ch) => ch === '[' || ch === ']' || ch === '\\' || ch === '^')) return undefined;
  const tokens: WildcardToken[] = [];
  let at = 0;
  while (at < chars.length) {
    const ch = chars[at++]!;
    if (ch === '*' && chars[at] === '*') {
      at++;
      if (chars[at] === '/') at++;
      tokens.push({ kind: at >= chars.length ? 'any' : 'dirs' });
    } else if (ch === '*') tokens.push({ kind: 'star' });
    else if (ch === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char: ch });
  }
  return tokens;
}

/**
 * `*.md` and `**\/*.md` (the commonest patterns of all): a name ending in the literal tail, alone or (after `**`)
 * below any directories whose names hold no line break (Go's `.` stops there). Matched without the simulation;
 * undefined for any other shape.
 */
function basenameSuffix(tokens: readonly WildcardToken[]): ((path: string) => boolean) | undefined {
  const anyDirs = tokens[0]?.kind === 'dirs';
  const rest = anyDirs ? tokens.slice(1) : tokens;
  if (rest[0]?.kind !== 'star' || rest.slice(1).some((token) => token.kind !== 'char' || token.char === '/')) return undefined;
  const tail = rest
    .slice(1)
    .map((token) => (token.kind === 'char' ? token.char : ''))
    .join('');
  return (path) => {
    const slash = path.lastIndexOf('/');
    if (slash >= 0 && (!anyDirs || path.lastIndexOf('\n', slash) >= 0)) return false;
    return path.length - slash - 1 >= tail.length && path.endsWith(tail);
  };
}

/** The characters of the `char` tokens at the start (head) or end (tail) of `tokens`, up to the nearest wildcard. */
function literalRun(tokens: readonly WildcardToken[], end: 'head' | 'tail'): string {
  let run = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[end === 'head' ? i : tokens.length - 1 - i]!;
    if (token.kind !== 'char') break;
    run = end === 'head' ? run + token.char : token.char + run;
  }
  return run;
}

/**
 * Whether the tokens match all of `path` (code points, as the `u` regexp would).
 * States are token indexes (`tokens.length` accepts) plus, for a `dirs` token at
 * i, the state `-(i + 1)`: inside its `.*` and waiting for the `/` that ends it.
 */
function matchWildcards(tokens: readonly WildcardToken[], path: string): boolean {
  const end = tokens.length;
  // State s ≥ 0 lives at slot s, state -(i + 1) at slot end + i + 1. A slot is in a list when its stamp is the list's.
  const slots = 2 * end + 2;
  const stamps = new Uint32Array(slots);
  let stamp = 1;
  let current = new Int32Array(slots);
  let next = new Int32Array(slots);
  let currentCount = 0;
  let nextCount = 0;
  const add = (state: number) => {
    const slot = state >= 0 ? state : end - state;
    if (stamps[slot] === stamp) return;
    stamps[slot] = stamp;
    next[nextCount++] = state;
  };
  /** Adds what the listed states reach without reading a character (the list grows while it is walked). */
  const close = () => {
    for (let i = 0; i < nextCount; i++) {
      const state = next[i]!;
      const token = state >= 0 ? tokens[state] : undefined;
      if (token === undefined || token.kind === 'char' || token.kind === 'one') continue;
      add(state + 1);
      if (token.kind === 'dirs') add(-(state + 1));
    }
  };
  /** The list built becomes the current one, and the next starts empty. */
  const swap = () => {
    const list = current;
    current = next;
    next = list;
    currentCount = nextCount;
    nextCount = 0;
  };
  add(0);
  close();
  swap();
  for (const ch of path) {
    stamp++;
    for (let i = 0; i < currentCount; i++) {
      const state = current[i]!;
      if (state < 0) {
        if (ch !== '\n') add(state);
        if (ch === '/') add(-state);
        continue;
      }
      const token = tokens[state];
      if (token === undefined) continue;
      if (token.kind === 'char' ? ch === token.char : token.kind === 'one' ? ch !== '/' : false) add(state + 1);
      else if (token.kind === 'star' && ch !== '/') add(state);
      else if (token.kind === 'any' && ch !== '\n') add(state);
    }
    if (nextCount === 0) return false;
    close();
    swap();
  }
  for (let i = 0; i < currentCount; i++) if (current[i] === end) return true;
  return false;
}
