/**
 * The compose CLI's own semantics reach dockstage unchanged: -f (repeatable,
 * later files override), COMPOSE_FILE, --profile, --env-file and .env
 * interpolation, -p, --project-directory, and options before or after the command.
 */
import { expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects();
const DOCKERFILE =
  'FROM busybox AS base\nCOPY base.txt /\nFROM base AS develop\nCOPY dev/ /dev/\nFROM base AS production\nCOPY prod/ /prod/\n';

async function shop() {
  return await project({
    'compose.yaml': [
      'services:',
      '  app:',
      '    build:',
      '      context: .',
      '      target: ${APP_TARGET:-production}',
      '  debug:',
      '    image: busybox',
      '    profiles: [debug]',
      '',
    ].join('\n'),
    'compose.ci.yaml': 'services:\n  extra:\n    image: busybox\n',
    'custom.env': 'APP_TARGET=develop\n',
    Dockerfile: DOCKERFILE,
    'base.txt': '',
    'dev/a': '',
    'prod/b': '',
  });
}

interface Plan {
  project: string;
  environment: string;
  services: { name: string; target: string | null; image: string | null }[];
}

async function plan(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Plan> {
  const result = await runCli(args, { cwd: dir, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

describeWithCompose('compose options', () => {
  test('--profile adds profiled services', async () => {
    const dir = await shop();
    expect((await plan(dir, ['plan', '--json', '--changed', 'x'])).services.map((s) => s.name)).toEqual(['app']);
    expect((await plan(dir, ['plan', '--json', '--changed', 'x', '--profile', 'debug'])).services.map((s) => s.name)).toEqual([
      'app',
      'debug',
    ]);
  });

  test('--env-file feeds interpolation: the compose build.target comes from it (used by a custom environment)', async () => {
    const custom = ['plan', '--json', '--changed', 'x', '-e', 'qa'];
    // `qa` has no convention, so the compose file's own build.target applies.
    const withConfig = await project({
      'compose.yaml':
        'services:\n  app:\n    build:\n      context: .\n      target: ${APP_TARGET:-production}\nx-dockstage:\n  environments:\n    qa: {}\n',
      'custom.env': 'APP_TARGET=develop\n',
      Dockerfile: DOCKERFILE,
    });
    expect((await plan(withConfig, custom)).services[0]?.target).toBe('production');
    expect((await plan(withConfig, [...custom, '--env-file', 'custom.env'])).services[0]?.target).toBe('develop');
  });

  test('-f is repeatable and COMPOSE_FILE works the same; -p names the project', async () => {
    const dir = await shop();
    const twoFiles = await plan(dir, ['-f', 'compose.yaml', '-f', 'compose.ci.yaml', 'plan', '--json', '--changed', 'x', '-p', 'named']);
    expect(twoFiles.project).toBe('named');
    expect(twoFiles.services.map((s) => s.name)).toEqual(['app', 'extra']);
    const viaVariable = await plan(dir, ['plan', '--json', '--changed', 'x', '-p', 'named'], {
      COMPOSE_FILE: 'compose.yaml:compose.ci.yaml',
    });
    expect(viaVariable.services).toEqual(twoFiles.services);
  });

  test('global options work before or after the command', async () => {
    const dir = await shop();
    const before = await runCli(['-p', 'shop', '-e', 'prod', 'plan', '--json', '--changed', 'prod/b'], { cwd: dir });
    const after = await runCli(['plan', '--json', '--changed', 'prod/b', '-p', 'shop', '-e', 'prod'], { cwd: dir });
    expect(before.code).toBe(0);
    expect(after.stdout).toBe(before.stdout);
    expect((JSON.parse(before.stdout) as Plan).environment).toBe('prod');
  });

  test('--project-directory finds the compose file from elsewhere', async () => {
    const dir = await shop();
    const elsewhere = await project({ 'README.md': '' });
    const result = await runCli(['--project-directory', dir, 'plan', '--json', '--changed', `${dir}/prod/b`], { cwd: elsewhere });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { services: { action: string }[] }).services[0]?.action).toBe('none');
  });
});

describeWithCompose('COMPOSE_FILE in .env', () => {
  test('is honoured as compose honours it, though dockstage passes explicit -f', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  a:\n    image: busybox\n',
      'extra.yaml': 'services:\n  b:\n    image: busybox\n',
      '.env': 'COMPOSE_FILE=compose.yaml:extra.yaml\n',
    });
    const result = await runCli(['plan', '--json', '--changed', 'x'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Plan).services.map((s) => s.name)).toEqual(['a', 'b']);
  });
});
