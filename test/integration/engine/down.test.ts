/**
 * `dockstage down` on the real engine: removes the project's containers, says
 * which in `--json`, and with `--rmi` removes images with compose's meaning:
 * `local` every environment's dockstage tags, `all` also the images services
 * name; an image a container still uses is kept and the container named.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const PROJECT = `dst-examples-down-${process.pid}-${Date.now().toString(36)}`;
const CACHE_IMAGE = `${PROJECT}-cacheimage:1`;
const BYSTANDER = `${PROJECT}-bystander`;
const project = tempProjects('dockstage-down-');
let dir = '';

const cli = (args: string[]) => runCli(['-p', PROJECT, ...args], { cwd: dir, timeoutMs: 180_000 });

async function localTags(): Promise<string[]> {
  const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${PROJECT}-*`]);
  return stdout
    .split('\n')
    .filter((tag) => tag !== '')
    .sort();
}

interface DownJson {
  type: string;
  project: string;
  removed: { containers: string[]; volumes: boolean; images: string[] };
  kept: { image: string; reason: string }[];
}

describeWithEngine('dockstage down', () => {
  beforeAll(async () => {
    dir = await project({
      'compose.yaml': [
        'services:',
        '  web:',
        '    build: .',
        '    init: true',
        '  cache:',
        `    image: ${CACHE_IMAGE}`,
        '    init: true',
        '    command: ["sleep", "3600"]',
        '',
      ].join('\n'),
      Dockerfile:
        'FROM busybox:latest AS develop\nCMD ["sleep", "3600"]\n\nFROM busybox:latest AS production\nLABEL tier=production\nCMD ["sleep", "7200"]\n',
    });
    // The image-only service gets a tag of its own, so removing it never touches busybox:latest.
    await run('docker', ['tag', 'busybox:latest', CACHE_IMAGE]);
  });

  afterAll(async () => {
    await run('docker', ['rm', '-f', BYSTANDER]).catch(() => undefined);
    if (dir !== '') await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down']).catch(() => undefined);
    const tags = await localTags();
    if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
  });

  test("--json names the removed containers; --rmi local removes every environment's dockstage tags but keeps one a container uses", async () => {
    expect((await cli(['up'])).code).toBe(0);
    expect((await cli(['build', '-e', 'prod'])).code).toBe(0);
    expect(await localTags()).toEqual([CACHE_IMAGE, `${PROJECT}-web:dockstage-dev`, `${PROJECT}-web:dockstage-prod`]);
    // A container outside the project still uses the prod image.
    await run('docker', ['create', '--name', BYSTANDER, `${PROJECT}-web:dockstage-prod`]);

    const result = await cli(['down', '--rmi', 'local', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DownJson;
    expect(report).toEqual({
      type: 'down',
      project: PROJECT,
      removed: { containers: [`${PROJECT}-cache-1`, `${PROJECT}-web-1`], volumes: false, images: [`${PROJECT}-web:dockstage-dev`] },
      kept: [{ image: `${PROJECT}-web:dockstage-prod`, reason: `used by container ${BYSTANDER}` }],
    });
    expect(await localTags()).toEqual([CACHE_IMAGE, `${PROJECT}-web:dockstage-prod`]);
    const { stdout } = await run('docker', [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--format',
      '{{.Names}}',
    ]);
    expect(stdout.trim()).toBe('');
  });

  test('--rmi all also removes the images services name; text output says what went', async () => {
    await run('docker', ['rm', '-f', BYSTANDER]);
    const result = await cli(['down', '--rmi', 'all']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${PROJECT} is down (0 containers removed)\nremoved images: ${CACHE_IMAGE}, ${PROJECT}-web:dockstage-prod\n`,
    );
    expect(await localTags()).toEqual([]);
    // Only the tag went: busybox itself is still there.
    await run('docker', ['image', 'inspect', 'busybox:latest']);
  });

  test('an unknown --rmi value is a usage error naming the option', async () => {
    const result = await cli(['down', '--rmi', 'everything']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--rmi <type>' argument 'everything' is invalid. Allowed choices are local, all.");
  });
});
