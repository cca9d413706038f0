/**
 * The sync-writers subscriber: keeps a writer waiting in every container a
 * live sync could write into now (`syncReadyContainers`), so a sync does not
 * wait for a process to start there. Asked after every action, since a writer
 * dies with its container's restart and comes back at the next call.
 */
import { syncReadyContainers } from '../../core/state/sync-candidates.js';
import type { ContainerFiles } from '../../ports/container-files.js';
import type { Subscriber } from '../store.js';

/** Creates the subscriber; `dispose` closes the writers (their scripts exit). */
export function syncWritersSubscriber(files: ContainerFiles): Subscriber {
  const keepReady = files.keepReady;
  return {
    onChange(state, action) {
      if (action.type === 'buildProgressed' || keepReady === undefined) return;
      // Stopping: every writer goes, and none comes back for the actions that follow (cancelled builds).
      keepReady.call(files, state.stopping || action.type === 'stopRequested' ? [] : syncReadyContainers(state));
    },
    async dispose() {
      await files.close?.();
    },
  };
}
