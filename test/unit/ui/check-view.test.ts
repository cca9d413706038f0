/** The checks in the TUI's view: the column, the stage tree and the failure in the build pane. */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../src/core/errors.js';
import { initialState, type EngineState } from '../../../src/core/state/engine-state.js';
import { reduce } from '../../../src/core/state/reducer.js';
import { checkProblemLines, checksBadge, checkStageBadge } from '../../../src/ui/check-view.js';
import { dockerfile, project } from '../../support/builders.js';

const WEB = dockerfile(
  'FROM busybox AS develop',
  'COPY src/ ./src/',
  'FROM develop AS test',
  'RUN run-tests',
  'FROM develop AS lint',
  'RUN run-lint',
);
const workspace = project('shop', '/p')
  .service('web', { build: { context: '/p/web' } })
  .service('cache', { image: 'busybox' })
  .file('/p/web/Dockerfile', WEB)
  .workspace('dev');
const web = workspace.services.find((s) => s.name === 'web')!;
const failure = new BuildFailedError('web: failed', {
  service: 'web',
  instruction: 'RUN run-lint',
  file: 'web/Dockerfile',
  line: 6,
  logTail: ['a', 'b', 'c', 'd', 'e', 'src/a.js: missing semicolon'],
});

function withResults(): EngineState {
  let state = reduce(initialState({ mode: 'watch', concurrency: 2, checks: true }), {
    type: 'workspaceLoaded',
    workspace,
    composeFiles: [],
    at: 0,
  });
  const [test, lint] = web.build!.checks.map((c) => c.key);
  state = reduce(state, { type: 'checkStarted', key: test!, id: 'c1', at: 1 });
  state = reduce(state, {
    type: 'checkFinished',
    key: test!,
    id: 'c1',
    result: { passed: true, cached: false, durationMs: 2100, endedAt: 2, hash: 'h', error: undefined },
    at: 2,
  });
  state = reduce(state, { type: 'checkStarted', key: lint!, id: 'c2', at: 1 });
  return reduce(state, {
    type: 'checkFinished',
    key: lint!,
    id: 'c2',
    result: { passed: false, cached: false, durationMs: 900, endedAt: 2, hash: 'h', error: failure },
    at: 2,
  });
}

describe('the checks in the TUI', () => {
  test('the column: due checks wait with …, then ✓ with the time or ✗; none for an image service', () => {
    const start = reduce(initialState({ mode: 'watch', concurrency: 2, checks: true }), {
      type: 'workspaceLoaded',
      workspace,
      composeFiles: [],
      at: 0,
    });
    expect(checksBadge(start, web)).toEqual({ symbol: '', word: '… test … lint', tone: 'busy' });
    expect(checksBadge(withResults(), web)).toEqual({ symbol: '', word: '✓ test 2.1s ✗ lint', tone: 'error' });
    expect(
      checksBadge(
        withResults(),
        workspace.services.find((s) => s.name === 'cache')!,
      ),
    ).toBeUndefined();
  });

  test('the stage tree says how each check stage ended; the build pane shows the failure, its line and the output tail', () => {
    const state = withResults();
    expect(
      Object.values(state.checks)
        .map(checkStageBadge)
        .map((b) => `${b.symbol} ${b.word}`)
        .sort(),
    ).toEqual(['✓ check passed 2.1s', '✗ check failed']);
    expect(checkProblemLines(state, web, false)).toEqual([
      '✗ check lint failed: RUN run-lint',
      '  --> web/Dockerfile:6',
      '  │ c',
      '  │ d',
      '  │ e',
      '  │ src/a.js: missing semicolon',
    ]);
    expect(checkProblemLines(state, web, true)).toHaveLength(8);
  });
});
