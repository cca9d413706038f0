/**
 * The engine store: one state, changed only by the reducer, watched by
 * subscribers. `dispatch` applies the action at once (so the next `getState`
 * sees it) and then tells every subscriber; an action dispatched while
 * subscribers are being told is queued and told after, in order, so no
 * subscriber is ever re-entered and every one sees every action.
 */
import type { EngineAction } from '../core/state/actions.js';
import type { EngineState } from '../core/state/engine-state.js';
import { reduce } from '../core/state/reducer.js';

/** Reads the state after each action and reacts: starts I/O, dispatches what happened. Must return quickly. */
export interface Subscriber {
  onChange(state: EngineState, action: EngineAction): void;
  /** Ends what the subscriber started (watchers, streams, builds); called once when the run stops. */
  dispose?(): Promise<void> | void;
}

/** The store's face to subscribers and commands. */
/** What a subscriber that acts gets from the store: dispatch, the state as it is now, and the clock's time. */
export interface StoreAccess {
  readonly dispatch: (action: EngineAction) => void;
  readonly getState: () => EngineState;
  readonly now: () => number;
}

export interface Store {
  getState(): EngineState;
  dispatch(action: EngineAction): void;
  subscribe(subscriber: Subscriber): () => void;
  /** Resolves with the first state (now or later) for which `predicate` holds; rejects when `signal` aborts. */
  until(predicate: (state: EngineState) => boolean, signal?: AbortSignal): Promise<EngineState>;
}

/** A store starting from `initial`. `onSubscriberError` hears a subscriber that threw (a bug: it should dispatch instead). */
export function createStore(initial: EngineState, onSubscriberError: (error: unknown) => void = () => undefined): Store {
  let state = initial;
  const subscribers: Subscriber[] = [];
  const queue: EngineAction[] = [];
  let notifying = false;
  const waiters = new Set<{ predicate: (state: EngineState) => boolean; resolve: (state: EngineState) => void }>();

  const notify = () => {
    notifying = true;
    try {
      while (queue.length > 0) {
        const action = queue.shift()!;
        for (const subscriber of [...subscribers]) {
          try {
            subscriber.onChange(state, action);
          } catch (error) {
            onSubscriberError(error);
          }
        }
        for (const waiter of [...waiters]) {
          if (waiter.predicate(state)) {
            waiters.delete(waiter);
            waiter.resolve(state);
          }
        }
      }
    } finally {
      notifying = false;
    }
  };

  return {
    getState: () => state,
    dispatch(action) {
      state = reduce(state, action);
      queue.push(action);
      if (!notifying) notify();
    },
    subscribe(subscriber) {
      subscribers.push(subscriber);
      return () => {
        const index = subscribers.indexOf(subscriber);
        if (index !== -1) subscribers.splice(index, 1);
      };
    },
    until(predicate, signal) {
      if (predicate(state)) return Promise.resolve(state);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (value: EngineState) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(value);
          },
        };
        const onAbort = () => {
          waiters.delete(waiter);
          reject(signal?.reason);
        };
        if (signal?.aborted === true) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
      });
    },
  };
}
