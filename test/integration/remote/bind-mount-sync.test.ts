/**
 * Bind mounts on a remote engine, proven with an engine that really cannot see
 * the project: a second dockerd in its own mount namespace, where a tmpfs
 * covers the folder the projects live in (test/support/second-engine.ts),
 * reached as `ssh://dockstage-rig/<its socket>` through the suite's sshd. One
 * engine serves the whole file. Without `x-dockstage.remote.bind_mounts: sync`
 * the container sees an empty folder (and dockstage says so); with it the
 * files arrive (ignored ones and `.git` not), follow edits, new folders and
 * deletes while watching, survive a container restart, and a named volume is
 * left alone.
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { inCi } from '../../support/ci.js';
import { describeWithSshRig } from '../../support/docker.js';
import { canStartSecondEngine, startSecondEngine, type SecondEngine } from '../../support/second-engine.js';
import { startSshRig, type SshRig } from '../../support/ssh-rig.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchProcess } from '../../support/watch-process.js';

const ID = `${process.pid}-${Date.now().toString(36)}`;
let rig: SshRig | undefined;
let engine: SecondEngine | undefined;
let hidden = '';
let watch: WatchProcess | undefined;

const project = (sync: boolean) => ({
  'compose.yaml': [
    'services:',
    '  app:',
    '    build: .',
    // Stops at once on SIGTERM (busybox sh runs the trap between sleeps).
    `    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"]`,
    '    volumes:',
    '      - ./src:/app/src',
    '      - ./app.conf:/etc/app.conf',
    '      - cache:/cache',
    // A volume below the synced target (the node_modules pattern): the copies leave it alone.
    '      - vol:/app/src/vol',
    'volumes:',
    '  cache: {}',
    '  vol: {}',
    'x-dockstage:',
    '  remote:',
    `    bind_mounts: ${sync ? 'sync' : 'warn'}`,
    '',
  ].join('\n'),
  Dockerfile: 'FROM busybox:latest\nWORKDIR /app\nCOPY Dockerfile ./\n',
  '.dockerignore': '**/*.log\n',
  'app.conf': 'port=1\n',
  'src/a.txt': 'one\n',
  'src/nested/b.txt': 'bee\n',
  'src/debug.log': 'ignored by .dockerignore\n',
  'src/.git/HEAD': 'ref: refs/heads/main\n',
  'src/vol/host.txt': "the volume is the container's\n",
});

const env = () => ({ ...rig!.env(`dockstage-rig${engine!.socket}`) });

/** The id of the project's one running container on the second engine. */
async function container(name: string): Promise<string> {
  return await waitFor(
    async () => (await engine!.docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${name}`])).trim() || undefined,
    {
      timeoutMs: 30_000,
      message: `a running container of ${name}`,
    },
  );
}

/** `sh -c SCRIPT` in the container, stdout. */
async function inContainer(id: string, script: string): Promise<string> {
  return await engine!.docker(['exec', id, 'sh', '-c', script]);
}

const listing = (id: string) => inContainer(id, 'cd /app/src && find . | sort');

describeWithSshRig('bind mounts on an engine that cannot see the project', () => {
  beforeAll(async () => {
    if (!canStartSecondEngine()) {
      if (inCi()) throw new Error('a second dockerd cannot start here (needs root, unshare and dockerd)');
      return;
    }
    hidden = await mkdtemp(path.join(os.tmpdir(), 'dockstage-hidden-'));
    rig = await startSshRig();
    engine = await startSecondEngine(hidden, ['busybox:latest']);
  }, 180_000);

  afterAll(async () => {
    await watch?.stop();
    await engine?.stop();
    await rig?.stop();
    if (hidden !== '') await rm(hidden, { recursive: true, force: true });
  }, 60_000);

  test('without sync: the container sees an empty folder, and dockstage says so once for the service', async (context) => {
    if (engine === undefined) return context.skip();
    const dir = path.join(hidden, 'plain');
    const name = `dstbind-plain-${ID}`;
    await writeFiles(dir, project(false));
    const up = await runCli(['-p', name, 'up'], { cwd: dir, env: env(), timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(
      /app: the engine at ssh:\/\/dockstage-rig\S* is remote, so the bind mount \.\/src → \/app\/src, \.\/app\.conf → \/etc\/app\.conf mounts that host's folder/,
    );
    expect(up.stderr).toMatch(/bind_mounts: sync/);
    const id = await container(name);
    expect((await listing(id)).trim().split('\n')).toEqual(['.', './vol']);
    const status = await runCli(['-p', name, 'status', '--json'], { cwd: dir, env: env() });
    expect(
      (JSON.parse(status.stdout) as { services: { name: string; bindMounts?: string }[] }).services.find((s) => s.name === 'app')
        ?.bindMounts,
    ).toBe('unreachable');
  }, 180_000);

  test('with sync: the files arrive, follow edits, new folders and deletes, survive a container restart, and come again after a recreate', async (context) => {
    if (engine === undefined) return context.skip();
    const dir = path.join(hidden, 'synced');
    const name = `dstbind-sync-${ID}`;
    await writeFiles(dir, project(true));

    const up = await runCli(['-p', name, 'up'], { cwd: dir, env: env(), timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).not.toMatch(/is remote, so the bind mount/);
    const id = await container(name);
    // Ignored by the build context's .dockerignore, and .git: not copied.
    // Nor is anything written into the volume below the target.
    expect((await listing(id)).trim().split('\n')).toEqual(['.', './a.txt', './nested', './nested/b.txt', './vol']);
    expect(await inContainer(id, 'cat /app/src/a.txt /app/src/nested/b.txt /etc/app.conf')).toBe('one\nbee\nport=1\n');
    // The image's own files beside the mount and the named volume are untouched.
    expect(await inContainer(id, 'ls /app; mount | grep -c " /cache "')).toBe('Dockerfile\nsrc\n1\n');

    const status = await runCli(['-p', name, 'status', '--json'], { cwd: dir, env: env() });
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { engine: { remote: boolean }; services: { name: string; bindMounts?: string }[] };
    expect(json.engine.remote).toBe(true);
    expect(json.services.find((s) => s.name === 'app')?.bindMounts).toBe('synced');

    watch = startWatch(['-p', name], { cwd: dir, env: env() });
    await watch.next((l) => l.type === 'idle', { timeoutMs: 60_000 });
    expect(watch.lines.find((l) => l.type === 'connected')).toMatchObject({ remote: true, bindMounts: { app: 'synced' } });

    // An edit in the volume's folder here first: the edit after it arriving shows it was passed over, not pending.
    await writeFile(path.join(dir, 'src/vol/host.txt'), 'edited here\n');
    await writeFile(path.join(dir, 'src/a.txt'), 'two\n');
    await waitFor(async () => (await inContainer(id, 'cat /app/src/a.txt')) === 'two\n', {
      timeoutMs: 30_000,
      message: 'the edit in the container',
    });
    // Said as a copy of the changed path (or, when the edit beat the start-up check, in the full copy that took it).
    await watch.next((l) => l.type === 'bind-synced' && ((l['paths'] as string[]).includes('src/a.txt') || l['full'] === true), {
      timeoutMs: 10_000,
    });

    // A bind-mounted file follows too.
    await writeFile(path.join(dir, 'app.conf'), 'port=2\n');
    await waitFor(async () => (await inContainer(id, 'cat /etc/app.conf')) === 'port=2\n', {
      timeoutMs: 30_000,
      message: 'the edited file mount in the container',
    });

    await mkdir(path.join(dir, 'src/new/deeper'), { recursive: true });
    await writeFile(path.join(dir, 'src/new/deeper/c.txt'), 'sea\n');
    await writeFile(path.join(dir, 'src/new/trace.log'), 'ignored\n');
    await waitFor(async () => (await inContainer(id, 'cat /app/src/new/deeper/c.txt 2>/dev/null || true')) === 'sea\n', {
      timeoutMs: 30_000,
      message: 'the new folder in the container',
    });

    await unlink(path.join(dir, 'src/nested/b.txt'));
    await waitFor(async () => !(await listing(id)).includes('./nested/b.txt'), {
      timeoutMs: 30_000,
      message: 'the delete in the container',
    });
    const expected = ['.', './a.txt', './nested', './new', './new/deeper', './new/deeper/c.txt', './vol'];
    expect((await listing(id)).trim().split('\n')).toEqual(expected);

    // The copies live in the container's writable layer: a restart keeps them.
    await engine.docker(['restart', '-t', '1', id]);
    await waitFor(async () => (await engine!.docker(['inspect', '-f', '{{.State.Running}}', id])).trim() === 'true', {
      timeoutMs: 30_000,
      message: 'the restarted container',
    });
    expect((await listing(id)).trim().split('\n')).toEqual(expected);
    expect(await inContainer(id, 'cat /app/src/a.txt')).toBe('two\n');

    // A recreate starts from the image again: the new container gets the whole folder.
    const before = watch.lines.length;
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nWORKDIR /app\nCOPY Dockerfile ./\nENV AGAIN=1\n');
    const replaced = await watch.next((l) => l.type === 'replaced', { from: before, timeoutMs: 90_000 });
    const newId = replaced['newId'] as string;
    expect(newId).not.toBe(id);
    const fullCopy = await watch.next((l) => l.type === 'bind-synced' && l['full'] === true, { from: before, timeoutMs: 30_000 });
    expect(fullCopy['reload']).toBe('restart');
    // The restart after that copy is a stop dockstage made (an exit marked intended), not a crash.
    await watch.next((l) => l.type === 'exited' && l['intended'] === true, {
      from: watch.lines.indexOf(fullCopy),
      timeoutMs: 30_000,
      message: 'the restart after the copy',
    });
    // It restarts after the copy (watch.reload's default), so the app starts on the files: asked until it answers.
    await waitFor(
      async () =>
        (await listing(newId)).trim().split('\n').join(' ') === expected.join(' ') &&
        (await inContainer(newId, 'cat /app/src/a.txt')) === 'two\n',
      {
        timeoutMs: 30_000,
        message: 'the full copy in the new container',
      },
    );
    expect(watch.lines.slice(before).filter((l) => l.type === 'exited' && l['intended'] !== true)).toEqual([]);
    expect(watch.stderr()).not.toMatch(/could not copy/);
    expect(watch.lines.filter((l) => l.type === 'bind-synced' && l['error'] !== undefined)).toEqual([]);
  }, 240_000);
});
