/**
 * The human watch log, driven by the store with the reducer's real state: what
 * a person reads for an edit that rebuilds, one that syncs and a build that
 * fails. No engine: actions are dispatched as the subscribers would.
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import { initialState } from '../../../../src/core/state/engine-state.js';
import { createStore } from '../../../../src/engine/store.js';
import { watchOutputSubscriber } from '../../../../src/cli/output/watch-lines.js';
import { dockerfile, project } from '../../../support/builders.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/', 'RUN node --check src/server.js');

function watchLog() {
  const workspace = project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('worker', { build: { context: '/p/web' } })
    .file('/p/web/Dockerfile', WEB)
    .workspace('dev');
  const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
  const lines: string[] = [];
  const at = Date.UTC(2026, 11, 1, 9, 30, 0);
  store.subscribe(watchOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(`ERR ${line}`) }, false, () => at));
  store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at });
  // Settle the check at start, so the edit is the only work
  for (const id of ['b1']) {
    store.dispatch({ type: 'buildStarted', id, services: ['web', 'worker'], at });
    store.dispatch({
      type: 'buildCompleted',
      id,
      imageId: 'sha256:one',
      upToDate: true,
      cachedSteps: 0,
      totalSteps: 0,
      durationMs: 5,
      tags: [],
      at,
    });
  }
  lines.length = 0;
  return { store, lines, at };
}

describe('the human watch log', () => {
  test('an edit that needs a rebuild says the change, then the build: no "rebuild" line before it', () => {
    const { store, lines, at } = watchLog();
    store.dispatch({ type: 'filesChanged', paths: ['/p/web/src/server.js'], at });
    store.dispatch({ type: 'buildStarted', id: 'b2', services: ['web', 'worker'], at });
    store.dispatch({ type: 'buildkitStarted', id: 'b2', tags: ['shop-web:dev'], at });
    expect(lines).toEqual(['09:30:00 change web/src/server.js', '09:30:00 web, worker: building develop']);
  });

  test("a failed build names its services once, shows the step's last output, then the hint", () => {
    const { store, lines, at } = watchLog();
    store.dispatch({ type: 'filesChanged', paths: ['/p/web/src/server.js'], at });
    store.dispatch({ type: 'buildStarted', id: 'b2', services: ['web', 'worker'], at });
    store.dispatch({ type: 'buildkitStarted', id: 'b2', tags: ['shop-web:dev'], at });
    const error = new BuildFailedError("web, worker: stage 'develop' step 2/2 (RUN node --check src/server.js) failed: exit code 1", {
      service: 'web',
      file: 'web/Dockerfile',
      line: 3,
      logTail: ['/app/src/server.js:3', 'syntax error here(', 'SyntaxError: Unexpected end of input'],
      hint: 'fix the failing step',
    });
    store.dispatch({ type: 'buildFailed', id: 'b2', error, cancelled: false, at });
    expect(lines.at(-1)).toBe(
      [
        "ERR 09:30:00 web, worker: build FAILED: stage 'develop' step 2/2 (RUN node --check src/server.js) failed: exit code 1 (web/Dockerfile:3)",
        '  │ /app/src/server.js:3',
        '  │ syntax error here(',
        '  │ SyntaxError: Unexpected end of input',
        '  hint: fix the failing step',
      ].join('\n'),
    );
  });

  test('watch --json: a failed build says how long it ran and how many of its steps were cached, with the error', () => {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/web' } })
      .file('/p/web/Dockerfile', WEB)
      .workspace('dev');
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const lines: string[] = [];
    store.subscribe(watchOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(line) }, true, () => 0));
    store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at: 1_000 });
    store.dispatch({ type: 'buildStarted', id: 'b1', services: ['web'], at: 1_000 });
    store.dispatch({ type: 'buildkitStarted', id: 'b1', tags: ['shop-web:dev'], at: 1_010 });
    store.dispatch({
      type: 'buildProgressed',
      id: 'b1',
      event: {
        type: 'step-completed',
        vertex: 'v1',
        stage: 'develop',
        step: 1,
        total: 2,
        instruction: 'COPY src/ ./src/',
        cached: true,
        at: 1_200,
        durationMs: 0,
      },
      line: 2,
    });
    const error = new BuildFailedError('web: RUN node --check src/server.js failed', {
      service: 'web',
      file: 'web/Dockerfile',
      line: 3,
      logTail: ['SyntaxError'],
    });
    store.dispatch({ type: 'buildFailed', id: 'b1', error, cancelled: false, at: 1_750 });
    const failed = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((event) => event['type'] === 'build-failed');
    expect(failed).toMatchObject({
      services: ['web'],
      durationMs: 750,
      cachedSteps: 1,
      error: { file: 'web/Dockerfile', line: 3, logTail: ['SyntaxError'] },
    });
  });

  test('a change in the context of a service that cannot build says it is blocked and why, not "nothing to do"', () => {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/web' } })
      .file('/p/web/Dockerfile', 'FROM busybox AS develop\nCOPPY src/ /app/\n')
      .workspace('dev');
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const lines: string[] = [];
    store.subscribe(
      watchOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(line) }, false, () =>
        Date.UTC(2026, 11, 1, 9, 30, 0),
      ),
    );
    store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at: 0 });
    expect(workspace.services[0]!.blocked).not.toEqual([]);
    lines.length = 0;
    store.dispatch({ type: 'filesChanged', paths: ['/p/web/src/a.js'], at: 1 });
    expect(lines[0]).toBe('09:30:00 change web/src/a.js');
    expect(lines[1]).toMatch(/^09:30:00 web: not rebuilt, blocked: .+ \(web\/Dockerfile:2\)$/);
  });

  test('a change nothing reads says so', () => {
    const { store, lines, at } = watchLog();
    store.dispatch({ type: 'filesChanged', paths: ['/p/README.md'], at });
    expect(lines).toEqual(['09:30:00 change README.md', '09:30:00 nothing to do']);
  });
});

describe('services served first, in the watch log', () => {
  function upWithPorts(json: boolean) {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/web' }, ports: [{ target: 3000, published: '8080' }] })
      .service('worker', { build: { context: '/p/web' } })
      .file('/p/web/Dockerfile', WEB)
      .workspace('dev');
    const store = createStore(initialState({ mode: 'watch', concurrency: 2 }));
    const lines: string[] = [];
    store.subscribe(
      watchOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(`ERR ${line}`) }, json, () =>
        Date.UTC(2026, 11, 1, 9, 30, 0),
      ),
    );
    const running = (id: string, image: string) => ({
      id,
      name: id,
      state: 'running' as const,
      health: null,
      imageId: image,
      exitCode: undefined,
      ports: [],
      environment: 'dev',
    });
    store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at: 0 });
    store.dispatch({ type: 'buildStarted', id: 'b1', services: ['web', 'worker'], at: 0 });
    store.dispatch({
      type: 'buildCompleted',
      id: 'b1',
      imageId: 'sha256:one',
      upToDate: true,
      cachedSteps: 0,
      totalSteps: 0,
      durationMs: 5,
      tags: [],
      at: 1,
    });
    store.dispatch({ type: 'projectUpStarted', services: ['web', 'worker'], at: 2 });
    store.dispatch({
      type: 'containersListed',
      containers: [
        { ...running('c-web', 'sha256:one'), service: 'web' },
        { ...running('c-worker', 'sha256:one'), service: 'worker' },
      ],
      at: 3,
    });
    store.dispatch({ type: 'projectUp', services: ['web', 'worker'], at: 3 });
    return { store, lines };
  }

  test('a replacement held back for web says so once, in words and as a waiting event', () => {
    for (const json of [false, true]) {
      const { store, lines } = upWithPorts(json);
      lines.length = 0;
      store.dispatch({ type: 'filesChanged', paths: ['/p/web/src/server.js'], at: 10 });
      store.dispatch({ type: 'buildStarted', id: 'b2', services: ['web', 'worker'], at: 11 });
      store.dispatch({
        type: 'buildCompleted',
        id: 'b2',
        imageId: 'sha256:two',
        upToDate: false,
        cachedSteps: 1,
        totalSteps: 2,
        durationMs: 300,
        tags: [],
        at: 12,
      });
      store.dispatch({ type: 'containerReplaceStarted', service: 'web', containerId: 'c-web', at: 13 });
      if (json) {
        const waiting = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((event) => event['type'] === 'waiting');
        expect(waiting).toEqual([expect.objectContaining({ service: 'worker', reason: 'waiting-for-priority', for: ['web'] })]);
      } else {
        expect(lines.filter((line) => line.includes('waits'))).toEqual(['09:30:00 worker: waits for web (served first)']);
      }
    }
  });

  test('a restart left for after the services served first is not ready before it has run', () => {
    const { store, lines } = upWithPorts(false);
    store.dispatch({ type: 'filesChanged', paths: ['/p/web/src/server.js'], at: 10 });
    store.dispatch({ type: 'buildStarted', id: 'b2', services: ['web', 'worker'], at: 11 });
    store.dispatch({ type: 'syncStarted', id: 'b2', at: 11 });
    const file = {
      path: 'web/src/server.js',
      destination: '/app/src/server.js',
      deleted: false,
      instruction: 'COPY src/ ./src/',
      line: 2,
      stage: 'develop',
    };
    // The containers are held back from restarting: web is being replaced for another reason.
    store.dispatch({ type: 'containerReplaceStarted', service: 'web', containerId: 'c-web', at: 12 });
    lines.length = 0;
    store.dispatch({
      type: 'serviceSynced',
      id: 'b2',
      services: [{ name: 'worker', containerId: 'c-worker', reload: 'restart', files: [file], deferred: true }],
      at: 13,
    });
    expect(lines.some((line) => line.includes('worker: ready'))).toBe(false);
    store.dispatch({ type: 'containerRestartStarted', service: 'worker', at: 14 });
    store.dispatch({ type: 'containerRestarted', service: 'worker', at: 15 });
    expect(lines.filter((line) => line.includes('worker: ready'))).toEqual(['09:30:00 worker: ready']);
  });
});
