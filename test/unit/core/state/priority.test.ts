/**
 * The order of container work while watching (core/state/priority.ts): what the
 * user looks at is served first. Scenario tests on the pure core: actions as
 * the subscribers would dispatch them, the `at` values the tests choose.
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction, ListedContainer } from '../../../../src/core/state/actions.js';
import { containerWaits, isIdle, replacementsDue, restartsDue } from '../../../../src/core/state/due.js';
import { initialState, type EngineMode, type EngineState } from '../../../../src/core/state/engine-state.js';
import { nextBuilds } from '../../../../src/core/state/next-builds.js';
import { deferredReloads, priorityOf } from '../../../../src/core/state/priority.js';
import { reduce } from '../../../../src/core/state/reducer.js';
import { dockerfile, project } from '../../../support/builders.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

/** web publishes a port and shares its build with worker; notifier restarts with web (depends_on … restart: true); api builds alone. */
function shop(reload?: Record<string, string>) {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/web' }, ports: [{ target: 3000, published: '8080' }] })
    .service('worker', { build: { context: '/p/web' } })
    .service('notifier', { image: 'busybox:latest', depends_on: { web: { condition: 'service_started', restart: true } } })
    .service('api', { build: { context: '/p/api' } })
    .file('/p/web/Dockerfile', WEB)
    .file('/p/api/Dockerfile', WEB)
    .config(reload === undefined ? undefined : { watch: { reload } })
    .workspace('dev');
}

function run(state: EngineState, ...actions: EngineAction[]): EngineState {
  return actions.reduce(reduce, state);
}

function container(service: string, id: string, imageId: string, health: ListedContainer['health'] = null): ListedContainer {
  return { service, id, name: `shop-${service}-1`, state: 'running', health, imageId, exitCode: undefined, ports: [], environment: 'dev' };
}

function startAll(state: EngineState, at: number): { state: EngineState; ids: Record<string, string> } {
  const ids: Record<string, string> = {};
  for (let next = nextBuilds(state).start[0]; next !== undefined; next = nextBuilds(state).start[0]) {
    const id = `b${state.nextBuildId}`;
    state = reduce(state, { type: 'buildStarted', id, services: next.services, at });
    ids[next.services.join(',')] = id;
  }
  return { state, ids };
}

function completed(id: string, imageId: string, at: number): EngineAction {
  return { type: 'buildCompleted', id, imageId, upToDate: false, cachedSteps: 1, totalSteps: 2, durationMs: 300, tags: [], at };
}

const RUNNING = [
  container('web', 'c-web', 'sha256:web1'),
  container('worker', 'c-worker', 'sha256:web1'),
  container('notifier', 'c-notifier', 'busybox'),
  container('api', 'c-api', 'sha256:api1'),
];

/** The project up and watched, every image current. */
function up(mode: EngineMode = 'watch', reload?: Record<string, string>): EngineState {
  let { state, ids } = startAll(
    run(initialState({ mode, concurrency: 4, watcher: false }), {
      type: 'workspaceLoaded',
      workspace: shop(reload),
      composeFiles: ['/p/compose.yaml'],
      at: 0,
    }),
    1,
  );
  state = run(state, completed(ids['api']!, 'sha256:api1', 2), completed(ids['web,worker']!, 'sha256:web1', 2));
  const all = ['api', 'notifier', 'web', 'worker'];
  return run(
    state,
    { type: 'projectUpStarted', services: all, at: 3 },
    { type: 'containersListed', containers: RUNNING, at: 4 },
    { type: 'projectUp', services: all, at: 4 },
  );
}

/** An edit of web's sources rebuilt (no live sync): the shared build done, both containers behind. */
function rebuilt(state: EngineState): EngineState {
  const edited = run({ ...state, sync: false }, { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 10 });
  const build = startAll(edited, 11);
  return run(build.state, completed(build.ids['web,worker']!, 'sha256:web2', 12));
}

const services = (due: readonly { service: string }[]) => due.map((d) => d.service);

describe('container work served first', () => {
  test('after a shared build the port-publishing service is replaced first; its sharer waits until it runs', () => {
    let state = rebuilt(up());
    expect(services(replacementsDue(state))).toEqual(['web']);
    expect(containerWaits(state)).toEqual({ worker: ['web'] });
    expect(isIdle(state)).toBe(false);
    state = run(state, { type: 'containerReplaceStarted', service: 'web', containerId: 'c-web', at: 13 });
    expect(replacementsDue(state)).toEqual([]);
    expect(containerWaits(state)).toEqual({ worker: ['web'] });
    state = run(state, { type: 'containerReplaced', service: 'web', oldId: 'c-web', newId: 'c-web2', imageId: 'sha256:web2', at: 14 });
    expect(services(replacementsDue(state))).toEqual(['worker']);
    expect(containerWaits(state)).toEqual({});
    // notifier (depends_on web with restart: true) waits for web to settle, then for nothing.
    expect(restartsDue(state)).toEqual(['notifier']);
  });

  test('a new container whose healthcheck says starting holds the others until it answers, or until the wait ends', () => {
    const replaced = run(
      rebuilt(up()),
      { type: 'containerReplaceStarted', service: 'web', containerId: 'c-web', at: 13 },
      { type: 'containerReplaced', service: 'web', oldId: 'c-web', newId: 'c-web2', imageId: 'sha256:web2', at: 14 },
    );
    const listed = (health: ListedContainer['health']) => ({
      type: 'containersListed' as const,
      containers: [container('web', 'c-web2', 'sha256:web2', health), ...RUNNING.slice(1)],
      at: 15,
    });
    const starting = run(replaced, listed('starting'));
    expect(replacementsDue(starting)).toEqual([]);
    expect(restartsDue(starting)).toEqual([]);
    expect(containerWaits(starting)).toEqual({ notifier: ['web'], worker: ['web'] });
    expect(services(replacementsDue(run(starting, listed('healthy'))))).toEqual(['worker']);
    expect(services(replacementsDue(run(starting, listed('unhealthy'))))).toEqual(['worker']);
    const waitOver = run(starting, { type: 'readyWaitEnded', service: 'web', containerId: 'c-web2', at: 5015 });
    expect(services(replacementsDue(waitOver))).toEqual(['worker']);
    expect(restartsDue(waitOver)).toEqual(['notifier']);
  });

  test('the service selected in the TUI goes before the one that publishes ports', () => {
    const state = rebuilt(run(up(), { type: 'serviceFocused', service: 'worker', at: 5 }));
    expect(priorityOf(state, 'worker')).toBe(0);
    expect(priorityOf(state, 'web')).toBe(1);
    expect(services(replacementsDue(state))).toEqual(['worker']);
    expect(containerWaits(state)).toEqual({ web: ['worker'] });
  });

  test('services of the same rank go side by side; one-shot commands keep no order', () => {
    const focusedNone = rebuilt(up());
    const sameRank = { ...focusedNone, workspace: shop() };
    expect(services(replacementsDue(run(sameRank, { type: 'serviceFocused', service: 'api', at: 20 })))).toEqual(['web']);
    const oneShot = { ...rebuilt(up()), mode: 'up' as const };
    expect(services(replacementsDue(oneShot))).toEqual(['web', 'worker']);
  });

  test('a restart the user asked for waits for nothing', () => {
    const state = run(rebuilt(up()), { type: 'restartRequested', service: 'api', at: 13 });
    expect(restartsDue(state)).toEqual(['api']);
    expect(containerWaits(state)).toEqual({ worker: ['web'] });
  });

  test('a rebuild behind a live sync waits while containers are replaced or restarted', () => {
    let state = run(up(), { type: 'filesChanged', paths: ['/p/web/src/app.js'], at: 10 });
    const build = startAll(state, 11);
    const file = {
      path: 'web/src/app.js',
      destination: '/app/src/app.js',
      deleted: false,
      instruction: 'COPY src/ ./src/',
      line: 2,
      stage: 'develop',
    };
    state = run(
      build.state,
      { type: 'syncStarted', id: build.ids['web,worker']!, at: 11 },
      {
        type: 'serviceSynced',
        id: build.ids['web,worker']!,
        services: [
          { name: 'web', containerId: 'c-web', reload: 'restart', files: [file] },
          { name: 'worker', containerId: 'c-worker', reload: 'restart', files: [file], deferred: true },
        ],
        at: 12,
      },
      { type: 'backgroundBuildsReleased', services: ['web', 'worker'], at: 1512 },
    );
    // worker's restart was left for after web's: due now (web runs), and the rebuild behind waits for it.
    expect(restartsDue(state)).toEqual(['worker']);
    expect(nextBuilds(state).waiting).toEqual({ web: 'waiting-for-priority', worker: 'waiting-for-priority' });
    expect(isIdle(state)).toBe(false);
    state = run(state, { type: 'containerRestartStarted', service: 'worker', at: 1513 });
    expect(nextBuilds(state).start).toEqual([]);
    state = run(state, { type: 'containerRestarted', service: 'worker', at: 1600 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web', 'worker']]);
  });

  test('a live sync restarts the best-ranked services at once and leaves the others for after', () => {
    expect(deferredReloads(up(), ['web', 'worker'])).toEqual(['worker']);
    expect(deferredReloads(run(up(), { type: 'serviceFocused', service: 'worker', at: 5 }), ['web', 'worker'])).toEqual(['web']);
    expect(deferredReloads(up('watch', { worker: 'none' }), ['web', 'worker'])).toEqual([]);
    expect(deferredReloads(up(), ['worker'])).toEqual([]);
  });

  test('when builds wait for a slot, the port-publishing service builds first', () => {
    let state = run(
      { ...up(), sync: false, concurrency: 1 },
      { type: 'filesChanged', paths: ['/p/api/src/a.js'], at: 10 },
      { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 11 },
    );
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(nextBuilds(state).waiting).toEqual({ api: 'waiting-for-slot' });
    state = run(state, { type: 'serviceFocused', service: 'api', at: 12 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['api']]);
  });
});

describe('waits that always end', () => {
  test('a replacement whose container is gone holds no rebuild behind a live sync', async () => {
    const { containerWorkUnderWay } = await import('../../../../src/core/state/priority.js');
    const state = rebuilt(up());
    expect(containerWorkUnderWay(state)).toBe(true);
    const gone = run(state, {
      type: 'containersListed',
      containers: RUNNING.filter((c) => c.service !== 'web' && c.service !== 'worker'),
      at: 13,
    });
    expect(containerWorkUnderWay(gone)).toBe(false);
  });
});
