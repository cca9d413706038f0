/** "Did you mean …?" for names the user typed: stage names, environments, services. */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `name` (case-insensitive, not equal to it) within one
 * edit, or two for names of six letters or more (`buidler` → `builder`); ties go
 * to the alphabetically first. Undefined when nothing is that close.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const allowed = lower.length >= 6 ? 2 : 1;
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of [...candidates].sort()) {
    if (candidate.toLowerCase() === lower) continue;
    const score = isTransposition(candidate.toLowerCase(), lower) ? 1 : distance(candidate.toLowerCase(), lower);
    if (score <= allowed && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

/** `did you mean 'x'? ` when there is a close name, else the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closestName(name, candidates);
  return close === undefined ? '' : `did you mean '${close}'? `;
}

/** True when `b` is `a` with two neighbouring letters swapped (`plna` for `plan`): one typo, not two. */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}
