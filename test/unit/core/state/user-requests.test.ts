/**
 * What the user's keys ask of the engine (restart, stop, start), as scenario
 * tests of the reducer and the due-work selectors. No I/O.
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction, ListedContainer } from '../../../../src/core/state/actions.js';
import { isSettled, restartsDue, servicesToStart } from '../../../../src/core/state/due.js';
import { nextBuilds } from '../../../../src/core/state/next-builds.js';
import { initialState, type EngineState } from '../../../../src/core/state/engine-state.js';
import { reduce } from '../../../../src/core/state/reducer.js';
import { DockstageError } from '../../../../src/core/errors.js';
import { dockerfile, project } from '../../../support/builders.js';

const WORKSPACE = project('shop', '/p')
  .service('web', { build: { context: '/p/web' } })
  .service('cache', { image: 'busybox:latest' })
  .file('/p/web/Dockerfile', dockerfile('FROM busybox AS develop', 'COPY src/ ./src/'))
  .workspace('dev');

function run(state: EngineState, ...actions: EngineAction[]): EngineState {
  return actions.reduce(reduce, state);
}

function container(service: string, id: string, state: ListedContainer['state'] = 'running'): ListedContainer {
  return {
    service,
    id,
    name: `shop-${service}-1`,
    state,
    health: null,
    imageId: 'sha256:1',
    exitCode: undefined,
    ports: [],
    environment: 'dev',
  };
}

/** Watching with web built and both services up. */
function running(): EngineState {
  return run(
    initialState({ mode: 'watch', concurrency: 2 }),
    { type: 'workspaceLoaded', workspace: WORKSPACE, composeFiles: [], at: 0 },
    { type: 'buildStarted', id: 'b1', services: ['web'], at: 1 },
    {
      type: 'buildCompleted',
      id: 'b1',
      imageId: 'sha256:1',
      upToDate: true,
      cachedSteps: 0,
      totalSteps: 0,
      durationMs: 5,
      tags: [],
      at: 2,
    },
    { type: 'projectUpStarted', services: ['cache', 'web'], at: 3 },
    { type: 'containersListed', containers: [container('web', 'c-web'), container('cache', 'c-cache')], at: 4 },
    { type: 'projectUp', services: ['cache', 'web'], at: 4 },
  );
}

describe('restart asked for by the user', () => {
  test('is due at once, waiting for no other service', () => {
    const state = run(running(), { type: 'restartRequested', service: 'cache', at: 10 });
    expect(state.services['cache']?.restart).toEqual({
      reasons: [{ path: null, stage: null, instruction: null, line: null, rule: 'requested', detail: 'asked for' }],
      after: [],
      asked: true,
    });
    expect(restartsDue(state)).toEqual(['cache']);
  });

  test('asked twice before it starts, it restarts once', () => {
    const state = run(
      running(),
      { type: 'restartRequested', service: 'web', at: 10 },
      { type: 'restartRequested', service: 'web', at: 11 },
    );
    expect(state.services['web']?.restart?.reasons).toHaveLength(1);
    expect(restartsDue(state)).toEqual(['web']);
  });

  test('does nothing to a service whose container is not running, so the service stays settled', () => {
    let state = run(running(), {
      type: 'containersListed',
      containers: [container('web', 'c-web', 'exited'), container('cache', 'c-cache')],
      at: 10,
    });
    state = run(state, { type: 'restartRequested', service: 'web', at: 11 });
    expect(state.services['web']?.restart).toBeUndefined();
    expect(isSettled(state.services['web']!)).toBe(true);
  });
});

describe('stop and start asked for by the user', () => {
  test('a stopped service is not brought up again until the user starts it', () => {
    let state = run(
      running(),
      { type: 'serviceStopped', service: 'web', at: 10 },
      { type: 'containersListed', containers: [container('web', 'c-web', 'exited'), container('cache', 'c-cache')], at: 11 },
    );
    expect(servicesToStart(state)).toBeUndefined();
    state = run(state, { type: 'serviceStartRequested', service: 'web', at: 12 });
    expect(servicesToStart(state)).toEqual(['web']);
  });

  test('a failed stop is the last error and stays on the service', () => {
    const state = run(
      running(),
      { type: 'serviceStopped', service: 'web', at: 10 },
      { type: 'containerStopFailed', service: 'web', error: new DockstageError('stopping web failed: timeout', { exitCode: 1 }), at: 11 },
    );
    expect(state.lastError).toEqual({ message: 'stopping web failed: timeout', at: 11 });
    expect(state.services['web']?.operationError?.message).toBe('stopping web failed: timeout');
  });
});

describe('edits while watching is paused', () => {
  test('build nothing, but note the services they would rebuild, with the time of the latest edit', () => {
    // Given watching paused
    let state = run(running(), { type: 'watchPaused', at: 10 });
    // When web's sources change twice and a file no service reads changes
    state = run(
      state,
      { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 11 },
      { type: 'filesChanged', paths: ['/p/notes.txt'], at: 12 },
      { type: 'filesChanged', paths: ['/p/web/src/b.js'], at: 13 },
    );
    // Then nothing is pending, and web is noted once, at the latest edit
    expect(state.services['web']?.pending).toBeUndefined();
    expect(state.watch.changedWhilePaused).toEqual({ web: 13 });
  });

  test('resuming forgets the note: every image is checked instead', () => {
    let state = run(running(), { type: 'watchPaused', at: 10 }, { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 11 });
    state = run(state, { type: 'watchResumed', at: 12 });
    expect(state.watch.changedWhilePaused).toEqual({});
    expect(state.services['web']?.pending?.reasons[0]?.detail).toBe('watching resumed: is the image up to date?');
  });

  test('an edit while watching is not noted', () => {
    const state = run(running(), { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 11 });
    expect(state.watch.changedWhilePaused).toEqual({});
    expect(state.services['web']?.pending).toBeDefined();
  });
});

describe('a forced rebuild asked for by the user', () => {
  test('is pending with force, builds even while paused, and an edit before it starts keeps it forced', () => {
    // Given watching paused
    let state = run(running(), { type: 'watchPaused', at: 10 });
    // When F is pressed on web, then watching resumes and web's sources change before the build starts
    state = run(state, { type: 'buildRequested', services: ['web'], force: true, at: 11 });
    expect(state.services['web']?.pending).toMatchObject({
      force: true,
      requested: true,
      reasons: [{ rule: 'requested', detail: 'forced rebuild (even if up to date)' }],
    });
    expect(nextBuilds(state).start.map((build) => build.services)).toEqual([['web']]);
    state = run(state, { type: 'watchResumed', at: 12 }, { type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 13 });
    // Then it is still forced
    expect(state.services['web']?.pending?.force).toBe(true);
  });

  test('b asks for no force: an image with the same inputs is reused', () => {
    const state = run(running(), { type: 'buildRequested', services: ['web'], at: 11 });
    expect(state.services['web']?.pending?.force).toBeUndefined();
  });
});
