/**
 * The loader subscriber: when the state asks for a reload (a compose file,
 * Dockerfile or ignore file changed, or an environment switch), it loads the
 * project again and dispatches the new workspace, or the failure (the last
 * good workspace stays in force, so every service keeps running and watching).
 */
import { DockstageError, DockstageErrors } from '../../core/errors.js';
import type { Workspace } from '../../core/workspace.js';
import type { StoreAccess, Subscriber } from '../store.js';

/** What the loader needs: a function that loads the project in an environment (the CLI's options fixed). */
export interface LoaderSubscriberOptions extends StoreAccess {
  readonly load: (environment: string) => Promise<{ readonly workspace: Workspace; readonly composeFiles: readonly string[] }>;
}

/** Creates the subscriber. One load runs at a time; a request that arrives meanwhile is served after it. */
export function loaderSubscriber(options: LoaderSubscriberOptions): Subscriber {
  let loading: Promise<void> | undefined;
  let stopped = false;

  const load = () => {
    const state = options.getState();
    const reload = state.reload;
    if (reload === undefined || state.workspace === undefined) return;
    const environment = reload.environment ?? state.workspace.environment.name;
    // Started a microtask later, once `loading` is set: the store tells this subscriber of its own action too.
    loading = Promise.resolve().then(async () => {
      options.dispatch({ type: 'workspaceLoadStarted', at: options.now() });
      try {
        const loaded = await options.load(environment);
        if (!stopped)
          options.dispatch({ type: 'workspaceLoaded', workspace: loaded.workspace, composeFiles: loaded.composeFiles, at: options.now() });
      } catch (error) {
        const failure =
          error instanceof DockstageErrors
            ? (error.errors[0] ?? error)
            : error instanceof DockstageError
              ? error
              : new DockstageError(String(error), { exitCode: 1 });
        if (!stopped) options.dispatch({ type: 'workspaceLoadFailed', error: failure, at: options.now() });
      } finally {
        loading = undefined;
      }
      // Files that changed while loading asked for another reload: serve it.
      if (!stopped && options.getState().reload !== undefined) load();
    });
  };

  return {
    onChange(state, action) {
      if (action.type === 'stopRequested') stopped = true;
      if (stopped || loading !== undefined || state.reload === undefined) return;
      load();
    },
    async dispose() {
      stopped = true;
      await loading;
    },
  };
}
