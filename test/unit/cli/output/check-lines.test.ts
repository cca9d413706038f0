/**
 * What watch prints about checks, driven by the store with the reducer's real state: one line per check for people,
 * one `check-start` / `check-done` event per service of the check with `--json`.
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import { initialState } from '../../../../src/core/state/engine-state.js';
import { createStore } from '../../../../src/engine/store.js';
import { checkOutputSubscriber } from '../../../../src/cli/output/check-lines.js';
import { dockerfile, project } from '../../../support/builders.js';

const WEB = dockerfile(
  'FROM busybox AS develop',
  'COPY src/ ./src/',
  'FROM develop AS test',
  'COPY test/ ./test/',
  'RUN node --test test/',
);

function checkLog(json: boolean) {
  const workspace = project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('worker', { build: { context: '/p/web' } })
    .file('/p/web/Dockerfile', WEB)
    .workspace('dev');
  const store = createStore(initialState({ mode: 'watch', concurrency: 2, checks: true }));
  const lines: string[] = [];
  const at = Date.UTC(2026, 11, 1, 9, 30, 0);
  store.subscribe(checkOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(`ERR ${line}`) }, json, () => at));
  store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at });
  const key = Object.keys(store.getState().checks)[0]!;
  return { store, lines, at, key };
}

const failure = new BuildFailedError("web, worker: stage 'test' step 2/2 (RUN node --test test/) failed: exit code 1", {
  service: 'web',
  stage: 'test',
  instruction: 'RUN node --test test/',
  file: 'web/Dockerfile',
  line: 5,
  logTail: ['not ok 1 - formats minutes', '# fail 1'],
});

describe('the check lines', () => {
  test('a check shared by web and worker is one line when it starts and one when it passes', () => {
    const { store, lines, at, key } = checkLog(false);
    store.dispatch({ type: 'checkStarted', key, id: 'c1', at });
    store.dispatch({
      type: 'checkFinished',
      key,
      id: 'c1',
      result: { passed: true, cached: false, durationMs: 2100, endedAt: at, hash: 'h', error: undefined },
      at,
    });
    store.dispatch({ type: 'checkStarted', key, id: 'c2', at });
    store.dispatch({
      type: 'checkFinished',
      key,
      id: 'c2',
      result: { passed: true, cached: true, durationMs: 30, endedAt: at, hash: 'h', error: undefined },
      at,
    });
    expect(lines).toEqual([
      '09:30:00 web, worker: check test running',
      '09:30:00 web, worker: check test passed in 2.1s',
      '09:30:00 web, worker: check test running',
      '09:30:00 web, worker: check test passed (remembered for these inputs)',
    ]);
  });

  test('a failure names the instruction and Dockerfile line, then the output, on stderr', () => {
    const { store, lines, at, key } = checkLog(false);
    store.dispatch({ type: 'checkStarted', key, id: 'c1', at });
    store.dispatch({
      type: 'checkFinished',
      key,
      id: 'c1',
      result: { passed: false, cached: false, durationMs: 1900, endedAt: at, hash: 'h', error: failure },
      at,
    });
    expect(lines.at(-1)).toBe(
      'ERR 09:30:00 web, worker: check test FAILED in 1.9s: RUN node --test test/ (web/Dockerfile:5)\n  │ not ok 1 - formats minutes\n  │ # fail 1',
    );
  });

  test('--json: one check-start and one check-done per service, with the run id, the result and the error', () => {
    const { store, lines, at, key } = checkLog(true);
    store.dispatch({ type: 'checkStarted', key, id: 'c1', at });
    store.dispatch({
      type: 'checkFinished',
      key,
      id: 'c1',
      result: { passed: false, cached: false, durationMs: 1900, endedAt: at, hash: 'h', error: failure },
      at,
    });
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => [e['type'], e['service'], e['id'], e['stage']])).toEqual([
      ['check-start', 'web', 'c1', 'test'],
      ['check-start', 'worker', 'c1', 'test'],
      ['check-done', 'web', 'c1', 'test'],
      ['check-done', 'worker', 'c1', 'test'],
    ]);
    expect(events[2]).toMatchObject({
      passed: false,
      durationMs: 1900,
      cached: false,
      services: ['web', 'worker'],
      error: { file: 'web/Dockerfile', line: 5, instruction: 'RUN node --test test/', logTail: ['not ok 1 - formats minutes', '# fail 1'] },
    });
  });
});
