/**
 * Literal engine states for the TUI's tests: the shop project (web and worker
 * share app/Dockerfile with base/develop/test/production, api has its own,
 * cache is an image), folded from the actions the subscribers would dispatch.
 * No I/O; times are the numbers the tests choose.
 */
import type { BuildEvent } from '../../src/core/dockerfile/build-steps.js';
import type { EngineAction, ListedContainer } from '../../src/core/state/actions.js';
import { initialState, type EngineState } from '../../src/core/state/engine-state.js';
import { reduce } from '../../src/core/state/reducer.js';
import type { Workspace } from '../../src/core/workspace.js';
import { dockerfile, project } from './builders.js';

export const APP_DOCKERFILE = dockerfile(
  'FROM busybox AS base',
  'WORKDIR /app',
  'COPY package.json ./',
  'FROM base AS develop',
  'COPY src/ ./src/',
  'FROM base AS test',
  'COPY test/ ./test/',
  'FROM base AS production',
  'COPY src/ ./src/',
);

/** The shop workspace in an environment. */
export function shop(environment = 'dev', options: { apiDockerfile?: string } = {}): Workspace {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/app' }, depends_on: { api: { condition: 'service_started', restart: true } } })
    .service('worker', { build: { context: '/p/app' } })
    .service('api', { build: { context: '/p/api' } })
    .service('cache', { image: 'busybox:latest' })
    .file('/p/app/Dockerfile', APP_DOCKERFILE)
    .file(
      '/p/api/Dockerfile',
      options.apiDockerfile ?? dockerfile('FROM busybox AS develop', 'COPY src/ ./src/', 'FROM develop AS production'),
    )
    .workspace(environment);
}

/** Folds actions into a state, as the store does. */
export function fold(state: EngineState, ...actions: EngineAction[]): EngineState {
  return actions.reduce(reduce, state);
}

/** A container as the engine lists it. */
export function container(service: string, id: string, imageId: string, overrides: Partial<ListedContainer> = {}): ListedContainer {
  return {
    service,
    id,
    name: `shop-${service}-1`,
    state: 'running',
    health: null,
    imageId,
    exitCode: undefined,
    ports: [],
    environment: 'dev',
    ...overrides,
  };
}

/** A step event of a build. */
export function step(
  type: 'step-started' | 'step-completed',
  stage: string,
  n: number,
  total: number,
  instruction: string,
  at: number,
  extra: { cached?: boolean; error?: string } = {},
): BuildEvent {
  const ref = { vertex: `${stage}-${n}`, stage, step: n, total, instruction };
  return type === 'step-started'
    ? { type, at, ...ref }
    : { type, at, cached: extra.cached ?? false, durationMs: 100, ...ref, ...(extra.error === undefined ? {} : { error: extra.error }) };
}

/**
 * Watching, everything built and up at t=10s: web and worker on one build (b1, 3 steps, base cached), api up to date,
 * cache an image; web publishes localhost:18080.
 */
export function running(workspace = shop()): EngineState {
  return fold(
    initialState({ mode: 'watch', concurrency: 4 }),
    { type: 'workspaceLoaded', workspace, composeFiles: ['/p/compose.yaml'], at: 0 },
    { type: 'engineConnected', version: '20.10.24', host: 'localhost', at: 0 },
    { type: 'buildStarted', id: 'b1', services: ['web', 'worker'], at: 1_000 },
    { type: 'buildStarted', id: 'b2', services: ['api'], at: 1_000 },
    { type: 'buildProgressed', id: 'b1', event: step('step-completed', 'base', 1, 3, 'FROM busybox', 1_500, { cached: true }), line: 1 },
    { type: 'buildProgressed', id: 'b1', event: step('step-completed', 'base', 2, 3, 'WORKDIR /app', 1_500, { cached: true }), line: 2 },
    {
      type: 'buildProgressed',
      id: 'b1',
      event: step('step-completed', 'base', 3, 3, 'COPY package.json ./', 1_600, { cached: true }),
      line: 3,
    },
    { type: 'buildProgressed', id: 'b1', event: step('step-started', 'develop', 1, 1, 'COPY src/ ./src/', 1_600), line: 5 },
    { type: 'buildProgressed', id: 'b1', event: step('step-completed', 'develop', 1, 1, 'COPY src/ ./src/', 1_800), line: 5 },
    {
      type: 'buildCompleted',
      id: 'b1',
      imageId: 'sha256:web1',
      upToDate: false,
      cachedSteps: 3,
      totalSteps: 4,
      durationMs: 800,
      tags: [],
      at: 1_800,
    },
    {
      type: 'buildCompleted',
      id: 'b2',
      imageId: 'sha256:api1',
      upToDate: true,
      cachedSteps: 0,
      totalSteps: 0,
      durationMs: 20,
      tags: [],
      at: 1_020,
    },
    { type: 'projectUpStarted', services: ['api', 'cache', 'web', 'worker'], at: 2_000 },
    {
      type: 'containersListed',
      containers: [
        container('api', 'c-api', 'sha256:api1'),
        container('cache', 'c-cache', 'sha256:bb'),
        container('web', 'c-web', 'sha256:web1', { health: 'healthy', ports: ['localhost:18080→3000/tcp'] }),
        container('worker', 'c-worker', 'sha256:web1'),
      ],
      at: 3_000,
    },
    { type: 'projectUp', services: ['api', 'cache', 'web', 'worker'], at: 3_000 },
    { type: 'watchStarted', paths: 12, at: 3_000 },
  );
}
