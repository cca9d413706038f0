/**
 * The ComposeCli adapter on the real compose CLI. The calls a user waits on
 * must not pay the docker-compose package's fixed 500 ms wait after compose
 * exits: `config` resolves once stdout is a complete JSON object, `up` and
 * `restart` when compose exits, and failures keep compose's own words. No
 * timers here: the checks race our call against the package's own promise.
 */
import path from 'node:path';
import * as composePackage from 'docker-compose';
import { afterAll, describe, expect, test } from 'vitest';
import { createComposeCli } from '../../src/adapters/compose/compose-cli.js';
import { ComposeCommandError } from '../../src/adapters/compose/compose-process.js';
import type { ComposeTarget } from '../../src/ports/compose-cli.js';
import { EXAMPLE } from '../support/cli.js';
import { describeWithCompose } from '../support/docker.js';
import { tempProjects } from '../support/temp-project.js';

const target = (dir: string, file = 'compose.yaml'): ComposeTarget => ({
  files: [path.join(dir, file)],
  projectDirectory: dir,
  profiles: [],
  envFiles: [],
});

/** Which of two promises settles first (both are awaited to the end, so nothing is left running). */
async function firstToSettle(ours: Promise<unknown>, theirs: Promise<unknown>): Promise<'ours' | 'theirs'> {
  const winner = await Promise.race([ours.then(() => 'ours' as const), theirs.then(() => 'theirs' as const)]);
  await Promise.all([ours, theirs]);
  return winner;
}

/**
 * Our `config` and the package's for the same project, started together: both run one compose process at the same
 * time on the same machine, so ours settles first only by not waiting out the package's 500 ms after the exit (on
 * a busy machine either process can be the slower by a few hundred ms, not by the whole wait).
 */
function raceFromTheStart(dir: string, env: NodeJS.ProcessEnv, ourConfig: () => Promise<unknown>) {
  const theirs = composePackage.config({ config: [path.join(dir, 'compose.yaml')], cwd: dir, env, commandOptions: ['--format', 'json'] });
  return { ours: ourConfig(), theirs };
}

describeWithCompose('ComposeCli on the compose CLI', () => {
  const project = tempProjects('dockstage-compose-cli-');
  const env = { ...process.env, NODE_IMAGE: 'dockstage-base/node:20' };

  test('config of the example resolves before the package call started with it, every time, with the same project', async () => {
    // Were ours waiting like the package, each race would be a coin toss: five in a row would pass one time in 32.
    const compose = createComposeCli({ env });
    for (let round = 0; round < 5; round++) {
      const { ours, theirs } = raceFromTheStart(EXAMPLE, env, () => compose.config(target(EXAMPLE)));
      expect(await firstToSettle(ours, theirs)).toBe('ours');
      expect(await ours).toEqual((await theirs).data.config);
    }
  });

  test('warnings compose prints on stderr (obsolete version, unset variable) do not keep config from resolving early', async () => {
    const dir = await project({
      'compose.yaml': 'version: "3.8"\nservices:\n  app:\n    image: busybox:${DOCKSTAGE_UNSET_TAG}\n',
    });
    const bareEnv = { PATH: process.env['PATH'] };
    const output: string[] = [];
    const compose = createComposeCli({ env: bareEnv, onOutput: (text) => output.push(text) });
    const { ours, theirs } = raceFromTheStart(dir, bareEnv, () => compose.config(target(dir)));
    expect(await firstToSettle(ours, theirs)).toBe('ours');
    expect(await ours).toMatchObject({ services: { app: { image: 'busybox:' } } });
    // By the time the package settles every chunk has arrived: compose did warn, and onOutput saw it.
    expect((await theirs).err).toMatch(/obsolete/);
    expect(output.join('')).toMatch(/obsolete/);
  });

  test("a project compose refuses still rejects with compose's own message, exit 2", async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  web:\n    image: busybox\n    depends_on: [db]\n',
    });
    const error = await createComposeCli({ env })
      .config(target(dir))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComposeCommandError);
    expect((error as ComposeCommandError).message).toMatch(/depends on undefined service "?db"?/);
    expect((error as ComposeCommandError).exitCode).toBe(2);
  });
});

describeWithCompose('ComposeCli up and restart on the compose CLI', () => {
  const project = tempProjects('dockstage-compose-up-');
  const env = { ...process.env };
  const COMPOSE = 'services:\n  app:\n    image: busybox:latest\n    init: true\n    command: ["sleep", "3600"]\n';
  const names = [`dst-compose-up-a-${process.pid}`, `dst-compose-up-b-${process.pid}`];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const [index, dir] of dirs.entries()) {
      await composePackage
        .down({
          config: [path.join(dir, 'compose.yaml')],
          cwd: dir,
          env,
          composeOptions: [['-p', names[index]!]],
          commandOptions: ['-t', '1'],
        })
        .catch(() => undefined);
    }
  });

  test('up and restart settle when compose exits, before the same call through the package started with them', async () => {
    // Two projects of the same file, so both calls do the same work at the same time without touching each other.
    for (let i = 0; i < 2; i++) dirs.push(await project({ 'compose.yaml': COMPOSE }));
    const [ours, theirs] = [
      { ...target(dirs[0]!), projectName: names[0] },
      { config: [path.join(dirs[1]!, 'compose.yaml')], cwd: dirs[1]!, env, composeOptions: [['-p', names[1]!]] },
    ];
    const compose = createComposeCli({ env });
    expect(
      await firstToSettle(compose.up(ours, ['app']), composePackage.upMany(['app'], { ...theirs, commandOptions: ['--no-build'] })),
    ).toBe('ours');
    expect(await firstToSettle(compose.lifecycle(ours, 'restart', ['app']), composePackage.execCompose('restart', ['app'], theirs))).toBe(
      'ours',
    );
    // and what ours did is what compose reports
    const listed = await composePackage.ps({
      config: ours.files.slice(),
      cwd: dirs[0]!,
      env,
      composeOptions: [['-p', names[0]!]],
      commandOptions: ['--format', 'json'],
    });
    expect(listed.out).toMatch(/"State":"running"/);
  });

  test("up of a service the project does not have rejects with compose's own words, exit 1", async () => {
    const dir = await project({ 'compose.yaml': COMPOSE });
    const error = await createComposeCli({ env })
      .up({ ...target(dir), projectName: `dst-compose-up-c-${process.pid}` }, ['nosuch'])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComposeCommandError);
    expect((error as ComposeCommandError).message).toMatch(/no such service:? "?nosuch"?/);
    expect((error as ComposeCommandError).exitCode).toBe(1);
  });
});

describe('ComposeCli without compose', () => {
  test('a docker CLI that is not on PATH is an engine problem, not a crash', async () => {
    const error = await createComposeCli({ env: { PATH: '/nonexistent' } })
      .config(target(EXAMPLE))
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('the docker CLI is not installed');
  });
});
