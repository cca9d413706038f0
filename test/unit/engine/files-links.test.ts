/**
 * The files subscriber and symlinks on COPY sources, on a fake clock, a fake watcher and an in-memory view of the
 * links: a batch that touches a path a source resolves through has the links looked at again before it is planned.
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction } from '../../../src/core/state/actions.js';
import { initialState } from '../../../src/core/state/engine-state.js';
import { planForChanges } from '../../../src/core/state/plan.js';
import { createStore } from '../../../src/engine/store.js';
import { withLinksFromDisk } from '../../../src/operations/context-links.js';
import { filesSubscriber } from '../../../src/engine/subscribers/files.js';
import type { FileSystem } from '../../../src/ports/file-system.js';
import { dockerfile, project } from '../../support/builders.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeWatcher } from '../../support/fake-watcher.js';
import { fakeFileSystem } from '../../support/fake-fs.js';
import { waitFor } from '../../support/wait.js';

/** Only what looking at links needs: symlink targets by absolute path; every other path is a plain file or missing. */
function linksOnly(links: Map<string, string>, calls: string[]): FileSystem {
  return fakeFileSystem({ readLink: async (file) => (calls.push(file), links.get(file) ?? null) });
}

describe('files subscriber and symlinks on COPY sources', () => {
  async function setup() {
    const links = new Map([['/p/app/link.txt', 'data/a.txt']]);
    const calls: string[] = [];
    const fs = linksOnly(links, calls);
    const loaded = await withLinksFromDisk(
      fs,
      project('shop', '/p')
        .service('app', { build: { context: '/p/app' } })
        .file('/p/app/Dockerfile', dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY src/ /src/'))
        .workspace('dev'),
    );
    const clock = new FakeClock(1_000);
    const watcher = new FakeWatcher();
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const actions: EngineAction[] = [];
    store.subscribe(filesSubscriber({ watcher, clock, dispatch: store.dispatch, fs }));
    store.subscribe({
      onChange: (_s, action) => (action.type === 'filesChanged' || action.type === 'contextLinksChanged') && actions.push(action),
    });
    store.dispatch({ type: 'workspaceLoaded', workspace: loaded, composeFiles: ['/p/compose.yaml'], at: clock.now() });
    calls.length = 0;
    const rebuilds = (file: string) => planForChanges(store.getState().workspace!, [file]).services[0]!.action === 'rebuild';
    return { links, calls, clock, watcher, store, actions, rebuilds };
  }

  test('retargeting a copied link: the batch waits for the links, and later edits of the new target rebuild', async () => {
    const { links, clock, watcher, actions, rebuilds } = await setup();
    expect([rebuilds('/p/app/data/a.txt'), rebuilds('/p/app/data/b.txt')]).toEqual([true, false]);
    links.set('/p/app/link.txt', 'data/b.txt');
    watcher.change('/p/app/link.txt');
    clock.advance(100);
    await waitFor(() => actions.some((a) => a.type === 'filesChanged'), { message: 'the batch' });
    expect(actions.map((a) => a.type)).toEqual(['contextLinksChanged', 'filesChanged']);
    expect([rebuilds('/p/app/data/a.txt'), rebuilds('/p/app/data/b.txt')]).toEqual([false, true]);
  });

  test('a batch no source resolves through is dispatched at once, without looking at the disk', async () => {
    const { calls, clock, watcher, actions } = await setup();
    watcher.change('/p/app/src/a.js');
    clock.advance(100);
    expect(actions).toEqual([{ type: 'filesChanged', paths: ['/p/app/src/a.js'], at: 1_100 }]);
    expect(calls).toEqual([]);
  });

  test('a touched path whose links did not change is planned as it is, and batches keep their order', async () => {
    const { clock, watcher, actions } = await setup();
    watcher.change('/p/app/link.txt');
    clock.advance(100);
    watcher.change('/p/app/src/a.js');
    clock.advance(100);
    await waitFor(() => actions.length === 2, { message: 'both batches' });
    expect(actions.map((a) => (a.type === 'filesChanged' ? a.paths : a.type))).toEqual([['/p/app/link.txt'], ['/p/app/src/a.js']]);
  });
});
