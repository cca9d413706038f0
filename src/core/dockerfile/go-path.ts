/**
 * The few Go path and wildcard helpers that BuildKit's file operations and
 * fsutil's walk are written with, so that code ported from them reads alike.
 * Pure.
 */
import { cleanSlashPath, matchGlob } from './dockerignore.js';

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
