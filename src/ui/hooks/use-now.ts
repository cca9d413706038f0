/** The time, ticking once per interval, so ages on screen (`built 4s ago`) move without an engine event. */
import { useEffect, useState } from 'react';

/** `now()` read every `intervalMs` (default 1 s). */
export function useNow(now: () => number, intervalMs = 1_000): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setTime(now()), intervalMs);
    return () => clearInterval(timer);
  }, [now, intervalMs]);
  return time;
}
