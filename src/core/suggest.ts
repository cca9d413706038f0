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
  return suggestion(closestName(name, candidates));
}

/** `did you mean 'prod'? ` for `production` where the project has `prod` (see closestEnvironment), else the empty string. */
export function didYouMeanEnvironment(name: string, known: readonly string[]): string {
  return suggestion(closestEnvironment(name, known));
}

function suggestion(close: string | undefined): string {
  return close === undefined ? '' : `did you mean '${close}'? `;
}

/**
 * Spellings of one environment that projects use interchangeably: `-e production` where the project calls it `prod`.
 * Each group is one environment; a name in a group (or one typo away from one) suggests the group's name the project has.
 */
const ENVIRONMENT_ALIASES: readonly (readonly string[])[] = [
  ['dev', 'develop', 'development', 'devel'],
  ['prod', 'production', 'prd'],
  ['staging', 'stage', 'stg'],
  ['test', 'testing'],
  ['ci', 'continuous-integration'],
];

/**
 * The environment of `known` that `name` most likely means: the closest name (`prdo` → `prod`), else one of the same
 * alias group (`production` → `prod`, `stage` → `staging`), only ever a name in `known`.
 */
export function closestEnvironment(name: string, known: readonly string[]): string | undefined {
  const close = closestName(name, known);
  if (close !== undefined) return close;
  const lower = name.toLowerCase();
  for (const group of ENVIRONMENT_ALIASES) {
    if (!group.includes(lower) && closestName(lower, group) === undefined) continue;
    const existing = known.filter((candidate) => candidate.toLowerCase() !== lower && group.includes(candidate.toLowerCase())).sort();
    if (existing[0] !== undefined) return existing[0];
  }
  return undefined;
}

/** True when `b` is `a` with two neighbouring letters swapped (`plna` for `plan`): one typo, not two. */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}
