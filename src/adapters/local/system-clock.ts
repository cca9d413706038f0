/** The Clock port on the process's own clock and timers. */
import type { Clock, TimerId } from '../../ports/clock.js';

/** The real clock: `Date.now()` and Node's timers (which keep the process alive while pending, like any timer). */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)) as unknown as TimerId,
    clearTimeout: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
  } satisfies Clock;
}
