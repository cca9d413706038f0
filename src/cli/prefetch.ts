/**
 * Start-up overlap: every project command's first act is `docker compose
 * config` (~50 ms), and before it Node loads the command's modules (~20–30 ms).
 * The CLI starts compose first and loads the modules while it runs: the first
 * `config` of the same target takes the process already running instead of
 * starting a second one. Any other target, and every later call (a reload in
 * `watch`), runs compose anew. A command that fails before it asks (bad
 * arguments to the command) leaves the prefetched process to finish on its
 * own: it only prints JSON into a pipe nobody reads, and exits.
 */
import type { ComposeCli, ComposeTarget } from '../ports/compose-cli.js';

/** A ComposeCli whose first `config` may already be running. */
export interface PrefetchingCompose extends ComposeCli {
  /** Starts `config` for the target the promise resolves to; a rejected promise starts nothing. */
  prefetchConfig(target: Promise<ComposeTarget>): void;
}

export function prefetchingCompose(compose: ComposeCli): PrefetchingCompose {
  let prefetched: Promise<{ key: string; result: Promise<unknown> } | undefined> | undefined;
  return {
    up: (target, services, options) => compose.up(target, services, options),
    down: (target, options) => compose.down(target, options),
    lifecycle: (target, command, services) => compose.lifecycle(target, command, services),
    prefetchConfig(target) {
      prefetched = target.then(
        (resolved) => {
          // A config that throws instead of rejecting still reaches the command as a rejection.
          const result = Promise.resolve().then(() => compose.config(resolved));
          // Whoever takes it sees the rejection; until then it is not unhandled.
          result.catch(() => undefined);
          return { key: targetKey(resolved), result };
        },
        () => undefined,
      );
    },
    async config(target) {
      const waiting = prefetched;
      prefetched = undefined;
      const taken = waiting === undefined ? undefined : await waiting;
      if (taken !== undefined && taken.key === targetKey(target)) return await taken.result;
      return await compose.config(target);
    },
  };
}

function targetKey(target: ComposeTarget): string {
  return JSON.stringify([target.files, target.projectName ?? null, target.projectDirectory ?? null, target.profiles, target.envFiles]);
}
