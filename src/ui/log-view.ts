/**
 * The log pane as data: which lines show for the scroll position, cut to the
 * pane's width, with the search matches marked as segments (so a terminal can
 * highlight them and a test can read them). Pure.
 */
import type { LogEntry } from '../engine/log-buffer.js';
import { ellipsize } from './text/fit-width.js';

/** A piece of a shown line; `match` pieces are the search hits. */
export interface LogSegment {
  readonly text: string;
  readonly match: boolean;
}

/** One shown line: the text part after the prefix (time, service) is in `segments`. */
export interface LogViewLine {
  readonly seq: number;
  readonly service: string;
  readonly stream: 'stdout' | 'stderr';
  readonly time: number;
  readonly segments: readonly LogSegment[];
  readonly hasMatch: boolean;
  /** The match `n`/`N` jumped to. */
  readonly isCurrent: boolean;
}

/** What the pane shows, and what keys need to scroll and jump. */
export interface LogView {
  readonly lines: readonly LogViewLine[];
  /** Seqs of every line in view order (after the filter). */
  readonly seqs: readonly number[];
  /** Seqs of the lines that match, oldest first. */
  readonly matches: readonly number[];
  readonly following: boolean;
  /** Lines above and below the shown ones. */
  readonly above: number;
  readonly below: number;
}

/** How to cut the lines. */
export interface LogViewOptions {
  readonly query: string;
  readonly filterOnly: boolean;
  readonly anchor: number | undefined;
  readonly current: number | undefined;
  readonly height: number;
  /** Characters available for the text of a line (after its prefix). */
  readonly width: number;
}

/** Cuts the entries (oldest first) into the pane. Matching ignores case. */
export function logView(entries: readonly LogEntry[], options: LogViewOptions): LogView {
  const needle = options.query.toLowerCase();
  const matchesLine = (entry: LogEntry) => needle !== '' && entry.text.toLowerCase().includes(needle);
  const shown = options.filterOnly && needle !== '' ? entries.filter(matchesLine) : entries;
  const seqs = shown.map((e) => e.seq);
  const matches = needle === '' ? [] : (options.filterOnly ? shown : shown.filter(matchesLine)).map((e) => e.seq);
  const height = Math.max(0, options.height);
  const bottom = options.anchor === undefined ? shown.length - 1 : lastAtOrBefore(seqs, options.anchor);
  const end = Math.max(Math.min(shown.length, height), bottom + 1);
  const start = Math.max(0, end - height);
  const matchSet = new Set(matches);
  const lines = shown.slice(start, end).map((entry) => {
    const text = ellipsize(entry.text, Math.max(0, options.width));
    return {
      seq: entry.seq,
      service: entry.service,
      stream: entry.stream,
      time: entry.time,
      segments: segmentsOf(text, needle),
      hasMatch: matchSet.has(entry.seq),
      isCurrent: entry.seq === options.current,
    };
  });
  return { lines, seqs, matches, following: end >= shown.length, above: start, below: shown.length - end };
}

/** The text split into plain and matching pieces (case-insensitive), in order. */
export function segmentsOf(text: string, needle: string): LogSegment[] {
  if (needle === '') return text === '' ? [] : [{ text, match: false }];
  const lower = text.toLowerCase();
  const segments: LogSegment[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
    if (at > from) segments.push({ text: text.slice(from, at), match: false });
    segments.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) segments.push({ text: text.slice(from), match: false });
  return segments;
}

/** The index of the last of the ascending `seqs` at or before `anchor`; -1 when all are after it (binary search). */
export function lastAtOrBefore(seqs: readonly number[], anchor: number): number {
  let low = 0;
  let high = seqs.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (seqs[mid]! <= anchor) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
