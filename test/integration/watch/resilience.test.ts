/**
 * `dockstage watch` when things go wrong, on the real engine: the engine goes
 * away mid-session and comes back (dockstage reaches it through a TCP proxy on
 * 127.0.0.1 that the test cuts and restores, as a daemon restart or a network
 * drop would); a second dockstage on the same project; Ctrl-C during a build;
 * a crash-looping container. Waits are conditions with deadlines.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchProcess } from '../../support/watch-process.js';

const run = promisify(execFile);
const PROJECT = `dstres-${process.pid}-${Date.now().toString(36)}`;
let dir = '';
let port = 0;
let proxyPort = 0;
let proxy: { server: net.Server; sockets: Set<net.Socket> } | undefined;
const watches: WatchProcess[] = [];

const SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => res.end(require('./message.js')));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A TCP listener on 127.0.0.1:`at` forwarding to the engine's socket; closing it cuts every connection. */
function openProxy(at: number): Promise<{ server: net.Server; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect('/var/run/docker.sock');
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return new Promise((resolve) => server.listen(at, '127.0.0.1', () => resolve({ server, sockets })));
}

async function closeProxy(): Promise<void> {
  if (proxy === undefined) return;
  const { server, sockets } = proxy;
  proxy = undefined;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

async function freePort(): Promise<number> {
  const server = await openProxy(0);
  const address = server.server.address() as net.AddressInfo;
  await new Promise((resolve) => server.server.close(resolve));
  return address.port;
}

async function body(): Promise<string | undefined> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).text();
  } catch {
    return undefined;
  }
}

async function containerIds(): Promise<Record<string, string>> {
  const { stdout } = await run('docker', [
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.ID}}',
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => line.split(' ') as [string, string]),
  );
}

function start(): WatchProcess {
  const w = startWatch(['-p', PROJECT], {
    cwd: dir,
    env: { NODE_IMAGE: TEST_NODE_IMAGE, DOCKER_HOST: `tcp://127.0.0.1:${proxyPort}` },
    watchArgs: ['--no-sync'],
  });
  watches.push(w);
  return w;
}

describeWithEngine('dockstage watch when things go wrong', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-resilience-'));
    port = await freePort();
    proxyPort = await freePort();
    proxy = await openProxy(proxyPort);
    await writeFiles(dir, {
      'compose.yaml': `services:
  web:
    build:
      context: ./app
      args:
        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}
    init: true
    ports: ["127.0.0.1:${port}:3000"]
    environment:
      TOKEN: \${SECRET_TOKEN}
  crasher:
    image: busybox:latest
    restart: always
    command: ["sh", "-c", "echo 'cannot open /etc/app.conf' >&2; sleep 1; exit 3"]
`,
      'app/Dockerfile':
        'ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE} AS develop\nWORKDIR /app\nCOPY src/ ./src/\nRUN node -e "require(\'./src/message.js\')"\nCMD ["node", "src/server.js"]\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
      '.env': 'SECRET_TOKEN=s3cr3t-token-value\n',
    });
  });

  afterAll(async () => {
    for (const w of watches) await w.stop();
    await closeProxy();
    if (dir === '') return;
    await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '-v', '--remove-orphans', '--timeout', '1']).catch(
      () => undefined,
    );
    await run('docker', ['rmi', '-f', `${PROJECT}-web:dockstage-dev`]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  test('a crash-looping container is shown with its exit code and last lines, and nothing is rebuilt for it', async () => {
    const w = start();
    await waitFor(async () => (await body()) === 'v1', { timeoutMs: 90_000, message: 'web to serve v1' });
    const looping = await w.next((l) => l.type === 'exited' && l['service'] === 'crasher' && l['crashLooping'] === true, {
      timeoutMs: 60_000,
      message: 'a crash loop',
    });
    expect(looping['exitCode']).toBe(3);
    expect(looping['logTail']).toContain('cannot open /etc/app.conf');
    const builds = w.lines.filter((l) => l.type === 'build-start').map((l) => l['services']);
    expect(builds).toEqual([['web']]);
  });

  test('a second dockstage on the same project says which process watches it and exits 1', async () => {
    const second = await runCli(['-p', PROJECT, 'watch'], { cwd: dir, env: { NODE_IMAGE: TEST_NODE_IMAGE } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error: dockstage is already watching project ${PROJECT} (pid ${watches[0]!.child.pid})`);
    expect(second.stderr).not.toContain('    at ');
  });

  test('the engine going away is shown; when it is back dockstage follows it again and the next edit is served', async () => {
    const w = watches[0]!;
    const from = w.lines.length;
    await closeProxy();
    await w.next((l) => l.type === 'disconnected', { from, timeoutMs: 30_000 });
    proxy = await openProxy(proxyPort);
    await w.next((l) => l.type === 'connected', { from, timeoutMs: 30_000 });
    const edit = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await waitFor(async () => (await body()) === 'v2', { timeoutMs: 60_000, message: 'web to serve v2 after the engine came back' });
    expect(w.lines.slice(edit).some((l) => l.type === 'replaced' && l['service'] === 'web')).toBe(true);
  });

  test('Ctrl-C during a build cancels it, leaves the containers as they were, and exits 0', async () => {
    const w = watches[0]!;
    const before = await containerIds();
    const from = w.lines.length;
    await writeFile(
      path.join(dir, 'app/Dockerfile'),
      'ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE} AS develop\nWORKDIR /app\nCOPY src/ ./src/\nRUN sleep 120\nCMD ["node", "src/server.js"]\n',
    );
    // Stop while the slow RUN runs, not before it started.
    await w.next((l) => l.type === 'stage' && l['step'] === 3, { from });
    const stopped = Date.now();
    w.child.kill('SIGINT');
    expect(await w.stop()).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(20_000);
    expect(await containerIds()).toEqual(before);
    expect(await body()).toBe('v2');
    expect(w.stderr()).not.toContain('    at ');
  });

  test('no value from .env appears in anything watch printed', () => {
    for (const w of watches) {
      expect(JSON.stringify(w.lines)).not.toContain('s3cr3t-token-value');
      expect(w.stderr()).not.toContain('s3cr3t-token-value');
    }
  });

  test('a published port already in use is one line naming the port, and nothing else is touched', async () => {
    const taken = await openProxy(0);
    const takenPort = (taken.server.address() as net.AddressInfo).port;
    const other = await mkdtemp(path.join(os.tmpdir(), 'dockstage-port-'));
    const name = `${PROJECT}-port`;
    try {
      await writeFiles(other, {
        'compose.yaml': `services:\n  site:\n    image: busybox:latest\n    init: true\n    command: ["sleep", "3600"]\n    ports: ["127.0.0.1:${takenPort}:80"]\n`,
      });
      const result = await runCli(['-p', name, 'up'], { cwd: other });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: .*${takenPort}.*(already allocated|address already in use)`, 'm'));
      expect(result.stderr).not.toContain('    at ');
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
      await run('docker', ['compose', '-p', name, '--project-directory', other, 'down', '--timeout', '1']).catch(() => undefined);
      await rm(other, { recursive: true, force: true });
    }
  });
});
