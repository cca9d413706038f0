/**
 * Bad input gets a clear error naming the file, the line and the fix, with
 * exit code 2; the compose CLI's own checks run for real.
 */
import { expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects();
const DOCKERFILE = 'FROM busybox AS base\nFROM base AS develop\nFROM base AS production\n';

describeWithCompose('errors from dockstage plan', () => {
  test('bad YAML names the compose file and line', async () => {
    const dir = await project({ 'compose.yaml': 'services:\n  web:\n    build: .\n  db: [\n', Dockerfile: DOCKERFILE });
    const result = await runCli(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^error: invalid YAML: .+\\n  --> ${dir}/compose\\.yaml:[45]\\n  hint: fix the YAML at line [45]`),
    );
  });

  test('an unknown configured target names the compose file line, the stages and a suggestion', async () => {
    const dir = await project({
      'compose.yaml':
        'services:\n  web:\n    build: .\nx-dockstage:\n  environments:\n    dev:\n      services:\n        web:\n          target: develp\n',
      Dockerfile: DOCKERFILE,
    });
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: service 'web' has no stage 'develp' in Dockerfile\n  --> ${dir}/compose.yaml:9 (x-dockstage.environments.dev.services.web.target)\n  hint: did you mean 'develop'? stages: base, develop, production\n`,
    );
    expect(result.stdout).toBe('');
  });

  test('a target typo in one service: plan and stages print nothing but the error; status still shows what runs, then the error', async () => {
    const dir = await project({
      'compose.yaml':
        'services:\n  api:\n    build: .\n  web:\n    build: .\nx-dockstage:\n  environments:\n    dev:\n      services:\n        web:\n          target: develp\n',
      Dockerfile: DOCKERFILE,
    });
    const error = `error: service 'web' has no stage 'develp' in Dockerfile\n  --> ${dir}/compose.yaml:11 (x-dockstage.environments.dev.services.web.target)\n  hint: did you mean 'develop'? stages: base, develop, production\n`;
    for (const args of [
      ['plan', '--changed', 'x'],
      ['plan', '--changed', 'x', '--json'],
      ['plan'],
      ['stages'],
      ['stages', 'web'],
      ['stages', '--json'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect([args, result.code, result.stdout, result.stderr]).toEqual([args, 2, '', error]);
    }
    // status is about what runs: one broken service never hides the others' containers.
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect([status.code, status.stderr]).toEqual([2, error]);
    expect((JSON.parse(status.stdout) as { services: { name: string }[] }).services.map((s) => s.name)).toEqual(['api', 'web']);
    // The service that is not blocked can still be shown on its own.
    const api = await runCli(['stages', 'api'], { cwd: dir });
    expect([api.code, api.stderr]).toEqual([0, '']);
    expect(api.stdout).toMatch(/^api · Dockerfile · target develop/);
  });

  test('cyclic stages name the Dockerfile line and the cycle', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  web:\n    build: .\n',
      Dockerfile: 'FROM busybox AS a\nCOPY --from=b /x /y\nFROM busybox AS b\nCOPY --from=a /y /z\n',
    });
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: service 'web': circular dependency between stages: a → b → a\n  --> Dockerfile:2\n  hint: a stage cannot, directly or through others, COPY --from or FROM itself; break the cycle\n",
    );
  });

  test('a missing Dockerfile names the service, the path and the compose line', async () => {
    const dir = await project({ 'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      dockerfile: web.Dockerfile\n' });
    const result = await runCli(['stages'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: service 'web': Dockerfile not found: web.Dockerfile\n  --> ${dir}/compose.yaml:5 (services.web.build.dockerfile)\n  hint: create it, or point build.dockerfile (relative to the context .) at the right file\n`,
    );
  });

  test('a Dockerfile syntax error names file and line', async () => {
    const dir = await project({ 'compose.yaml': 'services:\n  web:\n    build: .\n', Dockerfile: 'FROM busybox\nENV\n' });
    const result = await runCli(['stages'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: service 'web': .+\n  --> Dockerfile:2\n  hint: /);
  });

  test("compose's own errors keep compose's message and exit 2", async () => {
    const dir = await project({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n    depends_on: [db]\n' });
    const result = await runCli(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('depends on undefined service "db"');
  });

  test('no compose file at all says where it looked', async () => {
    const dir = await project({ 'README.md': 'hi\n' });
    const result = await runCli(['plan'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: no compose file found in ${dir} or its parents`);
  });

  test('values from .env never appear in output', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  web:\n    build: .\n    environment:\n      TOKEN: ${TOKEN}\n',
      '.env': 'TOKEN=s3cr3t-value\n',
      Dockerfile: DOCKERFILE,
    });
    for (const args of [
      ['plan', '--json', '--changed', 'Dockerfile'],
      ['stages', '--json'],
      ['plan', '-e', 'nope'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.stdout + result.stderr).not.toContain('s3cr3t-value');
    }
  });
});
