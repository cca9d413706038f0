/**
 * The Go path and wildcard helpers that BuildKit's file operations, fsutil's
 * walk and patternmatcher are written with (`path.Clean`, `filepath.Match`,
 * `filepath.Join`), so that code ported from them reads alike. Pure.
 */

/** fsutil's containsWildcards: `*`, `?` or `[` not escaped by a backslash. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** `a/b` without doubling or leading slashes when either is empty (`''` is the root). */
export function joinPath(a: string, b: string): string {
  if (a === '') return b;
  return b === '' ? a : `${a}/${b}`;
}

/** Go's filepath.Join: non-empty elements joined by `/`, cleaned; `''` when all are empty. */
export function goJoin(...elements: string[]): string {
  const kept = elements.filter((element) => element !== '');
  return kept.length === 0 ? '' : cleanSlashPath(kept.join('/'));
}

/** Go's filepath.Match, false for a malformed pattern (BuildKit then matches nothing). */
export function safeMatch(pattern: string, name: string): boolean {
  try {
    return matchGlob(pattern, name);
  } catch {
    return false;
  }
}

/** Byte order of the UTF-8 encodings, which is code point order (Go's string comparison). */
export function compareBytes(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** A path element that `cleanSlashPath` would change: `.` or `..`, an empty one (`//`), or a trailing slash. */
const UNCLEAN = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|[^]\/$/;

/**
 * Go's `path.Clean` for slash-separated paths: no empty or `.` elements, `..`
 * resolved lexically (and dropped at the root), no trailing slash, `.` for
 * empty. BuildKit cleans patterns and COPY sources this way before matching.
 */
export function cleanSlashPath(path: string): string {
  if (path === '') return '.';
  // Most paths are clean already (no empty, `.` or `..` element, no trailing slash): they come back as they are.
  if (!UNCLEAN.test(path)) return path;
  const rooted = path.startsWith('/');
  const kept: string[] = [];
  for (const element of path.split('/')) {
    if (element === '' || element === '.') continue;
    if (element === '..') {
      if (kept.length > 0 && kept[kept.length - 1] !== '..') kept.pop();
      else if (!rooted) kept.push('..');
      continue;
    }
    kept.push(element);
  }
  const joined = kept.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/**
 * Go's `filepath.Match` on Linux: `*` and `?` never match `/`, `[...]` classes
 * with ranges and `^` negation, `\` escapes. Malformed patterns throw an Error
 * whose message says what is wrong, even when the name fails to match earlier
 * (as Go does since 1.16). BuildKit uses it for COPY wildcards and to validate
 * ignore patterns.
 */
export function matchGlob(pattern: string, name: string): boolean {
  let rest = Array.from(pattern);
  let remaining = Array.from(name);
  chunks: while (rest.length > 0) {
    const { star, chunk, after } = scanChunk(rest);
    rest = after;
    if (star && chunk.length === 0) return !remaining.includes('/');
    const matched = matchChunk(chunk, remaining);
    if (matched !== undefined && (matched.length === 0 || rest.length > 0)) {
      remaining = matched;
      continue;
    }
    if (star) {
      for (let i = 0; i < remaining.length && remaining[i] !== '/'; i++) {
        const skipped = matchChunk(chunk, remaining.slice(i + 1));
        if (skipped === undefined) continue;
        if (rest.length === 0 && skipped.length > 0) continue;
        remaining = skipped;
        continue chunks;
      }
    }
    while (rest.length > 0) {
      const next = scanChunk(rest);
      rest = next.after;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return remaining.length === 0;
}

// ---------------------------------------------------------------------------
// Go filepath.Match internals. Patterns and names are arrays of code points.

function scanChunk(pattern: readonly string[]): { star: boolean; chunk: string[]; after: string[] } {
  let start = 0;
  while (pattern[start] === '*') start++;
  let inClass = false;
  let end = start;
  scan: for (; end < pattern.length; end++) {
    switch (pattern[end]) {
      case '\\':
        if (end + 1 < pattern.length) end++;
        break;
      case '[':
        inClass = true;
        break;
      case ']':
        inClass = false;
        break;
      case '*':
        if (!inClass) break scan;
    }
  }
  return { star: start > 0, chunk: pattern.slice(start, end), after: pattern.slice(end) };
}

/** The rest of `name` after `chunk` matched its start, or undefined; throws on bad syntax (checked to the end even after a mismatch). */
function matchChunk(chunk: readonly string[], name: readonly string[]): string[] | undefined {
  let failed = false;
  let at = 0;
  let n = 0;
  while (at < chunk.length) {
    if (!failed && n >= name.length) failed = true;
    const ch = chunk[at]!;
    if (ch === '[') {
      const rune = failed ? -1 : name[n++]!.codePointAt(0)!;
      at++;
      const negated = chunk[at] === '^';
      if (negated) at++;
      let inClass = false;
      for (let ranges = 0; ; ranges++) {
        if (chunk[at] === ']' && ranges > 0) {
          at++;
          break;
        }
        const lo = classRune(chunk, at, 'start');
        let hi = lo;
        at = lo.next;
        if (chunk[at] === '-') {
          hi = classRune(chunk, at + 1, 'end');
          at = hi.next;
        }
        if (lo.rune <= rune && rune <= hi.rune) inClass = true;
      }
      if (inClass === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (name[n] === '/') failed = true;
        n++;
      }
      at++;
    } else {
      if (ch === '\\') {
        at++;
        if (at >= chunk.length) throw new Error('a trailing "\\" escapes nothing');
      }
      if (!failed) {
        if (chunk[at] !== name[n]) failed = true;
        n++;
      }
      at++;
    }
  }
  return failed ? undefined : name.slice(n);
}

/** One class character (Go's getEsc); `next` is the index after it. */
function classRune(chunk: readonly string[], at: number, position: 'start' | 'end'): { rune: number; next: number } {
  const ch = chunk[at];
  if (ch === undefined) throw new Error('unterminated character class: "]" is missing');
  if (ch === '-' || ch === ']') {
    throw new Error(
      position === 'start'
        ? `"${ch}" must be escaped (\\${ch}) where a class character is expected`
        : 'a character range needs an end character before "]"',
    );
  }
  let index = at;
  if (ch === '\\') {
    index++;
    if (index >= chunk.length) throw new Error('unterminated character class: "]" is missing');
  }
  const rune = chunk[index]!.codePointAt(0)!;
  if (index + 1 >= chunk.length) throw new Error('unterminated character class: "]" is missing');
  return { rune, next: index + 1 };
}
