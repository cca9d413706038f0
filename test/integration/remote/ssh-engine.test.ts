/**
 * dockstage on an engine behind `DOCKER_HOST=ssh://…`, end to end through the
 * suite's own sshd (test/support/ssh-rig.ts; no agent): status, up, env and
 * watch (live sync, the rebuild path, a dropped connection) work as on a local
 * engine, each run logs in exactly once (dockerode, compose and buildx share
 * the connection), nothing is left in TMPDIR, and a login that cannot work
 * fails in one line naming the host and the fix.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, runCli } from '../../support/cli.js';
import { containerIds, freePort, removeProject } from '../../support/compose-project.js';
import { describeWithSshRig, TEST_NODE_IMAGE } from '../../support/docker.js';
import { startSshRig, type SshRig } from '../../support/ssh-rig.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchProcess } from '../../support/watch-process.js';

const run = promisify(execFile);
const PROJECT = `dstssh-${process.pid}-${Date.now().toString(36)}`;
let rig: SshRig | undefined;
let dir = '';
let port = 0;
let watch: WatchProcess | undefined;

const SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => res.end(require('./message.js') + ' ' + require('../package.json').version));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
CMD ["node", "--watch", "src/server.js"]

FROM base AS production
COPY src/ ./src/
CMD ["node", "src/server.js"]
`;

async function served(text: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).text()) === text;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 50, message: `web to serve '${text}'` },
  );
}

const env = (host?: string) => ({ ...rig!.env(host), NODE_IMAGE: TEST_NODE_IMAGE });
const leftBehind = () => readdirSync(rig!.tmpDir);

/** Runs a command over the rig and checks what every run must: exit code, one login, no warning, nothing left. */
async function overSsh(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const before = rig!.logins();
  const result = await runCli(['-p', PROJECT, ...args], { cwd: dir, env: env() });
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  expect(result.stderr).not.toMatch(/DeprecationWarning|DEP0170/);
  expect(rig!.logins() - before, `logins for ${args.join(' ')}`).toBe(1);
  expect(leftBehind()).toEqual([]);
  expect(rig!.clients()).toEqual([]);
  return result;
}

describeWithSshRig('an engine over ssh://', () => {
  beforeAll(async () => {
    rig = await startSshRig();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-ssh-project-'));
    port = await freePort();
    await writeFiles(dir, {
      'compose.yaml': `x-dockstage:\n  watch:\n    reload:\n      web: none\nservices:\n  web:\n    build:\n      context: ./app\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    init: true\n    ports: ["127.0.0.1:${port}:3000"]\n  tools:\n    image: busybox:latest\n    init: true\n    command: ["sleep", "86400"]\n    volumes: ["./app/src:/src:ro"]\n`,
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
    });
  });

  afterAll(async () => {
    await watch?.stop();
    await removeProject(PROJECT, dir);
    await rig?.stop();
  });

  test('status logs in once, shows the engine and that it is remote, warns nothing and leaves nothing behind', async () => {
    const { stdout } = await overSsh(['status']);
    expect(stdout).toMatch(/engine 20\.\S+ · remote ssh:\/\/dockstage-rig\n/);
    expect(stdout).toMatch(/web\s+dev\s+develop/);
    const json = JSON.parse((await overSsh(['status', '--json'])).stdout) as { engine: Record<string, unknown> };
    expect(json.engine).toMatchObject({ endpoint: 'ssh://dockstage-rig', remote: true });
  });

  test('up builds through buildx and starts through compose on the one connection, and warns once about the bind mount', async () => {
    const { stderr } = await overSsh(['up']);
    await served('v1 1.0.0');
    const warning =
      "warning: tools: the engine at ssh://dockstage-rig is remote, so the bind mount ./app/src → /src mounts that host's folder, not this machine's files";
    expect(stderr).toContain(warning);
    expect(stderr.split(warning).length - 1).toBe(1);
  });

  test('a docker context with an ssh:// endpoint (current context of DOCKER_CONFIG) is one login too', async () => {
    const config = await mkdtemp(path.join(os.tmpdir(), 'dockstage-ssh-context-'));
    try {
      await run('docker', ['context', 'create', 'rig', '--docker', `host=ssh://${rig!.host}`], {
        env: { ...process.env, DOCKER_CONFIG: config },
      });
      await run('docker', ['context', 'use', 'rig'], { env: { ...process.env, DOCKER_CONFIG: config } });
      const before = rig!.logins();
      const result = await runCli(['-p', PROJECT, 'status', '--json'], {
        cwd: dir,
        env: { ...env(), DOCKER_HOST: '', DOCKER_CONFIG: config },
      });
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { engine: Record<string, unknown> }).engine).toMatchObject({
        endpoint: `ssh://${rig!.host}`,
        remote: true,
      });
      expect(rig!.logins() - before).toBe(1);
      expect(leftBehind()).toEqual([]);
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });

  test('~/.ssh/config applies as for the docker CLI: a ProxyJump host is one connection (the jump, then the target)', async () => {
    const before = rig!.logins();
    const result = await runCli(['-p', PROJECT, 'status', '--json'], { cwd: dir, env: env(rig!.jumpHost) });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { engine: Record<string, unknown> }).engine).toMatchObject({
      endpoint: `ssh://${rig!.jumpHost}`,
      remote: true,
    });
    expect(rig!.logins() - before).toBe(2);
    expect(leftBehind()).toEqual([]);
  });

  test('env switches to prod and back, one login each', async () => {
    await overSsh(['env', 'prod']);
    await served('v1 1.0.0');
    await overSsh(['env', 'dev']);
    await served('v1 1.0.0');
  });

  test('watch: a live-synced edit, a rebuild, a dropped connection (disconnected, connected), then the next edit', async () => {
    const before = rig!.logins();
    const w = (watch = startWatch(['-p', PROJECT], { cwd: dir, env: env() }));
    await w.next((l) => l.type === 'idle', { message: 'the first idle' });
    expect(w.lines.find((l) => l.type === 'connected')).toMatchObject({
      endpoint: 'ssh://dockstage-rig',
      remote: true,
      host: 'dockstage-rig',
    });

    let from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await w.next((l) => l.type === 'synced' && l['service'] === 'web', { from });
    await served('v2 1.0.0');
    await w.next((l) => l.type === 'idle', { from });

    from = w.lines.length;
    await writeFile(path.join(dir, 'app/package.json'), '{"name":"app","version":"1.0.1"}\n');
    await w.next((l) => l.type === 'replaced' && l['service'] === 'web', { from });
    await served('v2 1.0.1');
    await w.next((l) => l.type === 'idle', { from });

    from = w.lines.length;
    expect(rig!.dropConnections()).toBeGreaterThan(0);
    const disconnected = await w.next((l) => l.type === 'disconnected', { from, timeoutMs: 30_000 });
    expect(String(disconnected['message'])).toMatch(/ssh:\/\/dockstage-rig \(DOCKER_HOST\)/);
    await w.next((l) => l.type === 'connected', { from, timeoutMs: 30_000 });

    from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v3';\n");
    await w.next((l) => l.type === 'synced' && l['service'] === 'web', { from });
    await served('v3 1.0.1');

    expect(await w.stop()).toBe(0);
    watch = undefined;
    expect(w.stderr()).not.toMatch(/DeprecationWarning|DEP0170/);
    expect(rig!.logins() - before).toBe(2);
    expect(leftBehind()).toEqual([]);
    expect(rig!.clients()).toEqual([]);
  });

  test('Ctrl-C while connected ends ssh and removes its socket', async () => {
    const child = spawn(process.execPath, [CLI, '-p', PROJECT, 'watch', '--json'], {
      cwd: dir,
      env: { ...process.env, ...env() },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const sshFolder = () => leftBehind().find((name) => name.startsWith('dockstage-ssh-'));
    await waitFor(() => sshFolder() !== undefined && readdirSync(path.join(rig!.tmpDir, sshFolder()!)).includes('docker.sock'), {
      timeoutMs: 30_000,
      message: 'the ssh socket',
    });
    child.kill('SIGINT');
    await exited;
    expect(leftBehind()).toEqual([]);
    expect(rig!.clients()).toEqual([]);
  });

  test('down removes the containers over the same single login', async () => {
    await overSsh(['down']);
    expect(await containerIds(PROJECT, { all: true })).toEqual({});
  });

  describe('a login that cannot work: one line naming the host, one hint, exit 1', () => {
    const fails = async (host: string) => {
      const result = await runCli(['-p', PROJECT, 'status'], { cwd: dir, env: env(host) });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error: [^\n]+\n {2}hint: [^\n]+\n$/);
      expect(result.stderr).toContain(`ssh://${host} (DOCKER_HOST)`);
      expect(leftBehind()).toEqual([]);
      return result.stderr;
    };

    test('a key sshd does not accept', async () => {
      const stderr = await fails(rig!.badKeyHost);
      expect(stderr).toContain('could not log in');
      expect(stderr).toContain('Permission denied (publickey)');
      expect(stderr).toContain(`'ssh ${rig!.badKeyHost} true' must log in without a prompt`);
    });

    test('a host key nobody accepted', async () => {
      const stderr = await fails(rig!.unknownHostKeyHost);
      expect(stderr).toContain(`the host key of ${rig!.unknownHostKeyHost} is not known`);
      expect(stderr).toContain('check the key');
    });

    test('a port nothing listens on', async () => {
      const stderr = await fails(rig!.closedPortHost);
      expect(stderr).toContain('over ssh: ssh: connect to host 127.0.0.1 port');
      expect(stderr).toContain('Connection refused');
    });

    test('no engine behind the socket named in the address', async () => {
      const stderr = await fails(`${rig!.host}/run/dockstage-no-engine.sock`);
      expect(stderr).toContain(`no Docker engine answers at /run/dockstage-no-engine.sock on ${rig!.host}`);
    });

    test('a host without docker', async () => {
      const stderr = await fails(`${rig!.noDockerHost}/run/dockstage-no-engine.sock`);
      expect(stderr).toContain(`Docker is not installed on ${rig!.noDockerHost}`);
      expect(stderr).toContain(`install Docker on ${rig!.noDockerHost}`);
    });

    test('plan --changed, stages and inputs never log in', async () => {
      const before = rig!.logins();
      for (const args of [['plan', '--changed', 'app/src/message.js'], ['stages'], ['inputs', '--context', 'app']]) {
        const result = await runCli(['-p', PROJECT, ...args], { cwd: dir, env: env(rig!.closedPortHost) });
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      }
      expect(rig!.logins()).toBe(before);
    });
  });
});
