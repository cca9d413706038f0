/**
 * Scenario tests of the engine's pure core: the reducer, nextBuilds and the
 * due-work selectors, driven by actions as the subscribers would dispatch
 * them. No I/O, no clock but the `at` values the tests choose.
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction, ListedContainer } from '../../../../src/core/state/actions.js';
import { isIdle, replacementsDue, restartsDue, servicesToStart, switchDue } from '../../../../src/core/state/due.js';
import { initialState, type EngineMode, type EngineState } from '../../../../src/core/state/engine-state.js';
import { nextBuilds } from '../../../../src/core/state/next-builds.js';
import { reduce } from '../../../../src/core/state/reducer.js';
import { DockstageError } from '../../../../src/core/errors.js';
import type { Workspace } from '../../../../src/core/workspace.js';
import { dockerfile, project } from '../../../support/builders.js';

const WEB = dockerfile(
  'FROM busybox AS base',
  'COPY package.json ./',
  'FROM base AS develop',
  'COPY src/ ./src/',
  'FROM base AS test',
  'COPY test/ ./test/',
  'FROM base AS production',
  'COPY src/ ./src/',
);
const API = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

function shop(options: { apiDockerfile?: string; web?: Record<string, unknown> } = {}): Workspace {
  return project('shop', '/p')
    .service('web', {
      build: { context: '/p/web' },
      depends_on: { api: { condition: 'service_started', restart: true } },
      ...(options.web ?? {}),
    })
    .service('worker', { build: { context: '/p/web' } })
    .service('api', { build: { context: '/p/api' } })
    .service('cache', { image: 'busybox:latest' })
    .file('/p/web/Dockerfile', WEB)
    .file('/p/api/Dockerfile', options.apiDockerfile ?? API)
    .workspace('dev');
}

/** Folds actions into a state, like the store does. */
function run(state: EngineState, ...actions: EngineAction[]): EngineState {
  return actions.reduce(reduce, state);
}

function loaded(mode: EngineMode, workspace = shop(), concurrency = 4): EngineState {
  return run(initialState({ mode, concurrency }), { type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at: 0 });
}

/** Starts every build nextBuilds offers, as the builds subscriber does, returning the ids. */
function startAll(state: EngineState, at = 1): { state: EngineState; ids: Record<string, string> } {
  const ids: Record<string, string> = {};
  for (let next = nextBuilds(state).start[0]; next !== undefined; next = nextBuilds(state).start[0]) {
    const id = `b${state.nextBuildId}`;
    state = reduce(state, { type: 'buildStarted', id, services: next.services, at });
    ids[next.services.join(',')] = id;
  }
  return { state, ids };
}

function completed(id: string, imageId: string, at = 2): EngineAction {
  return { type: 'buildCompleted', id, imageId, upToDate: false, cachedSteps: 1, totalSteps: 2, durationMs: 300, tags: [], at };
}

function container(service: string, id: string, imageId: string, state: ListedContainer['state'] = 'running'): ListedContainer {
  return { service, id, name: `shop-${service}-1`, state, health: null, imageId, exitCode: undefined, ports: [], environment: 'dev' };
}

describe('engine state at start', () => {
  test('every built service is checked once per shared build; image-only services need no build', () => {
    const state = loaded('watch');
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['api'], ['web', 'worker']]);
    expect(state.services['cache']?.pending).toBeUndefined();
  });

  test('the first up waits for every build, then brings up everything at once', () => {
    let { state, ids } = startAll(loaded('watch'));
    expect(servicesToStart(state)).toBeUndefined();
    state = run(state, completed(ids['api']!, 'sha256:api1'));
    expect(servicesToStart(state)).toBeUndefined();
    state = run(state, completed(ids['web,worker']!, 'sha256:web1'));
    expect(servicesToStart(state)).toEqual(['api', 'cache', 'web', 'worker']);
  });

  test('a one-shot up brings nothing up when a build failed; watch brings up the rest', () => {
    for (const mode of ['up', 'watch'] as const) {
      let { state, ids } = startAll(loaded(mode));
      state = run(state, completed(ids['api']!, 'sha256:api1'), {
        type: 'buildFailed',
        id: ids['web,worker']!,
        error: new DockstageError('boom'),
        cancelled: false,
        at: 3,
      });
      expect(servicesToStart(state), mode).toEqual(mode === 'up' ? undefined : ['api', 'cache']);
    }
  });
});

describe('a change in watch mode', () => {
  /** Watching, built and up: web/worker on sha256:web1, api on sha256:api1. */
  function running(): EngineState {
    let { state, ids } = startAll(loaded('watch'));
    state = run(
      state,
      completed(ids['api']!, 'sha256:api1'),
      completed(ids['web,worker']!, 'sha256:web1'),
      { type: 'projectUpStarted', services: ['api', 'cache', 'web', 'worker'], at: 3 },
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 4,
      },
      { type: 'projectUp', services: ['api', 'cache', 'web', 'worker'], at: 4 },
      { type: 'watchStarted', paths: 10, at: 4 },
    );
    return state;
  }

  test('a source of web rebuilds web and worker once (one shared build) and leaves api alone', () => {
    const state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 10 });
    const next = nextBuilds(state);
    expect(next.start.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(next.start[0]?.reasons[0]).toMatchObject({ path: 'web/src/app.js', stage: 'develop', rule: 'input', line: 4 });
    expect(state.services['api']?.pending).toBeUndefined();
  });

  test('a file read only by a stage outside the target (test) changes nothing', () => {
    const state = run(running(), { type: 'filesChanged', paths: ['/p/web/test/app.test.js'], at: 10 });
    expect(nextBuilds(state).start).toEqual([]);
    expect(isIdle(state)).toBe(true);
  });

  test('changes during a build queue exactly one follow-up build', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const first = startAll(state, 11);
    state = run(
      first.state,
      { type: 'filesChanged', paths: ['/p/web/src/b.js'], at: 12 },
      { type: 'filesChanged', paths: ['/p/web/src/c.js'], at: 13 },
    );
    expect(nextBuilds(state)).toEqual({ start: [], waiting: { web: 'already-building', worker: 'already-building' } });
    state = run(state, completed(first.ids['web,worker']!, 'sha256:web2', 14));
    const follow = nextBuilds(state).start;
    expect(follow.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(follow[0]?.reasons.map((r) => r.path)).toEqual(['web/src/b.js', 'web/src/c.js']);
  });

  test('a build that yields the running image replaces nothing; a new image replaces exactly the services that run the old one', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const same = startAll(state, 11);
    expect(replacementsDue(run(same.state, completed(same.ids['web,worker']!, 'sha256:web1', 12)))).toEqual([]);
    const other = startAll(state, 11);
    state = run(other.state, completed(other.ids['web,worker']!, 'sha256:web2', 12));
    expect(replacementsDue(state)).toEqual([
      { service: 'web', containerId: 'c-web', imageId: 'sha256:web2' },
      { service: 'worker', containerId: 'c-worker', imageId: 'sha256:web2' },
    ]);
  });

  test('a failed build replaces nothing and is retried on the next change', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const first = startAll(state, 11);
    state = run(first.state, {
      type: 'buildFailed',
      id: first.ids['web,worker']!,
      error: new DockstageError('RUN failed', { exitCode: 1 }),
      cancelled: false,
      at: 12,
    });
    expect(replacementsDue(state)).toEqual([]);
    expect(state.services['web']?.freshness).toBe('failed');
    expect(state.lastError?.message).toBe('RUN failed');
    expect(isIdle(state)).toBe(true);
    state = run(state, { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 20 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web', 'worker']]);
  });

  test('a dependent with restart: true restarts only after its rebuilt dependency is replaced', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/api/src/index.js'], at: 10 });
    expect(state.services['web']?.restart?.after).toEqual(['api']);
    expect(restartsDue(state)).toEqual([]);
    const build = startAll(state, 11);
    state = run(build.state, completed(build.ids['api']!, 'sha256:api2', 12));
    expect(restartsDue(state)).toEqual([]);
    state = run(
      state,
      { type: 'containerReplaceStarted', service: 'api', at: 13 },
      { type: 'containerReplaced', service: 'api', oldId: 'c-api', newId: 'c-api2', imageId: 'sha256:api2', at: 14 },
    );
    expect(restartsDue(state)).toEqual(['web']);
  });

  test('a compose file or Dockerfile change reloads the model first; the change is planned against the new one', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/web/Dockerfile', '/p/web/src/a.js'], at: 10 });
    expect(state.reload?.paths).toEqual(['/p/web/Dockerfile', '/p/web/src/a.js']);
    expect(nextBuilds(state).start).toEqual([]);
    expect(isIdle(state)).toBe(false);
    state = run(state, { type: 'workspaceLoaded', workspace: shop(), composeFiles: ['/p/compose.yaml'], at: 11 });
    expect(state.reload).toBeUndefined();
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(state.services['web']?.pending?.reasons.map((r) => r.rule)).toEqual(['dockerfile', 'input']);
  });

  test("a compose edit that changes a service's container (its environment) has compose recreate that service alone", () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 });
    state = run(state, {
      type: 'workspaceLoaded',
      workspace: shop({ web: { environment: { EXTRA: '1' } } }),
      composeFiles: ['/p/compose.yaml'],
      at: 11,
    });
    expect(nextBuilds(state).start).toEqual([]);
    expect(servicesToStart(state)).toEqual(['web']);
    state = run(state, { type: 'projectUpStarted', services: ['web'], at: 12 }, { type: 'projectUp', services: ['web'], at: 13 });
    expect(state.services['web']?.recreate).toBe(false);
    expect(servicesToStart(state)).toBeUndefined();
    // The same definition again is no change
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 20 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 21 },
    );
    expect(servicesToStart(state)).toBeUndefined();
  });

  test('when the edit changes the build too, the recreate waits for the build and takes the new image; a sharer is replaced', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 });
    state = run(state, {
      type: 'workspaceLoaded',
      workspace: shop({ web: { build: { context: '/p/web', args: { FLAVOUR: 'x' } }, environment: { EXTRA: '1' } } }),
      composeFiles: ['/p/compose.yaml'],
      at: 11,
    });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web']]);
    expect(servicesToStart(state)).toBeUndefined();
    const { state: building, ids } = startAll(state, 12);
    state = run(building, completed(ids['web']!, 'sha256:web2', 13));
    // compose recreates web (new definition, new image); nothing replaces it on the side
    expect(replacementsDue(state).map((r) => r.service)).toEqual([]);
    expect(servicesToStart(state)).toEqual(['web']);
  });

  test('an edit made while compose recreates the service flags it again: the second edit is not lost', () => {
    let state = run(
      running(),
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 11 },
    );
    state = run(state, { type: 'projectUpStarted', services: ['web'], at: 12 });
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 13 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '2' } } }), composeFiles: ['/p/compose.yaml'], at: 14 },
    );
    state = run(state, { type: 'projectUp', services: ['web'], at: 15 });
    expect(servicesToStart(state)).toEqual(['web']);
  });

  test('a dependent with depends_on restart: true restarts once its dependency is recreated, not before', () => {
    // web depends on api with restart: true
    let state = run(running(), { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 });
    const apiChanged = project('shop', '/p')
      .service('web', { build: { context: '/p/web' }, depends_on: { api: { condition: 'service_started', restart: true } } })
      .service('worker', { build: { context: '/p/web' } })
      .service('api', { build: { context: '/p/api' }, environment: { LEVEL: 'debug' } })
      .service('cache', { image: 'busybox:latest' })
      .file('/p/web/Dockerfile', WEB)
      .file('/p/api/Dockerfile', API)
      .workspace('dev');
    state = run(state, { type: 'workspaceLoaded', workspace: apiChanged, composeFiles: ['/p/compose.yaml'], at: 11 });
    expect(servicesToStart(state)).toEqual(['api']);
    expect(restartsDue(state)).toEqual([]);
    state = run(state, { type: 'projectUpStarted', services: ['api'], at: 12 }, { type: 'projectUp', services: ['api'], at: 13 });
    expect(restartsDue(state)).toEqual(['web']);
  });

  test("an edit compose's config hash ignores (depends_on, profiles, pull_policy, scale) recreates nothing", () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 });
    state = run(state, {
      type: 'workspaceLoaded',
      workspace: shop({ web: { depends_on: { api: { condition: 'service_healthy' } }, pull_policy: 'never', scale: 1 } }),
      composeFiles: ['/p/compose.yaml'],
      at: 11,
    });
    expect(state.services['web']?.recreate).toBe(false);
  });

  test('a compose-only edit of a service whose last build failed still recreates it, on the last good image', () => {
    let state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const { state: building, ids } = startAll(state, 11);
    state = run(building, { type: 'buildFailed', id: ids['web,worker']!, error: new DockstageError('syntax'), cancelled: false, at: 12 });
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 13 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 14 },
    );
    expect(servicesToStart(state)).toEqual(['web']);
  });

  test('a service the user stopped is not recreated by a compose edit', () => {
    let state = run(running(), { type: 'serviceStopped', service: 'web', at: 5 });
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 11 },
    );
    expect(state.services['web']?.recreate).toBe(false);
    expect(servicesToStart(state)).toBeUndefined();
  });

  test('while paused, changes are not planned; resuming checks every image', () => {
    let state = run(running(), { type: 'watchPaused', at: 10 }, { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 11 });
    expect(state.services['web']?.pending).toBeUndefined();
    state = run(state, { type: 'buildRequested', services: ['api'], at: 12 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['api']]);
    state = run(state, { type: 'watchResumed', at: 13 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['api'], ['web', 'worker']]);
  });

  test('an exit while it should run is remembered; a clean exit (code 0) is not a crash', () => {
    let state = run(
      running(),
      { type: 'containerExited', service: 'web', containerId: 'c-web', exitCode: 1, logTail: [], at: 10 },
      { type: 'containerExited', service: 'web', containerId: 'c-web', exitCode: 1, logTail: [], at: 20 },
    );
    expect(state.services['web']?.exits).toEqual([10, 20]);
    state = run(state, { type: 'containerExited', service: 'worker', containerId: 'c-worker', exitCode: 0, logTail: [], at: 30 });
    expect(state.services['worker']?.exits).toEqual([]);
  });
});

describe('live sync in the state', () => {
  function watching(): EngineState {
    const { state, ids } = startAll(loaded('watch'));
    return run(
      state,
      completed(ids['api']!, 'sha256:api1'),
      completed(ids['web,worker']!, 'sha256:web1'),
      { type: 'projectUpStarted', services: ['api', 'cache', 'web', 'worker'], at: 3 },
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
        ],
        at: 4,
      },
      { type: 'projectUp', services: ['api', 'cache', 'web', 'worker'], at: 4 },
    );
  }
  const file = (path: string) => ({
    path,
    destination: `/app/${path}`,
    deleted: false,
    instruction: 'COPY src/ ./src/',
    line: 4,
    stage: 'develop',
  });

  test('a build caused only by changed sources of running, current containers may sync; a requested one may not', async () => {
    const { syncTargets } = await import('../../../../src/core/state/sync-candidates.js');
    const state = run(watching(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    expect(syncTargets(state, ['web', 'worker'])).toEqual([
      { service: 'web', containerId: 'c-web' },
      { service: 'worker', containerId: 'c-worker' },
    ]);
    expect(state.services['web']?.pending?.paths).toEqual(['/p/web/src/a.js']);
    const asked = run(watching(), { type: 'buildRequested', services: ['web'], at: 10 });
    expect(syncTargets(asked, ['web', 'worker'])).toBeUndefined();
    const off = { ...state, sync: false };
    expect(syncTargets(off, ['web', 'worker'])).toBeUndefined();
  });

  test('the sync lane takes context paths of containers that may sync, never the files that define the model', async () => {
    const { syncLane, syncReadyContainers } = await import('../../../../src/core/state/sync-candidates.js');
    const state = watching();
    const lane = syncLane(state);
    expect(lane('/p/web/src/a.js')).toBe(true);
    expect(lane('/p/api/src/a.js')).toBe(true);
    expect(lane('/p/web/Dockerfile')).toBe(false);
    expect(lane('/p/compose.yaml')).toBe(false);
    expect(lane('/p/webby/src/a.js')).toBe(false);
    expect(lane('/p/web')).toBe(false);
    expect(syncReadyContainers(state)).toEqual(['c-api', 'c-web', 'c-worker']);
    // A stopped container takes no sync: its context leaves the lane; sync off or one-shot commands have no lane.
    const apiGone = run(state, {
      type: 'containersListed',
      containers: [
        container('api', 'c-api', 'sha256:api1', 'exited'),
        container('web', 'c-web', 'sha256:web1'),
        container('worker', 'c-worker', 'sha256:web1'),
      ],
      at: 20,
    });
    expect(syncLane(apiGone)('/p/api/src/a.js')).toBe(false);
    expect(syncReadyContainers(apiGone)).toEqual(['c-web', 'c-worker']);
    expect(syncLane({ ...state, sync: false })('/p/web/src/a.js')).toBe(false);
    expect(syncReadyContainers({ ...state, sync: false })).toEqual([]);
    expect(syncLane({ ...state, mode: 'up' })('/p/web/src/a.js')).toBe(false);
  });

  test('after a sync nothing is replaced; the rebuild behind waits to be released, then builds at low priority', () => {
    let state = run(watching(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const build = startAll(state, 11);
    state = run(build.state, {
      type: 'serviceSynced',
      id: build.ids['web,worker']!,
      services: [
        { name: 'web', containerId: 'c-web', reload: 'none', files: [file('src/a.js')] },
        { name: 'worker', containerId: 'c-worker', reload: 'restart', files: [file('src/a.js')] },
      ],
      at: 12,
    });
    expect(state.services['web']?.freshness).toBe('synced');
    expect(nextBuilds(state).waiting).toEqual({ web: 'behind-sync', worker: 'behind-sync' });
    expect(isIdle(state)).toBe(false);
    state = run(state, { type: 'backgroundBuildsReleased', services: ['web', 'worker'], at: 1500 });
    const behind = startAll(state, 1501);
    expect(Object.keys(behind.ids)).toEqual(['web,worker']);
    state = run(behind.state, completed(behind.ids['web,worker']!, 'sha256:web2', 1600));
    expect(replacementsDue(state)).toEqual([]);
    expect(state.services['web']?.freshness).toBe('fresh');
    expect(state.services['web']?.content).toEqual({ kind: 'image', containerId: 'c-web', imageId: 'sha256:web2', syncedAt: 12 });
  });

  test('a change during the rebuild behind a sync is a foreground build again; the container stays synced', () => {
    let state = run(watching(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const build = startAll(state, 11);
    state = run(build.state, {
      type: 'serviceSynced',
      id: build.ids['web,worker']!,
      services: [
        { name: 'web', containerId: 'c-web', reload: 'none', files: [file('src/a.js')] },
        { name: 'worker', containerId: 'c-worker', reload: 'none', files: [file('src/a.js')] },
      ],
      at: 12,
    });
    state = run(state, { type: 'filesChanged', paths: ['/p/web/src/b.js'], at: 20 });
    expect(state.services['web']?.pending).toMatchObject({ background: false, held: false, paths: ['/p/web/src/b.js'] });
    expect(nextBuilds(state).start.map((b) => [b.services, b.background])).toEqual([[['web', 'worker'], false]]);
  });

  test('a build of a synced container that brings more than the synced files (a Dockerfile edit) replaces it (issue 17: found by the trust invariant)', () => {
    let state = run(watching(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    const build = startAll(state, 11);
    state = run(build.state, {
      type: 'serviceSynced',
      id: build.ids['web,worker']!,
      services: [
        { name: 'web', containerId: 'c-web', reload: 'none', files: [file('src/a.js')] },
        { name: 'worker', containerId: 'c-worker', reload: 'none', files: [file('src/a.js')] },
      ],
      at: 12,
    });
    // The Dockerfile changes before the rebuild behind the sync ran: one foreground build takes both.
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/web/Dockerfile'], at: 20 },
      { type: 'workspaceLoaded', workspace: shop(), composeFiles: ['/p/compose.yaml'], at: 21 },
    );
    state = run(state, { type: 'buildRequested', services: ['web', 'worker'], at: 22 });
    const rebuild = startAll(state, 23);
    expect(rebuild.state.builds[rebuild.ids['web,worker']!]?.background).toBe(false);
    state = run(rebuild.state, completed(rebuild.ids['web,worker']!, 'sha256:web3', 30));
    expect(replacementsDue(state).map((due) => [due.service, due.imageId])).toEqual([
      ['web', 'sha256:web3'],
      ['worker', 'sha256:web3'],
    ]);
  });
});

describe('isolation', () => {
  test('a broken Dockerfile blocks only the services that use it; the others build', () => {
    const workspace = shop({ apiDockerfile: 'FROM busybox AS develop\nCOPY --from=nowhere\n' });
    expect(workspace.services.find((s) => s.name === 'api')?.blocked.length).toBeGreaterThan(0);
    const next = nextBuilds(loaded('watch', workspace));
    expect(next.start.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(next.waiting).toEqual({ api: 'blocked-by-error' });
  });

  test('fixing the Dockerfile unblocks it on the reload', () => {
    let state = loaded('watch', shop({ apiDockerfile: 'FROM busybox AS develop\nCOPY --from=nowhere\n' }));
    state = run(state, { type: 'workspaceLoaded', workspace: shop(), composeFiles: ['/p/compose.yaml'], at: 5 });
    expect(nextBuilds(state).start.map((b) => b.services)).toContainEqual(['api']);
  });
});

describe('nextBuilds limits', () => {
  test('no more builds than the concurrency; the rest wait for a slot', () => {
    const next = nextBuilds(loaded('build', shop(), 1));
    expect(next.start.map((b) => b.services)).toEqual([['api']]);
    expect(next.waiting).toEqual({ web: 'waiting-for-slot', worker: 'waiting-for-slot' });
  });

  test('a build-only run is idle once every build ended, whatever the outcome', () => {
    let { state, ids } = startAll(loaded('build'));
    expect(isIdle(state)).toBe(false);
    state = run(state, completed(ids['api']!, 'sha256:a'), {
      type: 'buildFailed',
      id: ids['web,worker']!,
      error: new DockstageError('x'),
      cancelled: false,
      at: 3,
    });
    expect(isIdle(state)).toBe(true);
  });
});

describe('environment switch', () => {
  test('recreates only after every build of the new environment succeeded', () => {
    const base = initialState({ mode: 'switch', concurrency: 4 });
    let state = run(
      { ...base, switching: { environment: 'dev', from: 'prod', phase: 'loading', error: undefined } },
      { type: 'workspaceLoaded', workspace: shop(), composeFiles: [], at: 0 },
    );
    expect(state.switching?.phase).toBe('building');
    const builds = startAll(state);
    state = run(builds.state, completed(builds.ids['api']!, 'sha256:a'));
    expect(switchDue(state)).toBe(false);
    state = run(state, completed(builds.ids['web,worker']!, 'sha256:w'));
    expect(switchDue(state)).toBe(true);
    expect(isIdle(state)).toBe(false);
  });
});

describe('a build that lands while compose creates the container (issue 17: the lost edit)', () => {
  const everything = ['api', 'cache', 'web', 'worker'];
  function checked(): EngineState {
    const { state, ids } = startAll(loaded('watch'));
    return run(state, completed(ids['api']!, 'sha256:api1'), completed(ids['web,worker']!, 'sha256:web1'), {
      type: 'watchStarted',
      paths: 10,
      at: 2,
    });
  }

  test('a build that finishes after compose read the old tag is applied by a replacement once compose is done', () => {
    let state = run(
      checked(),
      { type: 'projectUpStarted', services: everything, at: 3 },
      { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 4 },
    );
    const { state: building, ids } = startAll(state, 5);
    state = run(building, completed(ids['web,worker']!, 'sha256:web2', 6));
    // Nothing is replaced while compose works on the containers.
    expect(replacementsDue(state)).toEqual([]);
    state = run(
      state,
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 7,
      },
      { type: 'projectUp', services: everything, at: 7 },
    );
    expect(replacementsDue(state)).toEqual([
      { service: 'web', containerId: 'c-web', imageId: 'sha256:web2' },
      { service: 'worker', containerId: 'c-worker', imageId: 'sha256:web2' },
    ]);
    expect(isIdle(state)).toBe(false);
  });

  test('when compose already took the new image, nothing more is replaced', () => {
    let state = run(
      checked(),
      { type: 'projectUpStarted', services: everything, at: 3 },
      { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 4 },
    );
    const { state: building, ids } = startAll(state, 5);
    state = run(
      building,
      completed(ids['web,worker']!, 'sha256:web2', 6),
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web2'),
          container('worker', 'c-worker', 'sha256:web2'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 7,
      },
      { type: 'projectUp', services: everything, at: 7 },
    );
    expect(replacementsDue(state)).toEqual([]);
    expect(isIdle(state)).toBe(true);
  });

  test('a recreate compose ran while a build finished is followed by a replacement onto the newer image', () => {
    let state = run(
      checked(),
      { type: 'projectUpStarted', services: everything, at: 3 },
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 4,
      },
      { type: 'projectUp', services: everything, at: 4 },
    );
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 10 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 11 },
    );
    state = run(
      state,
      { type: 'projectUpStarted', services: ['web'], at: 12 },
      { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 13 },
    );
    const { state: building, ids } = startAll(state, 14);
    state = run(
      building,
      completed(ids['web,worker']!, 'sha256:web2', 15),
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web2', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 16,
      },
      { type: 'projectUp', services: ['web'], at: 16 },
    );
    expect(replacementsDue(state).map((due) => [due.service, due.containerId, due.imageId])).toEqual([
      ['web', 'c-web2', 'sha256:web2'],
      ['worker', 'c-worker', 'sha256:web2'],
    ]);
  });

  test('compose recreating a service waits until what it depends on is settled (compose converges it too)', () => {
    let state = run(
      checked(),
      { type: 'projectUpStarted', services: everything, at: 3 },
      {
        type: 'containersListed',
        containers: [
          container('api', 'c-api', 'sha256:api1'),
          container('web', 'c-web', 'sha256:web1'),
          container('worker', 'c-worker', 'sha256:web1'),
          container('cache', 'c-cache', 'sha256:bb'),
        ],
        at: 4,
      },
      { type: 'projectUp', services: everything, at: 4 },
    );
    state = run(state, { type: 'filesChanged', paths: ['/p/api/src/a.js'], at: 10 });
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/compose.yaml'], at: 11 },
      { type: 'workspaceLoaded', workspace: shop({ web: { environment: { EXTRA: '1' } } }), composeFiles: ['/p/compose.yaml'], at: 12 },
    );
    // web depends on api, whose build is due: compose must not converge api while it builds and is replaced.
    expect(servicesToStart(state)).toBeUndefined();
    const { state: building, ids } = startAll(state, 13);
    state = run(building, completed(ids['api']!, 'sha256:api2', 14));
    expect(servicesToStart(state)).toBeUndefined();
    state = run(
      state,
      { type: 'containerReplaceStarted', service: 'api', at: 15 },
      { type: 'containerReplaced', service: 'api', oldId: 'c-api', newId: 'c-api2', imageId: 'sha256:api2', at: 16 },
    );
    expect(servicesToStart(state)).toEqual(['web']);
  });
});
