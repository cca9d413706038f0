/**
 * The bad-input matrix of docs/errors.md for what needs only the compose CLI:
 * each case is one clear message naming the file, line, variable or directory
 * at fault, with the documented exit code, and nothing hangs.
 */
import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const project = tempProjects('dockstage-bad-input-');
const STAGES = 'FROM busybox AS base\nFROM base AS develop\nFROM base AS production\n';
const WEB = { 'compose.yaml': 'services:\n  web:\n    build: ./web\n', 'web/Dockerfile': STAGES };

describeWithCompose('bad input: one clear message and the documented exit code', () => {
  test('an unknown environment lists the known ones, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['-e', 'staging', 'plan', '--changed', 'x'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown environment 'staging'\n  hint: use one of: ci, dev, prod, or define it under x-dockstage.environments\n",
    );
  });

  test('-e production, where the environment is prod, suggests prod, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['-e', 'production', 'plan', '--changed', 'x'], { cwd: dir });
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(
      "error: unknown environment 'production'\n  hint: did you mean 'prod'? use one of: ci, dev, prod, or define it under x-dockstage.environments\n",
    );
  });

  test('a misspelt build context names the missing directory and its compose line, exit 2', async () => {
    const dir = await project({ ...WEB, 'compose.yaml': 'services:\n  web:\n    build: ./wbe\n' });
    const result = await runCli(['stages'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: service 'web': build context wbe does not exist\n  --> ${dir}/compose.yaml:3 (services.web.build.context)\n  hint: create it, or fix build.context (relative to the compose file's folder)\n`,
    );
  });

  test('a missing named context (additional_contexts) is named too, exit 2', async () => {
    const dir = await project({
      ...WEB,
      'compose.yaml': 'services:\n  web:\n    build:\n      context: ./web\n      additional_contexts:\n        shared: ../shraed\n',
    });
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: service 'web': additional context 'shared' is .*shraed, which does not exist\\n  --> ${dir}/compose\\.yaml:6 \\(services\\.web\\.build\\.additional_contexts\\.shared\\)\\n`,
      ),
    );
  });

  test('an invalid ignore pattern names the ignore file and its line, also one BuildKit rejects only when matching, exit 2', async () => {
    for (const [pattern, reason] of [
      ['src/[a', 'unterminated character class'],
      ['[z-a]', 'z-a is out of order'],
    ] as const) {
      const dir = await project({ ...WEB, 'web/.dockerignore': `# generated\nnode_modules\n\n${pattern}\n` });
      const result = await runCli(['stages'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: service 'web': invalid pattern in web/.dockerignore: ${JSON.stringify(pattern)} is not a valid pattern`,
      );
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toContain('\n  --> web/.dockerignore:4\n');
    }
  });

  test('COPY --from out of range is an error with the line; a misspelt stage is a warning with the suggestion', async () => {
    const outOfRange = await project({ ...WEB, 'web/Dockerfile': `${STAGES}COPY --from=7 /a /b\n` });
    const error = await runCli(['plan', '--changed', 'x'], { cwd: outOfRange });
    expect(error.code).toBe(2);
    expect(error.stderr).toBe(
      "error: service 'web': --from=7 refers to stage index 7, but the Dockerfile has 3 stage(s)\n  --> web/Dockerfile:4\n  hint: use a stage name or an index from 0 to 2: base, develop, production\n",
    );
    const misspelt = await project({ ...WEB, 'web/Dockerfile': `${STAGES}COPY --from=bsae /a /b\n` });
    const warning = await runCli(['plan', '--changed', 'x'], { cwd: misspelt });
    expect(warning.code).toBe(0);
    expect(warning.stderr).toBe(
      "warning: --from=bsae is not a stage, so BuildKit pulls it as an image; did you mean 'base'?\n  --> web/Dockerfile:4\n",
    );
  });

  test("a convention overriding compose's build.target warns once per service, at the compose line", async () => {
    const dir = await project({
      'compose.yaml':
        'services:\n  web:\n    build:\n      context: ./web\n      target: production\n  worker:\n    build:\n      context: ./web\n      target: production\n',
      'web/Dockerfile': STAGES,
    });
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      [
        'warning: web: compose sets target production; dev uses develop by convention; set x-dockstage.environments.dev.services.web.target to keep it',
        `  --> ${dir}/compose.yaml:5 (services.web.build.target)`,
        'warning: worker: compose sets target production; dev uses develop by convention; set x-dockstage.environments.dev.services.worker.target to keep it',
        `  --> ${dir}/compose.yaml:9 (services.worker.build.target)`,
        '',
      ].join('\n'),
    );
    expect((await runCli(['-e', 'prod', 'plan', '--changed', 'x'], { cwd: dir })).stderr).toBe('');
  });

  test('a symlink loop and a FIFO in a context: plan, stages and inputs finish, the links listed as links', async () => {
    const dir = await project({ ...WEB, 'web/Dockerfile': 'FROM busybox AS develop\nCOPY . /app\n', 'web/src/app.js': '' });
    await symlink('loop', path.join(dir, 'web', 'loop'));
    await symlink('..', path.join(dir, 'web', 'src', 'up'));
    await mkdir(path.join(dir, 'web', 'deep'));
    await symlink(path.join(dir, 'web'), path.join(dir, 'web', 'deep', 'back'));
    await run('mkfifo', [path.join(dir, 'web', 'pipe')]);
    for (const args of [['stages'], ['plan', '--changed', 'web/src/up/src/app.js'], ['inputs', '--context', 'web']]) {
      const result = await runCli(args, { cwd: dir, timeoutMs: 30_000 });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const inputs = await runCli(['inputs', '--context', 'web'], { cwd: dir });
    expect(inputs.stdout).toBe('Dockerfile\ndeep/back\nloop\nsrc/app.js\nsrc/up\n');
  });

  test('.env values given as build args never appear in errors, warnings or --json', async () => {
    const dir = await project({
      'compose.yaml':
        'services:\n  web:\n    build:\n      context: ./web\n      args:\n        TOKEN: ${TOKEN}\n    environment:\n      API_KEY: ${API_KEY}\nx-dockstage:\n  environments:\n    dev:\n      services:\n        web:\n          target: develp\n',
      '.env': 'TOKEN=s3cr3t-token\nAPI_KEY=s3cr3t-key\n',
      'web/Dockerfile': 'FROM busybox AS base\nARG TOKEN\nRUN echo "$TOKEN" > /t\nFROM base AS develop\nFROM base AS production\n',
    });
    const outputs = await Promise.all([
      runCli(['plan', '--changed', 'x'], { cwd: dir }),
      runCli(['-e', 'prod', 'plan', '--json', '--changed', 'web/Dockerfile'], { cwd: dir }),
      runCli(['-e', 'prod', 'stages', '--json'], { cwd: dir }),
      runCli(['-e', 'prod', 'stages'], { cwd: dir }),
    ]);
    expect(outputs[0]!.code).toBe(2);
    for (const { stdout, stderr } of outputs) expect(stdout + stderr).not.toMatch(/s3cr3t/);
  });
});

describeWithCompose('arguments: a wrong one is named, with a suggestion where one is close, exit 2', () => {
  test.each([
    [
      ['plna'],
      "error: unknown command 'plna'\n  hint: did you mean 'plan'? commands: plan, stages, inputs, build, up, down, status, watch, check, env\n",
    ],
    [
      ['plna', '--changed', 'x'],
      "error: unknown command 'plna'\n  hint: did you mean 'plan'? commands: plan, stages, inputs, build, up, down, status, watch, check, env\n",
    ],
    [
      ['logs', 'api'],
      "error: unknown command 'logs'\n  hint: commands: plan, stages, inputs, build, up, down, status, watch, check, env\n",
    ],
    [['plan', '--chnaged', 'x'], "error: unknown option '--chnaged'\n(Did you mean --changed?)\n(run dockstage --help for usage)\n"],
    [['inputs'], "error: required option '--context <dir>' not specified\n(run dockstage --help for usage)\n"],
    [['stages', 'wbe'], "error: no service 'wbe' in project PROJECT\n  hint: did you mean 'web'? services: web\n"],
    [['plan', '-e'], "error: option '-e, --env <name>' argument missing\n(run dockstage --help for usage)\n"],
  ])('dockstage %j', async (args, expected) => {
    const dir = await project(WEB);
    const result = await runCli(args, { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      expected.replace(
        'PROJECT',
        path
          .basename(dir)
          .toLowerCase()
          .replace(/[^a-z0-9_-]/g, ''),
      ),
    );
  });
});

describeWithCompose('environment variables dockstage reads: a wrong value is one line naming it', () => {
  test('DOCKER_DEFAULT_PLATFORM that is not a platform: error, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir, env: { DOCKER_DEFAULT_PLATFORM: 'foo' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: DOCKER_DEFAULT_PLATFORM=foo is not a platform\n  hint: use os/arch[/variant], e.g. linux/amd64 or linux/arm64, or unset DOCKER_DEFAULT_PLATFORM\n',
    );
    expect((await runCli(['plan', '--changed', 'x'], { cwd: dir, env: { DOCKER_DEFAULT_PLATFORM: 'linux/arm64' } })).code).toBe(0);
  });

  test('DOCKSTAGE_DEBUG: yes is fine, maybe is a warning and the command goes on', async () => {
    const dir = await project(WEB);
    const yes = await runCli(['plan', '--changed', 'x'], { cwd: dir, env: { DOCKSTAGE_DEBUG: 'yes' } });
    expect([yes.code, yes.stderr]).toEqual([0, '']);
    const maybe = await runCli(['plan', '--changed', 'x'], { cwd: dir, env: { DOCKSTAGE_DEBUG: 'maybe' } });
    expect(maybe.code).toBe(0);
    expect(maybe.stderr).toBe(
      'warning: DOCKSTAGE_DEBUG=maybe is not on or off; debug output stays off\n  hint: set DOCKSTAGE_DEBUG=1 to show stack traces, or unset it\n',
    );
  });

  test('COMPOSE_FILE naming a missing file: the file and the variable, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['plan'], { cwd: dir, env: { COMPOSE_FILE: 'compose.yaml:compose.prod.yaml' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: compose file not found: ${dir}/compose.prod.yaml\n  --> ${dir}/compose.prod.yaml\n  hint: check the COMPOSE_FILE variable\n`,
    );
  });

  test('DOCKER_HOST that is not an address: error naming it, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: 'localhost:2375' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: DOCKER_HOST=localhost:2375 is not an engine address\n  hint: use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST, or unset DOCKER_HOST\n',
    );
  });

  test('DOCKER_CONTEXT naming no context: error naming it, exit 2', async () => {
    const dir = await project(WEB);
    const result = await runCli(['plan', '--changed', 'x'], { cwd: dir, env: { DOCKER_CONTEXT: 'no-such-context', DOCKER_HOST: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: docker context 'no-such-context' does not exist\n {2}hint: .*DOCKER_CONTEXT.*\n$/);
  });

  test('DOCKER_CONFIG holding a broken config.json: error naming the file and the variable, exit 2', async () => {
    const dir = await project({ ...WEB, 'docker-config/config.json': '{ "currentContext": \n' });
    const result = await runCli(['status'], { cwd: dir, env: { DOCKER_CONFIG: path.join(dir, 'docker-config'), DOCKER_HOST: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: cannot read the docker config ${dir}/docker-config/config\\.json \\(DOCKER_CONFIG\\): [^\\n]+\\n {2}hint: fix the JSON, or point DOCKER_CONFIG at a folder with a valid config\\.json\\n$`,
      ),
    );
  });
});
