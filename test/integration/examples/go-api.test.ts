/**
 * examples/go-api: the classic Go multi-stage build (base → develop, base →
 * builder → production on scratch). Planning and the stage report need only the
 * compose CLI; building needs a Go image on the local engine (these machines
 * cannot pull golang:1.23-alpine), so the build tests run only where
 * DOCKSTAGE_TEST_GO_IMAGE (default golang:1.23-alpine) exists locally.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { copyExample, exampleDir, examplePlanner, localImageExists, planChanged, removeProjectImages } from '../../support/examples.js';

const GO_API = exampleDir('go-api');
const TARGETS = { dev: 'develop', ci: 'builder', prod: 'production' } as const;
const CLOSURES = { dev: ['base', 'develop'], ci: ['base', 'builder'], prod: ['base', 'builder', 'production'] } as const;

type Action = 'rebuild' | 'none';
const CASES: readonly { change: string; why: string; dev: Action; ci: Action; prod: Action }[] = [
  { change: 'go.sum', why: 'the module files are copied in base, under every target', dev: 'rebuild', ci: 'rebuild', prod: 'rebuild' },
  { change: 'cmd/api/main.go', why: 'source: COPY . . in develop, COPY cmd/ in builder', dev: 'rebuild', ci: 'rebuild', prod: 'rebuild' },
  { change: 'internal/greet/greet_test.go', why: 'COPY internal/ takes tests too', dev: 'rebuild', ci: 'rebuild', prod: 'rebuild' },
  { change: 'README.md', why: 'ignored by *.md', dev: 'none', ci: 'none', prod: 'none' },
  { change: 'bin/api', why: 'a local binary, ignored by bin/', dev: 'none', ci: 'none', prod: 'none' },
  { change: 'compose.yaml', why: 'ignored, so COPY . . does not read it', dev: 'none', ci: 'none', prod: 'none' },
];

describeWithCompose.concurrent('examples/go-api: plan and stages', () => {
  for (const environment of ['dev', 'ci', 'prod'] as const) {
    test(`${environment} targets ${TARGETS[environment]} (closure ${CLOSURES[environment].join(', ')}); each change in the table gets the action decided by hand`, async () => {
      const plan = await examplePlanner(GO_API, environment);
      expect(plan([]).services.map((s) => [s.name, s.target, s.image, s.stages])).toEqual([['api', TARGETS[environment], `go-api-api:dockstage-${environment}`, CLOSURES[environment]]]);
      const actions = CASES.map((c) => [c.change, plan([c.change]).services[0]?.action]);
      expect(actions).toEqual(CASES.map((c) => [c.change, c[environment]]));
    });
  }

  test('go.sum rebuilds the builder through base; a source file only through builder', async () => {
    const plan = await planChanged(GO_API, 'ci', ['go.sum', 'cmd/api/main.go']);
    expect(plan.services[0]?.reasons.map((r) => [r.path, r.stage, r.instruction, r.line])).toEqual([
      ['cmd/api/main.go', 'builder', 'COPY cmd/ ./cmd/', 19],
      ['go.sum', 'base', 'COPY go.mod go.sum ./', 10],
    ]);
  });

  test('stages shows the scratch runtime copying from builder, and no cache hint (both caches are mounted)', async () => {
    const result = await runCli(['stages', '-e', 'prod'], { cwd: GO_API });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'api · Dockerfile · target production (prod, convention)',
        '  base        line 7   FROM golang:1.23-alpine',
        '  ├─ develop  line 13  · not in target',
        '  └─ builder  line 18',
        '  production  line 24  FROM scratch  copies from builder  ◀ target',
        '  base reads:',
        '    line 10  COPY go.mod go.sum ./  2 files',
        '  develop reads:',
        '    line 14  COPY . .  7 files',
        '  builder reads:',
        '    line 19  COPY cmd/ ./cmd/            1 file',
        '    line 20  COPY internal/ ./internal/  2 files',
        '',
      ].join('\n'),
    );
  });

  test('the GO_IMAGE build arg from the environment names the base image', async () => {
    const result = await runCli(['stages', '--json'], { cwd: GO_API, env: { GO_IMAGE: 'golang:1.22-bookworm' } });
    const json = JSON.parse(result.stdout) as { services: { stages: { name: string; base: { image?: string } }[] }[] };
    expect(json.services[0]?.stages[0]).toMatchObject({ name: 'base', base: { image: 'golang:1.22-bookworm' } });
  });
});

const GO_IMAGE = process.env['DOCKSTAGE_TEST_GO_IMAGE'] ?? 'golang:1.23-alpine';
const canBuild = localImageExists(GO_IMAGE);
if (!canBuild) console.log(`examples/go-api build tests skipped: ${GO_IMAGE} is not on the local engine (set DOCKSTAGE_TEST_GO_IMAGE to a local Go image)`);

(canBuild ? describe : describe.skip)('examples/go-api: builds (needs a local Go image)', () => {
  const project = `dst-examples-go-${process.pid}-${Date.now().toString(36)}`;
  let remove: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await removeProjectImages(project);
    await remove?.();
  });

  test('prod builds a scratch image from the builder, and is then up to date; --stage builder builds the toolchain stage', async () => {
    const copy = await copyExample('go-api');
    remove = copy.remove;
    const cli = (args: string[]) => runCli(['-p', project, ...args], { cwd: copy.dir, env: { GO_IMAGE }, timeoutMs: 300_000 });
    const built = await cli(['-e', 'prod', 'build']);
    expect(built.stderr).not.toContain('error:');
    expect(built.code).toBe(0);
    const plan = JSON.parse((await cli(['-e', 'prod', 'plan', '--json'])).stdout) as { services: { action: string }[] };
    expect(plan.services.map((s) => s.action)).toEqual(['none']);
    const stage = await cli(['-e', 'prod', 'build', '--stage', 'builder', 'api']);
    expect(stage.code).toBe(0);
  });
});
