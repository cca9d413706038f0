/**
 * examples/python-app: requirements split by environment (requirements.txt in
 * base; requirements.dev.txt in develop, which test extends; requirements.prod.txt
 * in production). Planning needs only the compose CLI; building needs a Python
 * image on the local engine (these machines cannot pull python:3.12-slim), so
 * the build tests run only where DOCKSTAGE_TEST_PYTHON_IMAGE (default
 * python:3.12-slim) exists locally.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { copyExample, exampleDir, examplePlanner, localImageExists, planChanged, removeProjectImages } from '../../support/examples.js';

const PYTHON_APP = exampleDir('python-app');
const TARGETS = { dev: ['develop', 'convention'], ci: ['test', 'environment-default'], prod: ['production', 'convention'] } as const;
const CLOSURES = { dev: ['base', 'develop'], ci: ['base', 'develop', 'test'], prod: ['base', 'production'] } as const;

type Action = 'rebuild' | 'none';
const CASES: readonly { change: string; why: string; dev: Action; ci: Action; prod: Action }[] = [
  { change: 'requirements.txt', why: 'runtime requirements, copied in base', dev: 'rebuild', ci: 'rebuild', prod: 'rebuild' },
  { change: 'requirements.dev.txt', why: 'dev tools: develop and test only', dev: 'rebuild', ci: 'rebuild', prod: 'none' },
  { change: 'requirements.prod.txt', why: 'the production server: production only', dev: 'none', ci: 'none', prod: 'rebuild' },
  { change: 'app/main.py', why: 'source: COPY app/ in develop and production', dev: 'rebuild', ci: 'rebuild', prod: 'rebuild' },
  { change: 'tests/test_main.py', why: 'tests: develop copies them, production does not', dev: 'rebuild', ci: 'rebuild', prod: 'none' },
  { change: 'app/__pycache__/main.cpython-312.pyc', why: 'ignored by **/__pycache__/', dev: 'none', ci: 'none', prod: 'none' },
  { change: 'README.md', why: 'ignored by *.md', dev: 'none', ci: 'none', prod: 'none' },
];

describeWithCompose.concurrent('examples/python-app: plan and stages', () => {
  for (const environment of ['dev', 'ci', 'prod'] as const) {
    test(`${environment}: each change in the table gets the action decided by hand`, async () => {
      const plan = await examplePlanner(PYTHON_APP, environment);
      const actions = CASES.map((c) => [c.change, plan([c.change]).services[0]?.action]);
      expect(actions).toEqual(CASES.map((c) => [c.change, c[environment]]));
    });
  }

  test('targets and closures per environment (ci runs the tests, set in x-dockstage)', async () => {
    for (const environment of ['dev', 'ci', 'prod'] as const) {
      const json = JSON.parse((await runCli(['stages', '--json', '-e', environment], { cwd: PYTHON_APP })).stdout) as {
        services: { name: string; target: string; targetSource: string; stages: { name: string; inTarget: boolean }[] }[];
      };
      const app = json.services[0]!;
      expect([app.name, app.target, app.targetSource]).toEqual(['app', ...TARGETS[environment]]);
      expect(app.stages.filter((s) => s.inTarget).map((s) => s.name)).toEqual(CLOSURES[environment]);
    }
  });

  test('requirements.dev.txt in prod: no reason at all; in dev: the develop COPY', async () => {
    const prod = await planChanged(PYTHON_APP, 'prod', ['requirements.dev.txt']);
    expect(prod.services[0]?.reasons).toEqual([]);
    const dev = await planChanged(PYTHON_APP, 'dev', ['requirements.dev.txt']);
    expect(dev.services[0]?.reasons.map((r) => [r.stage, r.instruction, r.line])).toEqual([['develop', 'COPY requirements.dev.txt ./', 17]]);
  });

  test('stages shows both branches from base and what each reads', async () => {
    const result = await runCli(['stages'], { cwd: PYTHON_APP });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'app · Dockerfile · target develop (dev, convention)',
        '  base           line 8   FROM python:3.12-slim',
        '  ├─ develop     line 16  ◀ target',
        '  │  └─ test     line 24  · check',
        '  └─ production  line 27  · not in target',
        '  base reads:',
        '    line 13  COPY requirements.txt ./  1 file',
        '  develop reads:',
        '    line 17  COPY requirements.dev.txt ./  1 file',
        '    line 19  COPY app/ ./app/              2 files',
        '    line 20  COPY tests/ ./tests/          1 file',
        '  production reads:',
        '    line 28  COPY requirements.prod.txt ./  1 file',
        '    line 30  COPY app/ ./app/               2 files',
        '',
      ].join('\n'),
    );
  });
});

const PYTHON_IMAGE = process.env['DOCKSTAGE_TEST_PYTHON_IMAGE'] ?? 'python:3.12-slim';
const canBuild = localImageExists(PYTHON_IMAGE);
if (!canBuild) console.log(`examples/python-app build tests skipped: ${PYTHON_IMAGE} is not on the local engine (set DOCKSTAGE_TEST_PYTHON_IMAGE to a local Python image)`);

(canBuild ? describe : describe.skip)('examples/python-app: builds (needs a local Python image)', () => {
  const project = `dst-examples-py-${process.pid}-${Date.now().toString(36)}`;
  let remove: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await removeProjectImages(project);
    await remove?.();
  });

  test('ci builds the test stage (the tests run in the build), prod the production stage; both are then up to date', async () => {
    const copy = await copyExample('python-app');
    remove = copy.remove;
    const cli = (args: string[]) => runCli(['-p', project, ...args], { cwd: copy.dir, env: { PYTHON_IMAGE }, timeoutMs: 300_000 });
    for (const environment of ['ci', 'prod']) {
      const built = await cli(['-e', environment, 'build']);
      expect(built.stderr).not.toContain('error:');
      expect(built.code).toBe(0);
      const plan = JSON.parse((await cli(['-e', environment, 'plan', '--json'])).stdout) as { services: { action: string }[] };
      expect(plan.services.map((s) => s.action)).toEqual(['none']);
    }
  });
});
