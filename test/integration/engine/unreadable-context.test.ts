/**
 * A file or folder in a build context that the user cannot read: BuildKit could
 * not send it either, so `plan` (which digests inputs) and `stages` (which walks
 * the context) say which one, in one line, exit 1. Root reads everything, so
 * when the tests run as root the CLI runs as `nobody`, reaching the engine over
 * a TCP forwarder to its socket.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../../support/cli.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects('dockstage-unreadable-');
const asRoot = process.getuid?.() === 0;
let forwarder: net.Server | undefined;
let dockerHost = '';
let dockerConfig = '';

/** The CLI as an unprivileged user (nobody when we are root), with its own docker config and the forwarded engine. */
function runUnprivileged(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd,
        env: { PATH: process.env['PATH'], HOME: dockerConfig, DOCKER_CONFIG: dockerConfig, DOCKER_HOST: dockerHost, NO_COLOR: '1' },
        timeout: 60_000,
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

describeWithEngine('unreadable files in a build context', () => {
  beforeAll(async () => {
    forwarder = net.createServer((client) => {
      const upstream = net.connect('/var/run/docker.sock');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => forwarder!.listen(0, '127.0.0.1', resolve));
    dockerHost = `tcp://127.0.0.1:${(forwarder.address() as net.AddressInfo).port}`;
    dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'dockstage-unreadable-home-'));
    await chmod(dockerConfig, 0o777);
  });

  afterAll(async () => {
    forwarder?.close();
    await rm(dockerConfig, { recursive: true, force: true });
  });

  async function context(files: Record<string, string>): Promise<string> {
    const dir = await project({
      'compose.yaml': 'services:\n  web:\n    build: .\n',
      Dockerfile: 'FROM busybox AS develop\nCOPY . /app\n',
      ...files,
    });
    await chmod(dir, 0o755);
    return dir;
  }

  test('plan names an unreadable file the target reads, exit 1', async () => {
    const dir = await context({ 'app.js': 'ok\n', 'secret.key': 'k\n' });
    await chmod(path.join(dir, 'secret.key'), 0o000);
    const result = await runUnprivileged(['-p', `dst-examples-unreadable-${process.pid}`, 'plan'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot read ${dir}/secret.key: permission denied\n  hint: BuildKit could not send it either: add it to .dockerignore, or fix its permissions\n`,
    );
  });

  test('stages names an unreadable folder in the context, exit 1; ignoring it is the way out', async () => {
    const dir = await context({ 'app.js': 'ok\n', 'private/notes.txt': 'n\n' });
    await chmod(path.join(dir, 'private'), 0o000);
    const result = await runUnprivileged(['stages'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot read ${dir}/private: permission denied\n  hint: BuildKit could not send it either: add it to .dockerignore, or fix its permissions\n`,
    );
    const ignored = await context({ 'app.js': 'ok\n', 'private/notes.txt': 'n\n', '.dockerignore': 'private/\n' });
    await chmod(path.join(ignored, 'private'), 0o000);
    expect((await runUnprivileged(['stages'], ignored)).code).toBe(0);
  });
});
