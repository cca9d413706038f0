/**
 * Checks in the pure core: which stages are checks (core/checks.ts through the workspace), and the scheduling of
 * `nextChecks` driven by actions as the subscribers dispatch them, on chosen `at` values (no clock, no I/O).
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction } from '../../../../src/core/state/actions.js';
import { initialState, type EngineState } from '../../../../src/core/state/engine-state.js';
import { nextBuilds } from '../../../../src/core/state/next-builds.js';
import { nextChecks } from '../../../../src/core/state/next-checks.js';
import { reduce } from '../../../../src/core/state/reducer.js';
import { planForChanges } from '../../../../src/core/state/plan.js';
import type { Workspace } from '../../../../src/core/workspace.js';
import { dockerfile, project } from '../../../support/builders.js';

const WEB = dockerfile(
  'FROM busybox AS base',
  'COPY package.json ./',
  'FROM base AS develop',
  'COPY src/ ./src/',
  'FROM develop AS test',
  'COPY test/ ./test/',
  'RUN run-tests',
  'FROM base AS lint',
  'COPY .eslintrc ./',
  'FROM base AS builder',
  'COPY src/ ./src/',
  'FROM busybox AS production',
  'COPY --from=builder /app /app',
  'COPY prod.conf /etc/',
);
const API = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

function shop(config?: unknown) {
  const builder = project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('worker', { build: { context: '/p/web' } })
    .service('api', { build: { context: '/p/api' } })
    .service('cache', { image: 'busybox:latest' })
    .file('/p/web/Dockerfile', WEB)
    .file('/p/api/Dockerfile', API);
  return config === undefined ? builder : builder.config(config);
}

const checksOf = (workspace: Workspace) =>
  Object.fromEntries(workspace.services.map((s) => [s.name, s.build?.checks.map((c) => c.stage) ?? []]));

function run(state: EngineState, ...actions: EngineAction[]): EngineState {
  return actions.reduce(reduce, state);
}

/** A watch run on the workspace, its start-up builds done and the project up: the served path is done. */
function served(workspace = shop().workspace('dev'), concurrency = 4): EngineState {
  let state = run(initialState({ mode: 'watch', concurrency, checks: true }), {
    type: 'workspaceLoaded',
    workspace,
    composeFiles: ['/p/compose.yaml'],
    at: 0,
  });
  for (let next = nextBuilds(state).start[0]; next !== undefined; next = nextBuilds(state).start[0]) {
    const id = `b${state.nextBuildId}`;
    state = run(
      state,
      { type: 'buildStarted', id, services: next.services, at: 1 },
      {
        type: 'buildCompleted',
        id,
        imageId: `sha256:${id}`,
        upToDate: true,
        cachedSteps: 0,
        totalSteps: 0,
        durationMs: 5,
        tags: [],
        at: 2,
      },
    );
  }
  return run(
    state,
    { type: 'projectUpStarted', services: ['api', 'cache', 'web', 'worker'], at: 3 },
    { type: 'projectUp', services: ['api', 'cache', 'web', 'worker'], at: 4 },
  );
}

/** Starts what nextChecks offers, as the subscriber does; returns the state and the ids by stage. */
function startChecks(state: EngineState, at = 5): { state: EngineState; ids: Record<string, string> } {
  const ids: Record<string, string> = {};
  for (const check of nextChecks(state).start) {
    ids[check.stage] = `c-${check.stage}-${at}`;
    state = reduce(state, { type: 'checkStarted', key: check.key, id: ids[check.stage]!, at });
  }
  return { state, ids };
}

function keyOf(state: EngineState, stage: string): string {
  return Object.values(state.checks).find((check) => check.stage === stage)!.key;
}

function finished(state: EngineState, stage: string, id: string, passed = true, at = 9): EngineAction {
  return {
    type: 'checkFinished',
    key: keyOf(state, stage),
    id,
    result: { passed, cached: false, durationMs: 2100, endedAt: at, hash: 'h', error: undefined },
    at,
  };
}

describe('which stages are checks', () => {
  test('in dev and ci, test and lint by convention, shared by the services building the Dockerfile alike; none in prod', () => {
    const dev = shop().workspace('dev');
    expect(checksOf(dev)).toEqual({ api: [], cache: [], web: ['test', 'lint'], worker: ['test', 'lint'] });
    expect(dev.services.find((s) => s.name === 'web')!.build!.checks.map((c) => c.key)).toEqual(
      dev.services.find((s) => s.name === 'worker')!.build!.checks.map((c) => c.key),
    );
    expect(checksOf(shop().workspace('ci'))).toEqual({ api: [], cache: [], web: ['test', 'lint'], worker: ['test', 'lint'] });
    expect(checksOf(shop().workspace('prod'))).toEqual({ api: [], cache: [], web: [], worker: [] });
  });

  test('configured per environment and per service; a stage in the target closure is never a check', () => {
    const config = {
      environments: {
        prod: { checks: ['test'] },
        dev: { services: { worker: { checks: [] } } },
        ci: { target: 'test', checks: ['test', 'lint'] },
      },
    };
    expect(checksOf(shop(config).workspace('prod'))).toEqual({ api: [], cache: [], web: ['test'], worker: ['test'] });
    expect(checksOf(shop(config).workspace('dev'))).toEqual({ api: [], cache: [], web: ['test', 'lint'], worker: [] });
    expect(checksOf(shop(config).workspace('ci'))).toEqual({ api: [], cache: [], web: ['lint'], worker: ['lint'] });
  });

  test('a configured check the Dockerfile lacks is an error naming the config path, with a suggestion', () => {
    expect(shop({ environments: { dev: { services: { web: { checks: ['tset'] } } } } }).errors('dev')).toEqual([
      "x-dockstage.environments.dev.services.web.checks: service 'web' has no stage 'tset' in web/Dockerfile to check (did you mean 'test'? stages: base, develop, test, lint, builder, production)",
    ]);
    expect(shop({ environments: { dev: { checks: ['lnt'] } } }).errors('dev')).toEqual([
      "x-dockstage.environments.dev.checks: environment 'dev' checks stage 'lnt', which no service's Dockerfile has (did you mean 'lint'? stages: base, builder, develop, lint, production, test)",
    ]);
  });

  test("plan lists each service's checks", () => {
    expect(planForChanges(shop().workspace('dev'), []).services.map((s) => [s.name, s.checks])).toEqual([
      ['api', []],
      ['cache', []],
      ['web', ['test', 'lint']],
      ['worker', ['test', 'lint']],
    ]);
  });
});

describe('nextChecks', () => {
  test('at start every check is due, and waits until the start-up builds and the first up are done', () => {
    let state = run(initialState({ mode: 'watch', concurrency: 4, checks: true }), {
      type: 'workspaceLoaded',
      workspace: shop().workspace('dev'),
      composeFiles: [],
      at: 0,
    });
    expect(Object.values(nextChecks(state).waiting)).toEqual(['serving', 'serving']);
    state = served();
    expect(nextChecks(state).start.map((c) => [c.stage, c.services])).toEqual([
      ['test', ['web', 'worker']],
      ['lint', ['web', 'worker']],
    ]);
  });

  test('off outside watch, and with checks off', () => {
    expect(initialState({ mode: 'up', concurrency: 4, checks: true }).checksEnabled).toBe(false);
    const state = run(initialState({ mode: 'watch', concurrency: 4, checks: false }), {
      type: 'workspaceLoaded',
      workspace: shop().workspace('dev'),
      composeFiles: [],
      at: 0,
    });
    expect(state.checks).toEqual({});
    expect(nextChecks(state).start).toEqual([]);
  });

  test('an edit read only by test runs test alone, once for web and worker; one read only by production runs nothing', () => {
    let { state, ids } = startChecks(served());
    state = run(state, finished(state, 'test', ids['test']!), finished(state, 'lint', ids['lint']!));
    expect(nextChecks(state).start).toEqual([]);
    const quiet = run(state, { type: 'filesChanged', paths: ['/p/web/prod.conf'], at: 10 });
    expect(nextChecks(quiet).start).toEqual([]);
    state = run(state, { type: 'filesChanged', paths: ['/p/web/test/a.test.js'], at: 10 });
    expect(nextBuilds(state).start).toEqual([]);
    expect(nextChecks(state).start.map((c) => [c.stage, c.services])).toEqual([['test', ['web', 'worker']]]);
    expect(state.checks[keyOf(state, 'lint')]!.last?.passed).toBe(true);
  });

  test('an edit of the served path comes first: the check waits for the build, and one running gives way', () => {
    let { state, ids } = startChecks(served());
    state = run(state, finished(state, 'lint', ids['lint']!));
    // src/ is read by develop (web and worker rebuild) and by test: the build first; the running check is cancelled.
    state = run(state, { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 10 });
    expect(nextBuilds(state).start.map((b) => b.services)).toEqual([['web', 'worker']]);
    expect(nextChecks(state).cancel).toEqual([keyOf(state, 'test')]);
    state = run(state, { type: 'checkCancelled', key: keyOf(state, 'test'), id: ids['test']!, at: 11 });
    expect(nextChecks(state)).toEqual({ start: [], cancel: [], waiting: { [keyOf(state, 'test')]: 'serving' } });
    const id = `b${state.nextBuildId}`;
    state = run(
      state,
      { type: 'buildStarted', id, services: ['web', 'worker'], at: 12 },
      { type: 'buildCompleted', id, imageId: 'sha256:b1', upToDate: true, cachedSteps: 0, totalSteps: 0, durationMs: 5, tags: [], at: 13 },
    );
    expect(nextChecks(state).start.map((c) => c.stage)).toEqual(['test']);
  });

  test("a new edit of a running check's inputs cancels it, and it runs again", () => {
    let { state, ids } = startChecks(served());
    state = run(state, { type: 'filesChanged', paths: ['/p/web/test/a.test.js'], at: 10 });
    expect(nextChecks(state).cancel).toEqual([keyOf(state, 'test')]);
    state = run(state, { type: 'checkCancelled', key: keyOf(state, 'test'), id: ids['test']!, at: 11 });
    expect(nextChecks(state).start.map((c) => c.stage)).toEqual(['test']);
    // A late result of the cancelled run is not taken.
    expect(run(state, finished(state, 'test', ids['test']!)).checks[keyOf(state, 'test')]!.last).toBeUndefined();
  });

  test('checks take only the slots builds leave, and wait while paused unless asked for', () => {
    const one = served(shop().workspace('dev'), 1);
    expect(nextChecks(one).start.map((c) => c.stage)).toEqual(['test']);
    expect(Object.values(nextChecks(one).waiting)).toEqual(['waiting-for-slot']);
    const paused = run(served(), { type: 'watchPaused', at: 5 });
    expect(Object.values(nextChecks(paused).waiting)).toEqual(['paused', 'paused']);
    let { state, ids } = startChecks(served());
    state = run(
      state,
      finished(state, 'test', ids['test']!),
      finished(state, 'lint', ids['lint']!),
      { type: 'watchPaused', at: 10 },
      { type: 'checksRequested', services: ['worker'], at: 11 },
    );
    expect(nextChecks(state).start.map((c) => c.stage)).toEqual(['test', 'lint']);
  });

  test('a failure is kept until the check runs again; stopping cancels what runs', () => {
    let { state, ids } = startChecks(served());
    state = run(state, finished(state, 'test', ids['test']!, false));
    expect(state.checks[keyOf(state, 'test')]!.last?.passed).toBe(false);
    state = run(state, { type: 'stopRequested', at: 12 });
    expect(nextChecks(state).cancel).toEqual([keyOf(state, 'lint')]);
  });
});
