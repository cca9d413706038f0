/** A FileWatcher for unit tests: the test emits changes by hand; roots and sessions are recorded as plain values. */
import type { FileChange, FileWatcher, WatchError, WatchRoot, WatchSession } from '../../src/ports/file-watcher.js';

export class FakeWatcher implements FileWatcher {
  /** The roots of every `watch` and `update` call, in order. */
  readonly rootCalls: string[][] = [];
  #onChange: ((change: FileChange) => void) | undefined;
  #onError: ((error: WatchError) => void) | undefined;
  closed = false;

  watch(roots: readonly WatchRoot[], onChange: (change: FileChange) => void, onError: (error: WatchError) => void): WatchSession {
    this.rootCalls.push(roots.map((root) => root.path));
    this.#onChange = onChange;
    this.#onError = onError;
    return {
      ready: Promise.resolve(),
      update: async (next) => {
        this.rootCalls.push(next.map((root) => root.path));
      },
      watchedCount: () => this.rootCalls.at(-1)?.length ?? 0,
      close: async () => {
        this.closed = true;
      },
    };
  }

  /** Delivers changes as the real watcher would, one callback each. */
  change(...paths: string[]): void {
    for (const path of paths) this.#onChange?.({ path, kind: 'change' });
  }

  /** Delivers changes of the given kinds (`add`, `unlink`, …), one callback each, in order. */
  emit(...changes: FileChange[]): void {
    for (const change of changes) this.#onChange?.(change);
  }

  fail(error: WatchError): void {
    this.#onError?.(error);
  }
}
