/**
 * Turns a stream of changed paths into batches, so one save, a `git checkout`
 * or a code generator writing thousands of files each lead to one plan and one
 * round of builds. A batch closes when no path arrived for `quietMs` (the
 * burst is over) or when `maxMs` passed since its first path (a steady stream
 * still gets served). Time goes through the Clock port.
 */
import { compareStrings } from '../core/order.js';
import type { Clock, TimerId } from '../ports/clock.js';
import type { FileChangeKind } from '../ports/file-watcher.js';

/** Options of `createCoalescer`. */
export interface CoalescerOptions {
  readonly clock: Clock;
  /** Quiet time that closes a batch; default 100 ms. */
  readonly quietMs?: number;
  /** Longest time a batch stays open after its first path; default 2000 ms. */
  readonly maxMs?: number;
  /**
   * Quiet time that closes a batch whose every path `isQuick` accepts (paths live sync may take: syncing a save that
   * came in two batches costs a second small write, not a second build); default `quietMs`.
   */
  readonly quickQuietMs?: number;
  /** Asked once per added path; without it no batch is quick. */
  readonly isQuick?: (path: string) => boolean;
  /**
   * Receives each batch: unique paths, byte-wise sorted, never empty. A path that appeared and vanished within the batch
   * (an editor's temp file: `sed -i` writes `sedXXXXXX` and renames it over the file) is left out. Must not throw.
   */
  readonly onBatch: (paths: string[]) => void;
}

/** A running coalescer. */
export interface Coalescer {
  /**
   * Adds a path to the open batch (opening one if needed); any add, even of a path already pending, restarts the quiet
   * time. `kind` is what the watcher saw (default `change`): a path whose first event in the batch created it and whose
   * last removed it was never there for a build to see, and is dropped when the batch closes.
   */
  add(path: string, kind?: FileChangeKind): void;
  /** Emits the open batch now, if any. */
  flush(): void;
  /** Drops the open batch and cancels its timers; later adds are ignored. */
  dispose(): void;
  /** Unique paths in the open batch. */
  pendingCount(): number;
}

/**
 * A coalescer on `clock`. One timer runs per open batch: it is set for the
 * earlier of the quiet deadline and the cap, and when it fires early because
 * more paths arrived it re-arms for the new deadline, so a burst of 5,000
 * adds costs one timer, not 5,000. A batch of `STORM_PATHS` or more closes
 * after 5 × `quietMs` of quiet (at least `STORM_QUIET_MS`), capped at
 * 10 × `maxMs`: one bulk operation is one batch. A batch of paths that
 * `isQuick` accepts (and fewer than `STORM_PATHS`) closes after
 * `quickQuietMs` instead.
 */
/** A batch this large is a storm (a bulk operation), not an edit. */
export const STORM_PATHS = 100;
/** The least quiet that closes a storm. */
export const STORM_QUIET_MS = 500;

export function createCoalescer(options: CoalescerOptions): Coalescer {
  const { clock, onBatch } = options;
  const quietMs = options.quietMs ?? 100;
  const maxMs = options.maxMs ?? 2000;
  const quickQuietMs = options.quickQuietMs ?? quietMs;
  if (!(quietMs >= 0) || !(maxMs >= 0) || !(quickQuietMs >= 0))
    throw new RangeError('quietMs, maxMs and quickQuietMs must be non-negative numbers');

  /** Per pending path: did it exist before the batch (its first event was no creation), and does it now. */
  let pending = new Map<string, { readonly existedBefore: boolean; exists: boolean }>();
  let openedAt = 0;
  let lastAddAt = 0;
  let timer: TimerId | undefined;
  let disposed = false;
  /** Every path of the open batch is quick. */
  let quick = true;

  // A bulk operation (a checkout, a generator, npm install) arrives as a storm that the watcher delivers over a second
  // or two, with gaps longer than a save's quiet window on a busy machine. Cutting it in two would build twice, so a
  // large batch waits for a longer quiet and is capped only by a much later deadline.
  const storm = (): boolean => pending.size >= STORM_PATHS;
  const deadline = (): number =>
    storm()
      ? Math.min(lastAddAt + Math.max(quietMs * 5, STORM_QUIET_MS), openedAt + maxMs * 10)
      : Math.min(lastAddAt + (quick ? quickQuietMs : quietMs), openedAt + maxMs);

  const arm = (): void => {
    timer = clock.setTimeout(onTimer, deadline() - clock.now());
  };

  const emit = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const paths = [...pending]
      .filter(([, seen]) => seen.existedBefore || seen.exists)
      .map(([path]) => path)
      .sort(compareStrings);
    pending = new Map();
    if (paths.length > 0) onBatch(paths);
  };

  function onTimer(): void {
    timer = undefined;
    if (clock.now() >= deadline()) emit();
    else arm();
  }

  return {
    add(path, kind = 'change') {
      if (disposed) return;
      const now = clock.now();
      if (pending.size === 0) {
        openedAt = now;
        quick = true;
      }
      lastAddAt = now;
      if (quick && !pending.has(path)) quick = options.isQuick?.(path) ?? false;
      const exists = kind !== 'unlink' && kind !== 'unlinkDir';
      const seen = pending.get(path);
      if (seen === undefined) pending.set(path, { existedBefore: kind !== 'add' && kind !== 'addDir', exists });
      else seen.exists = exists;
      if (timer === undefined) arm();
    },
    flush() {
      if (!disposed) emit();
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      pending = new Map();
    },
    pendingCount: () => pending.size,
  };
}
