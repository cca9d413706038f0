/**
 * One ordering and one shape check for the whole code base. Output must be the
 * same on every machine and locale, so strings compare by code unit, never by
 * `localeCompare`.
 */

/** Byte-wise (code unit) string order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A record's entries sorted by key with `compareStrings`. */
export function sortedEntries<T>(record: Readonly<Record<string, T>>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => compareStrings(a, b));
}

/** A plain object (not null, not an array): what a JSON or YAML mapping parses to. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
