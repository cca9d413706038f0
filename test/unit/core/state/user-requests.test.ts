/**
 * What the user's keys ask of the engine (restart, stop, start), as scenario
 * tests of the reducer and the due-work selectors. No I/O.
 */
import { describe, expect, test } from 'vitest';
import type { EngineAction, ListedContainer } from '../../../../src/core/state/actions.js';
import { isSettled, restartsDue, servicesToStart } from '../../../../src/core/state/due.js';
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
  return { service, id, name: `shop-${service}-1`, state, health: null, imageId: 'sha256:1', exitCode: undefined, ports: [], environment: 'dev' };
}

/** Watching with web built and both services up. */
function running(): EngineState {
  return run(
    initialState({ mode: 'watch', concurrency: 2 }),
    { type: 'workspaceLoaded', workspace: WORKSPACE, composeFiles: [], at: 0 },
    { type: 'buildStarted', id: 'b1', services: ['web'], at: 1 },
    { type: 'buildCompleted', id: 'b1', imageId: 'sha256:1', upToDate: true, cachedSteps: 0, totalSteps: 0, durationMs: 5, tags: [], at: 2 },
    { type: 'projectUpStarted', services: ['cache', 'web'], at: 3 },
    { type: 'containersListed', containers: [container('web', 'c-web'), container('cache', 'c-cache')], at: 4 },
    { type: 'projectUp', services: ['cache', 'web'], at: 4 },
  );
}

describe('restart asked for by the user', () => {
  test('is due at once, waiting for no other service', () => {
    const state = run(running(), { type: 'restartRequested', service: 'cache', at: 10 });
    expect(state.services['cache']?.restart).toEqual({ reasons: [{ path: null, stage: null, instruction: null, line: null, rule: 'requested', detail: 'asked for' }], after: [] });
    expect(restartsDue(state)).toEqual(['cache']);
  });

  test('asked twice before it starts, it restarts once', () => {
    const state = run(running(), { type: 'restartRequested', service: 'web', at: 10 }, { type: 'restartRequested', service: 'web', at: 11 });
    expect(state.services['web']?.restart?.reasons).toHaveLength(1);
    expect(restartsDue(state)).toEqual(['web']);
  });

  test('does nothing to a service whose container is not running, so the service stays settled', () => {
    let state = run(running(), { type: 'containersListed', containers: [container('web', 'c-web', 'exited'), container('cache', 'c-cache')], at: 10 });
    state = run(state, { type: 'restartRequested', service: 'web', at: 11 });
    expect(state.services['web']?.restart).toBeUndefined();
    expect(isSettled(state.services['web']!)).toBe(true);
  });
});

describe('stop and start asked for by the user', () => {
  test('a stopped service is not brought up again until the user starts it', () => {
    let state = run(running(), { type: 'serviceStopped', service: 'web', at: 10 }, { type: 'containersListed', containers: [container('web', 'c-web', 'exited'), container('cache', 'c-cache')], at: 11 });
    expect(servicesToStart(state)).toBeUndefined();
    state = run(state, { type: 'serviceStartRequested', service: 'web', at: 12 });
    expect(servicesToStart(state)).toEqual(['web']);
  });

  test('a failed stop is the last error and stays on the service', () => {
    const state = run(running(), { type: 'serviceStopped', service: 'web', at: 10 }, { type: 'containerStopFailed', service: 'web', error: new DockstageError('stopping web failed: timeout', { exitCode: 1 }), at: 11 });
    expect(state.lastError).toEqual({ message: 'stopping web failed: timeout', at: 11 });
    expect(state.services['web']?.operationError?.message).toBe('stopping web failed: timeout');
  });
});
