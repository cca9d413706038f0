/** The log buffer's version for the UI: a re-render at most once per interval while lines pour in. */
import { useCallback } from 'react';
import type { LogBuffer } from '../../engine/log-buffer.js';
import { useThrottled } from './use-throttled.js';

/** The buffer's version (the newest line's seq), refreshed at most every `intervalMs`. */
export function useLogVersion(buffer: LogBuffer, intervalMs = 50): number {
  const subscribe = useCallback((listener: () => void) => buffer.subscribe(listener), [buffer]);
  const read = useCallback(() => buffer.version, [buffer]);
  return useThrottled(subscribe, read, intervalMs);
}
