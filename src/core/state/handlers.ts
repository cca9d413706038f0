/** The reducer's shape: one pure handler per action type, `(state, action) → state` (split over a few modules). */
import type { ActionOf, EngineAction } from './actions.js';
import type { EngineState } from './engine-state.js';

export type Handlers = { readonly [T in EngineAction['type']]: (state: EngineState, action: ActionOf<T>) => EngineState };
