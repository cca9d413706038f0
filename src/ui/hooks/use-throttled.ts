/**
 * A value read from a fast-changing source at most once per `intervalMs`: the
 * source says "changed" as often as it likes (the store can dispatch thousands
 * of actions a second, logs arrive by the thousand), and the component
 * re-renders on the trailing edge of each interval with the newest value.
 */
import { useEffect, useState } from 'react';

/** `subscribe(listener)` returns the unsubscribe; `read()` gives the current value. */
export function useThrottled<T>(subscribe: (listener: () => void) => () => void, read: () => T, intervalMs: number): T {
  const [value, setValue] = useState(read);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const flush = () => {
      timer = undefined;
      last = Date.now();
      setValue(read);
    };
    const unsubscribe = subscribe(() => {
      if (timer === undefined) timer = setTimeout(flush, Math.max(0, intervalMs - (Date.now() - last)));
    });
    // It may have changed between the first render and this effect.
    flush();
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [subscribe, read, intervalMs]);
  return value;
}
