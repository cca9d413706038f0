/**
 * The store and the files subscriber on a fake clock and a fake watcher: how
 * actions reach subscribers, and how bursts of changes become batches and
 * builds. No sleeps: time moves when the test says so.
 */
import { describe, expect, test, vi } from 'vitest';
import type { EngineAction } from '../../../src/core/state/actions.js';
import { initialState } from '../../../src/core/state/engine-state.js';
import { nextBuilds } from '../../../src/core/state/next-builds.js';
import { createStore } from '../../../src/engine/store.js';
import { filesSubscriber } from '../../../src/engine/subscribers/files.js';
import { fakeFileSystem } from '../../support/fake-fs.js';
import { dockerfile, project } from '../../support/builders.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeWatcher } from '../../support/fake-watcher.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

function workspace(quiet?: number) {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('worker', { build: { context: '/p/web' } })
    .service('api', { build: { context: '/p/api' } })
    .file('/p/web/Dockerfile', WEB)
    .file('/p/api/Dockerfile', WEB)
    .config(quiet === undefined ? undefined : { watch: { quiet_ms: quiet, max_ms: 1000 } })
    .workspace('dev');
}

describe('store', () => {
  test('an action dispatched by a subscriber is seen by every subscriber after the current one, in order', () => {
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const seen: string[] = [];
    store.subscribe({
      onChange(_state, action) {
        seen.push(`a:${action.type}`);
        if (action.type === 'watchPaused') store.dispatch({ type: 'watchResumed', at: 1 });
      },
    });
    store.subscribe({ onChange: (state, action) => seen.push(`b:${action.type}:${state.watch.paused}`) });
    store.dispatch({ type: 'watchPaused', at: 0 });
    expect(seen).toEqual(['a:watchPaused', 'b:watchPaused:false', 'a:watchResumed', 'b:watchResumed:false']);
  });

  test('until resolves on the first state that satisfies the predicate', async () => {
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const paused = store.until((state) => state.watch.paused);
    store.dispatch({ type: 'watchPaused', at: 0 });
    await expect(paused).resolves.toMatchObject({ watch: { paused: true } });
  });
});

describe('files subscriber with the coalescer', () => {
  function setup(quiet?: number) {
    const clock = new FakeClock(1_000);
    const watcher = new FakeWatcher();
    const store = createStore(initialState({ mode: 'watch', concurrency: 4 }));
    const changes: EngineAction[] = [];
    store.subscribe(filesSubscriber({ watcher, clock, dispatch: store.dispatch }));
    store.subscribe({ onChange: (_s, action) => action.type === 'filesChanged' && changes.push(action) });
    store.dispatch({ type: 'workspaceLoaded', workspace: workspace(quiet), composeFiles: ['/p/compose.yaml'], at: clock.now() });
    return { clock, watcher, store, changes };
  }

  test('watches every context and the files that define the model', () => {
    const { watcher } = setup();
    expect(watcher.rootCalls[0]).toEqual([
      '/p/api',
      '/p/api/.dockerignore',
      '/p/api/Dockerfile',
      '/p/api/Dockerfile.dockerignore',
      '/p/compose.yaml',
      '/p/web',
      '/p/web/.dockerignore',
      '/p/web/Dockerfile',
      '/p/web/Dockerfile.dockerignore',
    ]);
  });

  test('one save is one batch after the quiet window, not before', () => {
    const { clock, watcher, changes } = setup();
    watcher.change('/p/web/src/a.js');
    clock.advance(99);
    expect(changes).toEqual([]);
    clock.advance(1);
    expect(changes).toEqual([{ type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 1_100 }]);
  });

  test("an editor's temp file that comes and goes within the quiet window is not a change (sed -i)", () => {
    const { clock, watcher, changes } = setup();
    watcher.emit(
      { path: '/p/web/src/sed5zFyBe', kind: 'add' },
      { path: '/p/web/src/sed5zFyBe', kind: 'change' },
      { path: '/p/web/src/sed5zFyBe', kind: 'unlink' },
      { path: '/p/web/src/a.js', kind: 'change' },
    );
    clock.advance(100);
    expect(changes).toEqual([{ type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 1_100 }]);
  });

  test('a 5,000-file branch switch is one batch and one build per affected shared build', () => {
    const { clock, watcher, store, changes } = setup();
    // Give the check at start its builds, so only the batch's builds remain.
    for (const name of ['web', 'worker', 'api']) expect(store.getState().services[name]?.pending).toBeDefined();
    const settled = {
      ...store.getState(),
      services: Object.fromEntries(Object.entries(store.getState().services).map(([k, v]) => [k, { ...v, pending: undefined }])),
    };
    const quiet = createStore(settled);
    quiet.subscribe(filesSubscriber({ watcher, clock, dispatch: quiet.dispatch }));
    quiet.subscribe({ onChange: (_s, action) => action.type === 'filesChanged' && changes.push(action) });
    quiet.dispatch({ type: 'watchStarted', paths: 1, at: clock.now() });
    for (let i = 0; i < 5_000; i++) watcher.change(`/p/web/src/file-${i}.js`);
    clock.advance(499);
    expect(changes).toEqual([]);
    clock.advance(1);
    expect(changes).toHaveLength(1);
    expect((changes[0] as unknown as { paths: string[] }).paths).toHaveLength(5_000);
    expect(nextBuilds(quiet.getState()).start.map((b) => b.services)).toEqual([['web', 'worker']]);
  });

  test('a steady stream is still served: batches close at max_ms', () => {
    const { clock, watcher, changes } = setup(100);
    for (let t = 0; t < 2_500; t += 50) {
      watcher.change(`/p/web/src/${t}.js`);
      clock.advance(50);
    }
    expect(changes.map((c) => (c as unknown as { at: number }).at)).toEqual([2_000, 3_000]);
  });

  test('stopping drops the open batch and closes the watcher', async () => {
    const { clock, watcher, store, changes } = setup();
    watcher.change('/p/web/src/a.js');
    store.dispatch({ type: 'stopRequested', at: clock.now() });
    clock.advance(1_000);
    expect(changes).toEqual([]);
  });
});

describe('start-up before the watcher is armed (issue 17: no edit falls in between)', () => {
  test('the start-up check waits for the watcher, then starts', () => {
    const store = createStore(initialState({ mode: 'watch', concurrency: 4, watcher: true }));
    store.dispatch({ type: 'workspaceLoaded', workspace: workspace(), composeFiles: ['/p/compose.yaml'], at: 0 });
    expect(nextBuilds(store.getState())).toEqual({
      start: [],
      waiting: { api: 'waiting-for-watcher', web: 'waiting-for-watcher', worker: 'waiting-for-watcher' },
    });
    store.dispatch({ type: 'watchStarted', paths: 3, at: 1 });
    expect(nextBuilds(store.getState()).start.map((b) => b.services)).toEqual([['api'], ['web', 'worker']]);
  });

  test('a model file changed since the command started is a change once the watcher is armed; older ones are not', async () => {
    const clock = new FakeClock(1_000);
    const watcher = new FakeWatcher();
    const store = createStore(initialState({ mode: 'watch', concurrency: 4, watcher: true }));
    const changes: EngineAction[] = [];
    const changedAt: Record<string, number> = { '/p/compose.yaml': 600, '/p/web/Dockerfile': 900, '/p/api/Dockerfile': 400 };
    const fs = fakeFileSystem({ changedAt: async (file) => changedAt[file] ?? null });
    store.subscribe(filesSubscriber({ watcher, clock, dispatch: store.dispatch, fs, modelReadSince: 500 }));
    store.subscribe({ onChange: (_s, action) => action.type === 'filesChanged' && changes.push(action) });
    store.dispatch({ type: 'workspaceLoaded', workspace: workspace(), composeFiles: ['/p/compose.yaml'], at: clock.now() });
    await vi.waitFor(() => expect(store.getState().watch.active).toBe(true));
    await vi.waitFor(() => {
      clock.advance(100);
      expect(changes).toEqual([
        { type: 'filesChanged', paths: ['/p/compose.yaml', '/p/web/Dockerfile'], at: expect.any(Number) as number },
      ]);
    });
  });
});
