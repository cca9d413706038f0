/**
 * The ContainerFiles adapter against a running busybox container: contents
 * replaced in place (same inode), new files and directories with their mode
 * and owner, names resolved from the container's /etc/passwd and /etc/group,
 * the file-onto-directory rule, removals, and the failures a caller falls
 * back from.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveDockerEndpoint } from '../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeFiles } from '../../src/adapters/docker/dockerode-files.js';
import { DockstageError } from '../../src/core/errors.js';
import type { ContainerFiles } from '../../src/ports/container-files.js';
import { describeWithEngine } from '../support/docker.js';
import { waitFor } from '../support/wait.js';

const NAME = `dst-sync-files-${randomBytes(4).toString('hex')}`;
const STOPPED = `${NAME}-stopped`;

function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** `stat` in the container. */
async function stat(path: string): Promise<{ type: string; mode: string; owner: string; size: number; inode: string }> {
  const [type = '', mode = '', uid, gid, size, inode = ''] = (await docker(['exec', NAME, 'stat', '-c', '%F|%a|%u|%g|%s|%i', path])).split(
    '|',
  );
  return { type, mode, owner: `${uid}:${gid}`, size: Number(size), inode };
}

/** Writers waiting in the container (the bracket keeps grep's own command line from matching). */
async function waitingWriters(): Promise<number> {
  return Number(await docker(['exec', NAME, 'sh', '-c', "grep -l -e '--stdin-arg[s]' /proc/[0-9]*/cmdline 2>/dev/null | wc -l"]));
}

/** How many processes the engine started in the container while `action` ran (its exec_create events). */
async function execsDuring(action: () => Promise<unknown>): Promise<number> {
  const since = (Date.now() / 1000).toFixed(3);
  await action();
  const until = ((Date.now() + 500) / 1000).toFixed(3);
  const events = await docker([
    'events',
    '--since',
    since,
    '--until',
    until,
    '--filter',
    `container=${NAME}`,
    '--filter',
    'event=exec_create',
    '--format',
    '{{.TimeNano}}',
  ]);
  return events === '' ? 0 : events.split('\n').length;
}

describeWithEngine('the dockerode ContainerFiles adapter', () => {
  let files: ContainerFiles;

  beforeAll(async () => {
    files = createDockerodeFiles(await resolveDockerEndpoint(process.env));
    await docker(['run', '-d', '--init', '--name', NAME, 'busybox:latest', 'sleep', '3600']);
    await docker([
      'exec',
      NAME,
      'sh',
      '-c',
      'mkdir -p /app && echo old > /app/index.js && echo "app:x:1234:2345::/:/bin/sh" >> /etc/passwd && echo "staff:x:3456:" >> /etc/group',
    ]);
    await docker(['create', '--name', STOPPED, 'busybox:latest', 'true']);
  });

  afterAll(async () => {
    await docker(['rm', '-f', NAME, STOPPED]).catch(() => undefined);
  });

  test('an existing file gets its new content in place: same inode, new mode and owner', async () => {
    // Given /app/index.js in the container
    const before = (await stat('/app/index.js')).inode;
    // When the adapter writes it
    const applied = await files.writeFiles(NAME, [
      { path: '/app/index.js', content: Buffer.from('new content\n'), mode: 0o640, owner: { user: 1000, group: 1000 } },
    ]);
    // Then the content, mode and owner are the new ones, and the inode is the same
    expect(applied.written).toEqual(['/app/index.js']);
    expect(await docker(['exec', NAME, 'cat', '/app/index.js'])).toBe('new content');
    expect(await stat('/app/index.js')).toEqual({ type: 'regular file', mode: '640', owner: '1000:1000', size: 12, inode: before });
  });

  test('a batch creates missing directories with their own mode and owner, writes several files and removes paths, in one call', async () => {
    await docker(['exec', NAME, 'sh', '-c', 'mkdir -p /app/gone/deep && echo x > /app/gone/deep/x && echo y > /app/stale.js']);
    const big = randomBytes(200_000);
    const applied = await files.apply(NAME, {
      removals: ['/app/gone', '/app/stale.js', '/app/never-there'],
      directories: [
        { path: '/app', mode: 0o755, owner: { user: 0, group: 0 } },
        { path: '/app/lib', mode: 0o750, owner: { user: 1000, group: 1000 } },
      ],
      files: [
        { path: '/app/lib/big.bin', content: big, mode: 0o600, owner: { user: 1000, group: 1000 } },
        { path: '/app/lib/empty', content: new Uint8Array(), mode: 0o644, owner: { user: 0, group: 0 } },
        { path: '/app/lib/name with spaces & $dollar', content: Buffer.from('odd\n'), mode: 0o755, owner: { user: 0, group: 0 } },
      ],
    });
    expect(applied.written).toEqual(['/app/lib/big.bin', '/app/lib/empty', '/app/lib/name with spaces & $dollar']);
    expect(await stat('/app/lib')).toMatchObject({ type: 'directory', mode: '750', owner: '1000:1000' });
    expect(await stat('/app/lib/big.bin')).toMatchObject({ type: 'regular file', mode: '600', owner: '1000:1000', size: 200_000 });
    expect(await docker(['exec', NAME, 'sha256sum', '/app/lib/big.bin'])).toContain(createHash('sha256').update(big).digest('hex'));
    expect(await stat('/app/lib/empty')).toMatchObject({ type: 'regular empty file', mode: '644', owner: '0:0', size: 0 });
    expect(await docker(['exec', NAME, 'cat', '/app/lib/name with spaces & $dollar'])).toBe('odd');
    expect(await docker(['exec', NAME, 'sh', '-c', 'ls -a / /app | grep -c -e gone -e stale -e dockstage-sync || true'])).toBe('0');
  });

  test('an existing directory is left as it is', async () => {
    await docker(['exec', NAME, 'sh', '-c', 'mkdir -p /keep && chmod 711 /keep']);
    await files.apply(NAME, { directories: [{ path: '/keep', mode: 0o700, owner: { user: 1000, group: 1000 } }] });
    expect(await stat('/keep')).toMatchObject({ type: 'directory', mode: '711', owner: '0:0' });
  });

  test('names resolve from the container: a lone user name takes its primary group, a group name its gid', async () => {
    await files.writeFiles(NAME, [
      { path: '/app/by-user', content: Buffer.from('u'), mode: 0o644, owner: { user: 'app', group: null } },
      { path: '/app/by-both', content: Buffer.from('b'), mode: 0o644, owner: { user: 'app', group: 'staff' } },
      { path: '/app/by-uid', content: Buffer.from('i'), mode: 0o644, owner: { user: 77, group: null } },
    ]);
    expect((await stat('/app/by-user')).owner).toBe('1234:2345');
    expect((await stat('/app/by-both')).owner).toBe('1234:3456');
    expect((await stat('/app/by-uid')).owner).toBe('77:77');
  });

  test('a file written onto a directory with intoDirectoryNamed goes inside it, else it becomes the path', async () => {
    const applied = await files.writeFiles(NAME, [
      { path: '/bin', content: Buffer.from('#!/bin/sh\n'), mode: 0o755, owner: { user: 0, group: 0 }, intoDirectoryNamed: 'tool.sh' },
      { path: '/app/conf', content: Buffer.from('c'), mode: 0o644, owner: { user: 0, group: 0 }, intoDirectoryNamed: 'conf.txt' },
    ]);
    expect(applied.written).toEqual(['/bin/tool.sh', '/app/conf']);
    expect(await stat('/bin/tool.sh')).toMatchObject({ type: 'regular file', mode: '755' });
  });

  test('an unknown user name, a stopped container and a relative path are DockstageErrors, and nothing is left behind', async () => {
    await expect(
      files.writeFiles(NAME, [{ path: '/app/x', content: Buffer.from('x'), mode: 0o644, owner: { user: 'nobody-here', group: null } }]),
    ).rejects.toThrow(/no user 'nobody-here' in the container's \/etc\/passwd/);
    await expect(
      files.writeFiles(STOPPED, [{ path: '/x', content: Buffer.from('x'), mode: 0o644, owner: { user: 0, group: 0 } }]),
    ).rejects.toBeInstanceOf(DockstageError);
    await expect(files.removePaths(NAME, ['relative'])).rejects.toThrow(/absolute container paths/);
    expect(await docker(['exec', NAME, 'sh', '-c', 'ls -a / | grep -c dockstage-sync || true'])).toBe('0');
  });

  test('createFiles: new folders and files in one upload, no process started, with their modes, owners and content, long names too', async () => {
    const long = `/upload/${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const big = randomBytes(300_000);
    const owner = { user: 1234, group: 2345 };
    let applied: { written: readonly string[] } = { written: [] };
    const execs = await execsDuring(async () => {
      applied = await files.createFiles!(NAME, {
        directories: [
          { path: '/upload', mode: 0o750, owner },
          { path: '/upload/sub', mode: 0o700, owner },
        ],
        files: [
          { path: '/upload/sub/a.txt', content: Buffer.from('a\n'), mode: 0o640, owner },
          { path: '/upload/big.bin', content: big, mode: 0o600, owner: { user: 0, group: 0 } },
          { path: long, content: Buffer.from('long\n'), mode: 0o644, owner },
          { path: '/upload/big-id.txt', content: Buffer.from('id\n'), mode: 0o644, owner: { user: 1_000_680_000, group: 1_000_680_001 } },
        ],
      });
    });
    expect(execs).toBe(0);
    expect(applied.written).toEqual(['/upload/sub/a.txt', '/upload/big.bin', long, '/upload/big-id.txt']);
    expect(await stat('/upload/big-id.txt')).toMatchObject({ owner: '1000680000:1000680001' });
    expect(await stat('/upload')).toMatchObject({ type: 'directory', mode: '750', owner: '1234:2345' });
    expect(await stat('/upload/sub')).toMatchObject({ type: 'directory', mode: '700', owner: '1234:2345' });
    expect(await stat('/upload/sub/a.txt')).toMatchObject({ type: 'regular file', mode: '640', owner: '1234:2345', size: 2 });
    expect(await stat(long)).toMatchObject({ type: 'regular file', mode: '644', size: 5 });
    const sum = (await docker(['exec', NAME, 'sha256sum', '/upload/big.bin'])).split(' ')[0];
    expect(sum).toBe(createHash('sha256').update(big).digest('hex'));
    // A parent the batch does not name is created, as root with 0755; a relative path is refused; a container created but
    // not started takes the files, as docker cp's does.
    await files.createFiles!(NAME, {
      directories: [],
      files: [{ path: '/made/by/engine.txt', content: Buffer.from('e'), mode: 0o644, owner }],
    });
    expect(await stat('/made/by')).toMatchObject({ type: 'directory', mode: '755', owner: '0:0' });
    await expect(files.createFiles!(NAME, { directories: [], files: [{ path: 'rel.txt', mode: 0o644, owner }] })).rejects.toThrow(
      /absolute container paths/,
    );
    await expect(
      files.createFiles!(STOPPED, { directories: [], files: [{ path: '/x.txt', content: Buffer.from('x'), mode: 0o644, owner }] }),
    ).resolves.toEqual({ written: ['/x.txt'] });
  });

  describe('writers kept ready', () => {
    const write = (path: string, text: string) => ({ path, content: Buffer.from(text), mode: 0o644, owner: { user: 0, group: 0 } });

    test('a batch goes to the waiting writer without starting a process; the next call starts the next writer', async () => {
      const ready = createDockerodeFiles(await resolveDockerEndpoint(process.env));
      try {
        ready.keepReady!([NAME]);
        await waitFor(async () => (await waitingWriters()) === 1, { message: 'a writer waiting in the container' });
        let applied: unknown;
        expect(
          await execsDuring(async () => (applied = await ready.writeFiles(NAME, [write('/app/index.js', 'from the ready writer\n')]))),
        ).toBe(0);
        expect(applied).toEqual({ written: ['/app/index.js'] });
        expect(await docker(['exec', NAME, 'cat', '/app/index.js'])).toBe('from the ready writer');
        // Without a writer, a batch starts one exec of its own.
        expect(await execsDuring(() => ready.writeFiles(NAME, [write('/app/index.js', 'cold\n')]))).toBe(1);
        ready.keepReady!([NAME]);
        await waitFor(async () => (await waitingWriters()) === 1, { message: 'the next writer' });
      } finally {
        await ready.close!();
      }
      await waitFor(async () => (await waitingWriters()) === 0, { message: 'close to end the waiting script' });
    });

    test('a writer killed by a restart leaves the batch to a fresh exec, and the next call brings a writer back', async () => {
      const ready = createDockerodeFiles(await resolveDockerEndpoint(process.env));
      try {
        ready.keepReady!([NAME]);
        await waitFor(async () => (await waitingWriters()) === 1, { message: 'a writer waiting in the container' });
        await docker(['restart', '-t', '0', NAME]);
        const applied = await ready.writeFiles(NAME, [write('/app/index.js', 'after the restart\n')]);
        expect(applied.written).toEqual(['/app/index.js']);
        expect(await docker(['exec', NAME, 'cat', '/app/index.js'])).toBe('after the restart');
        await waitFor(
          async () => {
            ready.keepReady!([NAME]);
            return (await waitingWriters()) === 1;
          },
          { message: 'a writer after the restart', timeoutMs: 15_000, intervalMs: 200 },
        );
      } finally {
        await ready.close!();
      }
    });

    test("a path holding a newline cannot travel on the writer's stdin: it takes a fresh exec and the writer keeps waiting", async () => {
      const ready = createDockerodeFiles(await resolveDockerEndpoint(process.env));
      try {
        ready.keepReady!([NAME]);
        await waitFor(async () => (await waitingWriters()) === 1, { message: 'a writer waiting in the container' });
        const applied = await ready.writeFiles(NAME, [write('/app/two\nlines', 'odd name\n')]);
        expect(applied.written).toEqual(['/app/two\nlines']);
        expect(await docker(['exec', NAME, 'cat', '/app/two\nlines'])).toBe('odd name');
        expect(await waitingWriters()).toBe(1);
        // keepReady without the container closes its writer.
        ready.keepReady!([]);
        await waitFor(async () => (await waitingWriters()) === 0, { message: 'the writer to be closed' });
      } finally {
        await ready.close!();
      }
    });
  });
});
