/**
 * Time as a port: code that waits (debouncing, coalescing file events, retry
 * delays) takes a Clock, so unit tests advance a fake clock instead of sleeping.
 */

declare const timerIdBrand: unique symbol;

/** A pending timer, as handed out by `Clock.setTimeout`; opaque so no caller relies on Node's Timeout object. */
export type TimerId = { readonly [timerIdBrand]: true };

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch (what `Date.now()` returns). */
  now(): number;
  /** Calls `fn` once, after `ms` milliseconds (0 or less: as soon as possible, never synchronously). */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a pending timer; a timer that already fired or was cleared is ignored. */
  clearTimeout(id: TimerId): void;
}
