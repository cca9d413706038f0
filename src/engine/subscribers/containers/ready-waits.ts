/**
 * The end of a wait on a starting container: a service served first holds the
 * others back while its healthcheck says `starting` (`core/state/priority.ts`),
 * but not for longer than READY_WAIT_MS on the Clock (a default healthcheck
 * answers only after 30 s). Then `readyWaitEnded` lets the others go.
 */
import type { EngineAction } from '../../../core/state/actions.js';
import type { EngineState } from '../../../core/state/engine-state.js';
import { READY_WAIT_MS, startingContainer } from '../../../core/state/priority.js';
import type { Clock, TimerId } from '../../../ports/clock.js';

/** Times each starting container once; `forget` drops the timers (the run stops). */
export interface ReadyWaits {
  observe(state: EngineState): void;
  forget(): void;
}

/** Creates the timers of one run. */
export function createReadyWaits(clock: Clock, dispatch: (action: EngineAction) => void): ReadyWaits {
  const timers = new Map<string, TimerId>();
  return {
    observe(state) {
      for (const name of Object.keys(state.services)) {
        const containerId = startingContainer(state, name);
        if (containerId === undefined || timers.has(containerId)) continue;
        timers.set(
          containerId,
          clock.setTimeout(() => dispatch({ type: 'readyWaitEnded', service: name, containerId, at: clock.now() }), READY_WAIT_MS),
        );
      }
    },
    forget() {
      for (const timer of timers.values()) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
