/**
 * stateToView on literal engine states: what the header, each service row and
 * the build pane say, in words and symbols (tones only colour them).
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError, DockstageError } from '../../../src/core/errors.js';
import type { EngineState, ServiceState } from '../../../src/core/state/engine-state.js';
import { initialUiState, type UiState } from '../../../src/ui/ui-state.js';
import { stateToView, type ServiceRow } from '../../../src/ui/view-model.js';
import { dockerfile } from '../../support/builders.js';
import { container, fold, running, shop, step } from '../../support/tui-states.js';

const NOW = 14_000;

function ui(selected = 'web', extra: Partial<UiState> = {}): UiState {
  return { ...initialUiState(selected), ...extra };
}

function row(state: EngineState, name: string, now = NOW): ServiceRow {
  return stateToView(state, ui(name), now).services.find((r) => r.name === name)!;
}

/** The state with one service changed. */
function withService(state: EngineState, name: string, change: Partial<ServiceState>): EngineState {
  return { ...state, services: { ...state.services, [name]: { ...state.services[name]!, ...change } } };
}

/** A build of web and worker in flight (b3): base cached, develop running its first of two steps. */
function building(): EngineState {
  return fold(
    running(),
    { type: 'filesChanged', paths: ['/p/app/src/message.js'], at: 12_000 },
    { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_100 },
    { type: 'buildProgressed', id: 'b3', event: step('step-completed', 'base', 1, 3, 'FROM busybox', 12_200, { cached: true }), line: 1 },
    { type: 'buildProgressed', id: 'b3', event: step('step-completed', 'base', 2, 3, 'WORKDIR /app', 12_200, { cached: true }), line: 2 },
    {
      type: 'buildProgressed',
      id: 'b3',
      event: step('step-completed', 'base', 3, 3, 'COPY package.json ./', 12_200, { cached: true }),
      line: 3,
    },
    { type: 'buildProgressed', id: 'b3', event: step('step-started', 'develop', 1, 2, 'COPY src/ ./src/', 12_300), line: 5 },
  );
}

describe('the services table', () => {
  test('a running project: target, state, health, ports, image and last build per service', () => {
    const rows = stateToView(running(), ui(), NOW).services;
    expect(rows.map((r) => r.name)).toEqual(['api', 'cache', 'web', 'worker']);
    expect(rows.find((r) => r.name === 'web')).toEqual({
      name: 'web',
      selected: true,
      target: 'develop',
      state: { symbol: '●', word: 'running', tone: 'ok' },
      health: { symbol: '', word: 'healthy', tone: 'ok' },
      ports: ':18080',
      image: { symbol: '✓', word: 'up to date', tone: 'ok' },
      lastBuild: '12s ago 0.8s 3/4 cached',
      cpu: '',
      memory: '',
    });
    expect(rows.find((r) => r.name === 'worker')?.lastBuild).toBe('12s ago (shared)');
    expect(rows.find((r) => r.name === 'api')?.lastBuild).toBe('checked 13s ago');
    expect(rows.find((r) => r.name === 'cache')).toMatchObject({ target: 'busybox', image: { word: 'image' }, lastBuild: '' });
  });

  test('CPU and memory show when sampled', () => {
    const stats = new Map([['web', { cpuPercent: 3.4, memoryBytes: 62 * 1024 * 1024, memoryLimitBytes: 0 }]]);
    expect(stateToView(running(), ui(), NOW, { stats }).services.find((r) => r.name === 'web')).toMatchObject({ cpu: '3%', memory: '62M' });
  });

  test('building: the running container stays running, the image column counts steps', () => {
    expect(row(building(), 'web')).toMatchObject({
      state: { word: 'running' },
      image: { symbol: '⚙', word: 'building 3/5' },
      lastBuild: 'building for 1.9s',
    });
  });

  test('building with no container yet says building', () => {
    const state = withService(building(), 'web', { containers: [] });
    expect(row(state, 'web').state).toEqual({ symbol: '⚙', word: 'building', tone: 'busy' });
  });

  test('restarting, replacing and starting come from the operation under way', () => {
    expect(row(withService(running(), 'api', { operation: 'restarting' }), 'api').state).toEqual({
      symbol: '↻',
      word: 'restarting',
      tone: 'busy',
    });
    expect(row(withService(running(), 'api', { operation: 'replacing' }), 'api').state.word).toBe('replacing');
    expect(row(withService(running(), 'api', { operation: 'starting' }), 'api').state.word).toBe('starting');
  });

  test('a container the engine restarts by policy reads restarting', () => {
    const state = fold(running(), {
      type: 'containersListed',
      containers: [container('api', 'c-api', 'sha256:api1', { state: 'restarting' })],
      at: 5_000,
    });
    expect(row(state, 'api').state).toEqual({ symbol: '↻', word: 'restarting', tone: 'warn' });
  });

  test('exited with its code; crash-looping after three exits within the window, not after two or old ones', () => {
    let state = fold(running(), {
      type: 'containersListed',
      containers: [container('api', 'c-api', 'sha256:api1', { state: 'exited', exitCode: 3 })],
      at: 5_000,
    });
    expect(row(state, 'api').state).toEqual({ symbol: '■', word: 'exited 3', tone: 'error' });
    state = fold(
      state,
      ...[6_000, 7_000].map((at) => ({
        type: 'containerExited' as const,
        service: 'api',
        containerId: 'c-api',
        exitCode: 3,
        logTail: [],
        at,
      })),
    );
    expect(row(state, 'api').state.word).toBe('exited 3');
    state = fold(state, { type: 'containerExited', service: 'api', containerId: 'c-api', exitCode: 3, logTail: [], at: 8_000 });
    expect(row(state, 'api').state).toEqual({ symbol: '⟳', word: 'crash-looping', tone: 'error' });
    expect(row(state, 'api', 6_000 + 60_000).state.word).toBe('exited 3');
  });

  test('stopped by the user reads stopped, whatever the exit code', () => {
    const state = fold(
      running(),
      { type: 'serviceStopped', service: 'api', at: 5_000 },
      { type: 'containersListed', containers: [container('api', 'c-api', 'sha256:api1', { state: 'exited', exitCode: 143 })], at: 5_100 },
    );
    expect(row(state, 'api').state).toEqual({ symbol: '■', word: 'stopped', tone: 'muted' });
  });

  test('a broken Dockerfile blocks its service: blocked in state and image', () => {
    const state = running(shop('dev', { apiDockerfile: dockerfile('FROM busybox AS develop', 'COPY --from=nowhere') }));
    const api = withService(state, 'api', { containers: [] });
    expect(row(api, 'api')).toMatchObject({
      target: '-',
      state: { symbol: '✗', word: 'blocked' },
      image: { symbol: '✗', word: 'blocked' },
    });
  });

  test('a container on an older image than the one built is stale; a failed build says so; synced is synced', () => {
    // A build made a new image; the container still runs the old one (its replacement is due or failed).
    const stale = fold(
      running(),
      { type: 'buildStarted', id: 'b9', services: ['web', 'worker'], at: 11_000 },
      {
        type: 'buildCompleted',
        id: 'b9',
        imageId: 'sha256:web2',
        upToDate: false,
        cachedSteps: 3,
        totalSteps: 4,
        durationMs: 500,
        tags: [],
        at: 11_500,
      },
    );
    expect(row(stale, 'web').image).toEqual({ symbol: '!', word: 'stale', tone: 'warn' });
    const failed = fold(building(), { type: 'buildFailed', id: 'b3', error: new DockstageError('boom'), cancelled: false, at: 13_000 });
    expect(row(failed, 'web')).toMatchObject({ image: { symbol: '✗', word: 'build failed' }, lastBuild: 'failed 1s ago' });
    expect(row(withService(running(), 'web', { freshness: 'synced' }), 'web').image).toEqual({ symbol: '≈', word: 'synced', tone: 'ok' });
  });

  test('a service waiting for a build is queued', () => {
    const state = fold(running(), { type: 'watchPaused', at: 11_000 }, { type: 'buildRequested', services: 'stale', at: 11_000 });
    expect(row(state, 'web').image).toEqual({ symbol: '…', word: 'queued', tone: 'busy' });
  });
});

describe('the build pane', () => {
  test('every stage of the Dockerfile, the target marked, stages outside its closure not in target, a check stage marked', () => {
    const build = stateToView(running(), ui('web'), NOW).build!;
    expect(build.title).toBe('web · app/Dockerfile · target develop · one build with worker');
    expect(build.stages.map((s) => [s.label, s.inTarget, s.isTarget, `${s.status.symbol} ${s.status.word}`])).toEqual([
      ['base', true, false, '✓ cached (3 steps)'],
      ['├─ develop', true, true, '✓ done 0.2s'],
      ['├─ test', false, false, '· check'],
      ['└─ production', false, false, '· not in target'],
    ]);
    expect(build.why).toEqual(['why: start: is the image up to date?', 'last build 12s ago: 0.8s, 3 of 4 steps cached']);
  });

  test('a build in flight: cached stages, the running stage with its step, a bar, and the change that caused it', () => {
    const build = stateToView(building(), ui('web'), NOW).build!;
    expect(build.stages[0]?.status).toEqual({ symbol: '✓', word: 'cached (3 steps)', tone: 'ok' });
    expect(build.stages[1]?.status).toEqual({ symbol: '▶', word: 'step 1/2 COPY src/ ./src/', tone: 'busy' });
    expect(build.stages[1]?.progress).toEqual({ done: 0, total: 2 });
    expect(build.why).toEqual(['why: app/src/message.js → COPY src/ ./src/ (develop, line 5)']);
  });

  test('a failed build: the failing stage with its instruction and Dockerfile:line, the error and its hint', () => {
    const error = new BuildFailedError('RUN npm test exited with 1', {
      service: 'web',
      stage: 'develop',
      instruction: 'RUN npm test',
      file: 'app/Dockerfile',
      line: 6,
      logTail: ['1 failing'],
      hint: 'fix the test',
    });
    const state = fold(
      building(),
      { type: 'buildProgressed', id: 'b3', event: step('step-completed', 'develop', 1, 2, 'COPY src/ ./src/', 12_400), line: 5 },
      {
        type: 'buildProgressed',
        id: 'b3',
        event: step('step-completed', 'develop', 2, 2, 'RUN npm test', 12_900, { error: 'exit code: 1' }),
        line: 6,
      },
      { type: 'buildFailed', id: 'b3', error, cancelled: false, at: 13_000 },
    );
    const build = stateToView(state, ui('web'), NOW).build!;
    expect(build.stages[1]?.status).toEqual({ symbol: '✗', word: 'failed at RUN npm test (app/Dockerfile:6)', tone: 'error' });
    expect(build.problem).toEqual(['✗ RUN npm test exited with 1', '  --> app/Dockerfile:6', '  hint: fix the test']);
    const detail = stateToView(state, ui('web', { detail: true }), NOW).build!.problem;
    expect(detail.slice(-2)).toEqual(['  │ 1 failing', '  hint: fix the test']);
  });

  test('why a service waits: the reason from nextBuilds and what asked for the build', () => {
    const state = fold(
      running(),
      { type: 'watchPaused', at: 11_000 },
      { type: 'watchResumed', at: 11_500 },
      { type: 'watchPaused', at: 11_600 },
    );
    const build = stateToView(state, ui('web'), NOW).build!;
    expect(build.why).toEqual(['waits: paused (watching is paused; b builds anyway)', 'for: watching resumed: is the image up to date?']);
  });

  test('an image-only service has no stages; a blocked one shows its problem with file and line', () => {
    expect(stateToView(running(), ui('cache'), NOW).build).toMatchObject({
      kind: 'image',
      title: 'cache · image busybox:latest',
      stages: [],
    });
    const blocked = running(shop('dev', { apiDockerfile: dockerfile('FROM busybox AS develop', 'COPY --from=nowhere') }));
    const build = stateToView(blocked, ui('api'), NOW).build!;
    expect(build.kind).toBe('blocked');
    expect(build.problem[0]).toBe("✗ service 'api': COPY requires at least two arguments (sources and a destination)");
    expect(build.problem[1]).toBe('  --> api/Dockerfile:2');
  });

  test('in detail mode every reason is listed', () => {
    const state = fold(
      running(),
      { type: 'filesChanged', paths: ['/p/app/src/a.js', '/p/app/package.json'], at: 12_000 },
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_100 },
    );
    expect(stateToView(state, ui('web'), NOW).build!.why).toEqual([
      'why: app/package.json → COPY package.json ./ (base, line 3)  (+1 more)',
    ]);
    expect(stateToView(state, ui('web', { detail: true }), NOW).build!.why).toEqual([
      'why: app/package.json → COPY package.json ./ (base, line 3)',
      '     app/src/a.js → COPY src/ ./src/ (develop, line 5)',
    ]);
  });
});

describe('the header', () => {
  test('project, environments with the active one, engine, builder, watch state', () => {
    expect(stateToView(running(), ui(), NOW, { builder: 'default' }).header).toEqual({
      project: 'shop',
      environments: [
        { name: 'ci', active: false },
        { name: 'dev', active: true },
        { name: 'prod', active: false },
      ],
      switching: undefined,
      engine: { symbol: '', word: 'engine 20.10.24 localhost', tone: 'plain' },
      builder: 'default',
      watch: { symbol: '●', word: 'watching 12', tone: 'ok' },
      lastError: undefined,
    });
  });

  test('a remote engine: the header names its address and says it is remote', () => {
    const header = stateToView(running(), ui(), NOW, { remoteEndpoint: 'ssh://buildbox' }).header;
    expect(header.engine).toEqual({ symbol: '', word: 'engine 20.10.24 · remote ssh://buildbox', tone: 'plain' });
  });

  test('a remote engine: services with bind mounts of project files say whether dockstage syncs them', () => {
    const mounts = (config: unknown) => {
      const base = shop();
      const web = base.services.find((s) => s.name === 'web')!;
      const withMount = { ...web, bindMounts: [{ source: '/p/src', target: '/app/src' }] };
      return {
        ...base,
        config: { ...base.config, ...(config as object) },
        services: base.services.map((s) => (s.name === 'web' ? withMount : s)),
      };
    };
    expect(
      stateToView(running(mounts({ remoteBindMounts: 'sync' })), ui(), NOW, { remoteEndpoint: 'ssh://buildbox' }).header.engine.word,
    ).toBe('engine 20.10.24 · remote ssh://buildbox · bind mounts: web synced');
    expect(stateToView(running(mounts({})), ui(), NOW, { remoteEndpoint: 'ssh://buildbox' }).header.engine.word).toBe(
      'engine 20.10.24 · remote ssh://buildbox · bind mounts: web not synced',
    );
    // A local engine sees the files: nothing to say.
    expect(stateToView(running(mounts({ remoteBindMounts: 'sync' })), ui(), NOW).header.engine.word).toBe('engine 20.10.24 localhost');
  });

  test('paused, disconnected, a switch under way and the last error', () => {
    const state = fold(
      running(),
      { type: 'watchPaused', at: 4_000 },
      { type: 'engineDisconnected', message: 'connect ENOENT /var/run/docker.sock', at: 10_000 },
      { type: 'environmentSwitchRequested', environment: 'prod', at: 11_000 },
    );
    const header = stateToView(state, ui(), NOW).header;
    expect(header.watch).toEqual({ symbol: '‖', word: 'paused', tone: 'warn' });
    expect(header.engine).toEqual({ symbol: '✗', word: 'disconnected: reconnecting', tone: 'error' });
    expect(header.switching).toEqual({ symbol: '→', word: 'prod (loading)', tone: 'busy' });
    expect(header.lastError).toBe('connect ENOENT /var/run/docker.sock (4s ago)');
  });
});

describe('live sync', () => {
  /** An edit of web's sources taken by live sync: syncing, then synced with the rebuild held behind it. */
  function synced(): { syncing: EngineState; done: EngineState } {
    const syncing = fold(
      running(),
      { type: 'filesChanged', paths: ['/p/app/src/message.js'], at: 12_000 },
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_100 },
      { type: 'syncStarted', id: 'b3', at: 12_100 },
    );
    const file = {
      path: 'app/src/message.js',
      destination: '/app/src/message.js',
      deleted: false,
      instruction: 'COPY src/ ./src/',
      line: 5,
      stage: 'develop',
    };
    const done = fold(syncing, {
      type: 'serviceSynced',
      id: 'b3',
      services: [
        { name: 'web', containerId: 'c-web', reload: 'none', files: [file] },
        { name: 'worker', containerId: 'c-worker', reload: 'restart', files: [file] },
      ],
      at: 12_500,
    });
    return { syncing, done };
  }

  test('while the files are written the image column says syncing; after, synced with the rebuild waiting behind it', () => {
    const { syncing, done } = synced();
    expect(row(syncing, 'web').image).toEqual({ symbol: '≈', word: 'syncing', tone: 'busy' });
    expect(row(done, 'web').image).toEqual({ symbol: '≈', word: 'synced', tone: 'ok' });
    const build = stateToView(done, ui('worker'), NOW).build!;
    expect(build.why).toEqual([
      'waits: behind-sync (the files were synced; the image is rebuilt once the service has reloaded)',
      'for: rebuild the image behind the live sync',
      'synced 1 file 2s ago (reload: restart): app/src/message.js → /app/src/message.js',
    ]);
  });

  test('once the image behind the sync is built the container is up to date, though it still runs the old image, and the sync is shown', () => {
    const { done } = synced();
    const caughtUp = fold(
      done,
      { type: 'backgroundBuildsReleased', services: ['web', 'worker'], at: 13_000 },
      { type: 'buildStarted', id: 'b4', services: ['web', 'worker'], at: 13_000 },
      {
        type: 'buildCompleted',
        id: 'b4',
        imageId: 'sha256:web2',
        upToDate: false,
        cachedSteps: 3,
        totalSteps: 4,
        durationMs: 500,
        tags: [],
        at: 13_500,
      },
    );
    expect(caughtUp.services['web']!.containers[0]!.imageId).toBe('sha256:web1');
    expect(row(caughtUp, 'web').image).toEqual({ symbol: '✓', word: 'up to date', tone: 'ok' });
    expect(stateToView(caughtUp, ui('web'), NOW).build!.why.at(-1)).toBe(
      'synced 1 file 2s ago (reload: none): app/src/message.js → /app/src/message.js',
    );
  });
});

describe('edits while watching is paused', () => {
  const paused = () =>
    fold(running(), { type: 'watchPaused', at: 12_000 }, { type: 'filesChanged', paths: ['/p/app/src/message.js'], at: 12_500 });

  test('the services an edit would rebuild say "changes pending", the others stay up to date', () => {
    const state = paused();
    expect(row(state, 'web').image).toEqual({ symbol: '!', word: 'changes pending', tone: 'warn' });
    expect(row(state, 'worker').image).toEqual({ symbol: '!', word: 'changes pending', tone: 'warn' });
    expect(row(state, 'api').image).toEqual({ symbol: '✓', word: 'up to date', tone: 'ok' });
    expect(stateToView(state, ui('web'), NOW).build?.why[0]).toBe(
      'changes pending: edited while watching is paused (w resumes and checks it; b builds it now)',
    );
  });

  test('a build after the edit (b while paused) makes them up to date again', () => {
    const state = fold(
      paused(),
      { type: 'buildRequested', services: ['web'], at: 13_000 },
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 13_000 },
      {
        type: 'buildCompleted',
        id: 'b3',
        imageId: 'sha256:web1',
        upToDate: true,
        cachedSteps: 0,
        totalSteps: 0,
        durationMs: 10,
        tags: [],
        at: 13_100,
      },
    );
    expect(row(state, 'web').image.word).toBe('up to date');
  });

  test('resuming shows the check instead', () => {
    const state = fold(paused(), { type: 'watchResumed', at: 13_000 });
    expect(row(state, 'web').image.word).toBe('queued');
  });
});

describe('the last error banner', () => {
  const failed = (services: string[], id: string, at: number) => ({
    type: 'buildFailed' as const,
    id,
    error: new BuildFailedError(`${services.join(', ')}: RUN npm test exited with 1`, { service: services[0]! }),
    cancelled: false,
    at,
  });
  const broken = () =>
    fold(running(), { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_000 }, failed(['web', 'worker'], 'b3', 12_500));

  test('a failed build shows in the header until its services build again', () => {
    expect(stateToView(broken(), ui(), NOW).header.lastError).toBe('web, worker: RUN npm test exited with 1 (2s ago)');
    const fixed = fold(
      broken(),
      { type: 'buildStarted', id: 'b4', services: ['web', 'worker'], at: 13_000 },
      {
        type: 'buildCompleted',
        id: 'b4',
        imageId: 'sha256:web2',
        upToDate: false,
        cachedSteps: 2,
        totalSteps: 4,
        durationMs: 500,
        tags: [],
        at: 13_500,
      },
    );
    expect(fixed.lastError).toBeUndefined();
    expect(stateToView(fixed, ui(), NOW).header.lastError).toBeUndefined();
  });

  test('a good build of another service, or another kind of error, leaves it', () => {
    const other = fold(
      broken(),
      { type: 'buildStarted', id: 'b4', services: ['api'], at: 13_000 },
      {
        type: 'buildCompleted',
        id: 'b4',
        imageId: 'sha256:api1',
        upToDate: true,
        cachedSteps: 0,
        totalSteps: 0,
        durationMs: 5,
        tags: [],
        at: 13_100,
      },
    );
    expect(stateToView(other, ui(), NOW).header.lastError).toBe('web, worker: RUN npm test exited with 1 (2s ago)');
    const stopFailed = fold(
      running(),
      {
        type: 'containerStopFailed',
        service: 'web',
        error: new DockstageError('stopping web failed: timeout', { exitCode: 1 }),
        at: 12_000,
      },
      { type: 'buildStarted', id: 'b4', services: ['web', 'worker'], at: 13_000 },
      {
        type: 'buildCompleted',
        id: 'b4',
        imageId: 'sha256:web1',
        upToDate: true,
        cachedSteps: 0,
        totalSteps: 0,
        durationMs: 5,
        tags: [],
        at: 13_100,
      },
    );
    expect(stateToView(stopFailed, ui(), NOW).header.lastError).toBe('stopping web failed: timeout (2s ago)');
  });
});

describe('a replacement waiting for the service served first', () => {
  test('the build pane of the one that waits says for whom, and that it is replaced once that one is ready', () => {
    const state = fold(
      running(),
      { type: 'serviceFocused', service: 'web', at: 10_000 },
      { type: 'filesChanged', paths: ['/p/app/src/message.js'], at: 10_100 },
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 10_200 },
      {
        type: 'buildCompleted',
        id: 'b3',
        imageId: 'sha256:web2',
        upToDate: false,
        cachedSteps: 3,
        totalSteps: 4,
        durationMs: 300,
        tags: [],
        at: 10_500,
      },
    );
    expect(stateToView(state, initialUiState('worker'), NOW).build!.why[0]).toBe(
      'waits: waiting-for-priority (web served first; replaced once ready)',
    );
    expect(stateToView(state, initialUiState('web'), NOW).build!.why[0]).not.toMatch(/^waits/);
  });
});
