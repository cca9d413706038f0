/**
 * Issue 17 on the real engine, one-shot commands: switching environments there
 * and back leaves nothing for a later `up` to recreate (compose's config hash
 * with depends_on); a container left on an older build than its tag is stale
 * in `status` (never a bare image ID) and `plan` (recreate); `down --rmi local`
 * removes that untagged build too, by dockstage's project label.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { containerIds, removeProject } from '../../support/compose-project.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const PROJECT = `dststale-${process.pid}-${Date.now().toString(36)}`;
const project = tempProjects('dockstage-stale-');
let dir = '';

const cli = async (...args: string[]) => {
  const result = await runCli(['-p', PROJECT, ...args], { cwd: dir, timeoutMs: 180_000 });
  if (result.code !== 0) throw new Error(`dockstage ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
};

const labelled = async () =>
  (await run('docker', ['images', '-q', '--no-trunc', '--filter', `label=dev.dockstage.project=${PROJECT}`])).stdout
    .split('\n')
    .filter((id) => id !== '');

describeWithEngine('a container behind its image (issue 17)', () => {
  beforeAll(async () => {
    dir = await project({
      'compose.yaml': [
        'services:',
        '  static:',
        '    image: busybox:latest',
        '    init: true',
        '    command: ["sleep", "3600"]',
        '  api:',
        '    build: .',
        '    init: true',
        '    depends_on: [static]',
        '',
      ].join('\n'),
      Dockerfile:
        'FROM busybox:latest AS develop\nCOPY text.txt /text.txt\nCMD ["sleep", "3600"]\n\nFROM busybox:latest AS production\nCOPY text.txt /text.txt\nLABEL tier=production\nCMD ["sleep", "7200"]\n',
      'text.txt': 'one\n',
    });
  });

  afterAll(async () => {
    for (const id of await labelled().catch(() => [])) await run('docker', ['rmi', '-f', id]).catch(() => undefined);
    await removeProject(PROJECT, dir);
  }, 120_000);

  test('env prod then env dev leaves nothing for up to recreate (a service with depends_on included)', async () => {
    await cli('up');
    await cli('env', 'prod');
    await cli('env', 'dev');
    const before = await containerIds(PROJECT);
    const up = await cli('up');
    expect(await containerIds(PROJECT)).toEqual(before);
    expect(up).toContain('is up in dev');
  });

  test('a newer build of the tag makes the running container stale in status and plan, shown by name, never a bare ID', async () => {
    const running = await containerIds(PROJECT);
    await writeFile(path.join(dir, 'text.txt'), 'two\n');
    await cli('build', 'api');
    // build moved the tag on; the container still runs the old image.
    expect(await containerIds(PROJECT)).toEqual(running);
    const status = JSON.parse(await cli('status', '--json')) as {
      services: { name: string; image: string; upToDate: boolean | null; staleReason: string | null }[];
    };
    const api = status.services.find((s) => s.name === 'api')!;
    expect(api).toMatchObject({ upToDate: false, staleReason: 'container-behind' });
    expect(api.image).toMatch(new RegExp(`^${PROJECT}-api:dockstage-dev \\(older build [0-9a-f]{12}\\)$`));
    expect(await cli('status')).toContain('stale (old container)');
    const plan = JSON.parse(await cli('plan', '--json')) as { services: { name: string; action: string; reasons: { rule: string }[] }[] };
    expect(plan.services.find((s) => s.name === 'api')).toMatchObject({ action: 'recreate', reasons: [{ rule: 'container-behind' }] });
    // up applies it, and then everything agrees again.
    await cli('up');
    const after = JSON.parse(await cli('status', '--json')) as {
      services: { name: string; upToDate: boolean | null; staleReason: string | null }[];
    };
    expect(after.services.find((s) => s.name === 'api')).toMatchObject({ upToDate: true, staleReason: null });
  });

  test('down --rmi local removes every image dockstage built for the project, tagged or not', async () => {
    // Leave an untagged build behind: a container on the old image while a build takes the tag.
    await writeFile(path.join(dir, 'text.txt'), 'three\n');
    await cli('build', 'api');
    expect((await labelled()).length).toBeGreaterThanOrEqual(2);
    const down = await cli('down', '--rmi', 'local');
    const left = await labelled();
    // On a failure, say what down reported and what uses what is left.
    const users = await Promise.all(
      left.map(async (id) =>
        (await run('docker', ['ps', '-a', '--no-trunc', '--filter', `ancestor=${id}`, '--format', '{{.Names}}'])).stdout.trim(),
      ),
    );
    expect(left, `down said:\n${down}\ncontainers on what is left: ${JSON.stringify(users)}`).toEqual([]);
  });
});
