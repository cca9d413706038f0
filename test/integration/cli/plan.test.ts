/**
 * `dockstage plan --changed` on the bundled example, resolved by the real compose
 * CLI. The expectations are what a careful person decides by hand from the
 * Dockerfiles and ignore files, in each of dev, ci and prod:
 *   web, worker  share web/Dockerfile: base → develop → test, base → builder → production (copies from builder)
 *   api          its own context: develop, production (copies from develop); .dockerignore drops docs/, *.md, **\/*.test.js
 *   cache        an image, never built
 *   web depends_on api with restart: true
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeWithCompose } from '../../support/docker.js';
import { EXAMPLE, runCli } from '../../support/cli.js';

const SHOP = EXAMPLE;

type Actions = Record<'api' | 'cache' | 'web' | 'worker', 'rebuild' | 'restart' | 'none'>;

const none: Actions = { api: 'none', cache: 'none', web: 'none', worker: 'none' };
const webAndWorker: Actions = { ...none, web: 'rebuild', worker: 'rebuild' };
const apiAndDependents: Actions = { ...none, api: 'rebuild', web: 'restart' };

interface Case {
  readonly change: string;
  readonly why: string;
  readonly dev: Actions;
  readonly ci: Actions;
  readonly prod: Actions;
}

const CASES: readonly Case[] = [
  { change: 'web/src/server.js', why: 'source: COPY src/ in develop and builder', dev: webAndWorker, ci: webAndWorker, prod: webAndWorker },
  { change: 'web/src/shared/format.js', why: 'nested source', dev: webAndWorker, ci: webAndWorker, prod: webAndWorker },
  { change: 'web/test/format.test.js', why: 'tests are read only by the test stage, in no target', dev: none, ci: none, prod: none },
  {
    change: 'web/package-lock.json',
    why: 'lock file: COPY in base, in every closure',
    dev: webAndWorker,
    ci: webAndWorker,
    prod: webAndWorker,
  },
  { change: 'web/NOTES.md', why: 'ignored by *.md', dev: none, ci: none, prod: none },
  { change: 'web/coverage/lcov.info', why: 'ignored by coverage/', dev: none, ci: none, prod: none },
  { change: 'web/Dockerfile', why: 'the Dockerfile', dev: webAndWorker, ci: webAndWorker, prod: webAndWorker },
  { change: 'web/.dockerignore', why: 'the ignore file', dev: webAndWorker, ci: webAndWorker, prod: webAndWorker },
  {
    change: 'api/src/index.js',
    why: 'api source; web restarts (depends_on restart: true)',
    dev: apiAndDependents,
    ci: apiAndDependents,
    prod: apiAndDependents,
  },
  {
    change: 'api/package.json',
    why: 'api manifest (prod copies it from develop)',
    dev: apiAndDependents,
    ci: apiAndDependents,
    prod: apiAndDependents,
  },
  { change: 'api/src/index.test.js', why: 'ignored by **/*.test.js', dev: none, ci: none, prod: none },
  { change: 'api/docs/README.md', why: 'ignored by docs/', dev: none, ci: none, prod: none },
  { change: 'api/.dockerignore', why: 'the ignore file', dev: apiAndDependents, ci: apiAndDependents, prod: apiAndDependents },
  { change: 'README.md', why: 'outside every build context', dev: none, ci: none, prod: none },
];

const TARGETS = {
  dev: { web: 'develop', worker: 'develop', api: 'develop', cache: null },
  ci: { web: 'builder', worker: 'builder', api: 'production', cache: null },
  prod: { web: 'production', worker: 'production', api: 'production', cache: null },
} as const;

interface PlanJson {
  project: string;
  environment: string;
  services: {
    name: string;
    target: string | null;
    image: string | null;
    stages: string[];
    action: string;
    reasons: { path: string | null; stage: string | null; instruction: string | null; line: number | null }[];
    sharedWith: string[];
    checks: string[];
  }[];
}

async function plan(environment: string, changed: string[]): Promise<PlanJson> {
  const result = await runCli(['plan', '-e', environment, '--json', ...changed.flatMap((c) => ['--changed', c])], { cwd: SHOP });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

describeWithCompose('dockstage plan --changed (bundled example, real compose config)', () => {
  for (const environment of ['dev', 'ci', 'prod'] as const) {
    describe.concurrent(`in ${environment}`, () => {
      test.each(CASES)('a change to $change → as decided by hand ($why)', async (c) => {
        const result = await plan(environment, [c.change]);
        const actions = Object.fromEntries(result.services.map((s) => [s.name, s.action]));
        expect(actions).toEqual(c[environment]);
      });
    });
  }

  test('each environment picks targets by convention, api falls back to its last stage in ci', async () => {
    for (const environment of ['dev', 'ci', 'prod'] as const) {
      const result = await plan(environment, ['web/src/server.js']);
      expect(Object.fromEntries(result.services.map((s) => [s.name, s.target]))).toEqual(TARGETS[environment]);
    }
  });

  test('reasons name the path, stage, instruction and line', async () => {
    const result = await plan('dev', ['web/src/shared/format.js']);
    const web = result.services.find((s) => s.name === 'web')!;
    expect(web).toEqual({
      name: 'web',
      target: 'develop',
      image: 'shop-web:dockstage-dev',
      stages: ['base', 'develop'],
      action: 'rebuild',
      reasons: [{ path: 'web/src/shared/format.js', stage: 'develop', instruction: 'COPY src/ ./src/', line: 13, rule: 'input' }],
      sharedWith: ['worker'],
      checks: ['test'],
    });
    expect(result.services.find((s) => s.name === 'cache')).toEqual({
      name: 'cache',
      target: null,
      image: 'busybox:latest',
      stages: [],
      action: 'none',
      reasons: [],
      sharedWith: [],
      checks: [],
    });
  });

  test('prod rebuilds for a source change through the builder stage production copies from', async () => {
    const result = await plan('prod', ['web/src/server.js']);
    const web = result.services.find((s) => s.name === 'web')!;
    expect(web.stages).toEqual(['base', 'builder', 'production']);
    expect(web.reasons.map((r) => [r.stage, r.instruction, r.line])).toEqual([['builder', 'COPY src/ ./src/', 23]]);
  });

  test('a lock file change is read by base, whatever the target', async () => {
    const result = await plan('ci', ['web/package-lock.json']);
    const web = result.services.find((s) => s.name === 'web')!;
    expect(web.reasons.map((r) => [r.stage, r.instruction, r.line])).toEqual([['base', 'COPY package.json package-lock.json ./', 8]]);
  });

  test('the restarted dependent says why', async () => {
    const result = await plan('dev', ['api/src/index.js']);
    const web = result.services.find((s) => s.name === 'web')!;
    expect(web.action).toBe('restart');
    expect(web.reasons).toEqual([
      { path: null, stage: null, instruction: null, line: null, rule: 'depends-on', detail: 'depends_on api with restart: true' },
    ]);
  });

  test('several changes at once combine, each service once', async () => {
    const result = await plan('dev', ['web/test/format.test.js', 'api/src/index.js', 'web/src/server.js']);
    expect(Object.fromEntries(result.services.map((s) => [s.name, s.action]))).toEqual({
      api: 'rebuild',
      cache: 'none',
      web: 'rebuild',
      worker: 'rebuild',
    });
  });

  test('the text output shows one line per service with the first reason', async () => {
    const result = await runCli(['plan', '--changed', 'web/src/server.js'], { cwd: SHOP });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'shop · env dev',
        '  api     develop         none',
        '  cache   busybox:latest  none',
        '  web     develop         rebuild  web/src/server.js → COPY src/ ./src/ (develop, line 13) (one build shared with worker)',
        '  worker  develop         rebuild  web/src/server.js → COPY src/ ./src/ (develop, line 13) (one build shared with web)',
        '',
      ].join('\n'),
    );
  });

  test('a --changed path outside the project directory is one warning naming it and the project directory; the rest is planned', async () => {
    // Typed as if from the example directory, but run from its parent: paths are relative to the current directory.
    const parent = path.dirname(SHOP);
    const result = await runCli(
      ['--project-directory', SHOP, 'plan', '--changed', 'web/src/server.js', '--changed', 'node-web/web/src/server.js'],
      { cwd: parent },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: --changed ${path.join(parent, 'web/src/server.js')} is outside the project directory ${SHOP}, so it changes nothing (paths are relative to the current directory)\n`,
    );
    expect(result.stdout).toMatch(/\n {2}web {5}develop {9}rebuild {2}web\/src\/server\.js → COPY src\/ \.\/src\//);
  });
});
