/**
 * The engine state for the UI: the UI subscribes to the store like any other
 * subscriber, and re-renders at most once per interval (default 50 ms)
 * however many actions arrive.
 */
import { useCallback } from 'react';
import type { EngineState } from '../../core/state/engine-state.js';
import type { Store } from '../../engine/store.js';
import { useThrottled } from './use-throttled.js';

/** The store's state, refreshed at most every `intervalMs`. */
export function useEngineState(store: Store, intervalMs = 50): EngineState {
  const subscribe = useCallback((listener: () => void) => store.subscribe({ onChange: listener }), [store]);
  const read = useCallback(() => store.getState(), [store]);
  return useThrottled(subscribe, read, intervalMs);
}
