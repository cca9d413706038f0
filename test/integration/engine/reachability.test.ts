/**
 * Engine reachability: DOCKER_HOST and docker contexts are honoured the same
 * way by dockerode (status, freshness) and by the CLIs (compose, buildx);
 * published ports are shown with the engine's host; a builder can be chosen;
 * an unreachable engine is one line with the fix and exit 1.
 *
 * The tcp endpoint is a real one: a TCP listener on 127.0.0.1 that forwards
 * to the engine's unix socket, so the engine is reached over tcp:// exactly as
 * a remote engine would be.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';

const run = promisify(execFile);
const PROJECT = `dsreach-${process.pid}-${Date.now().toString(36)}`;
const project = tempProjects('dockstage-reach-');

let proxy: net.Server | undefined;
let tcpHost = '';
let dockerConfig = '';
let dir = '';

function forwardToSocket(socketPath: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port })),
  );
}

describeWithEngine('engine reachability', () => {
  beforeAll(async () => {
    const forwarded = await forwardToSocket('/var/run/docker.sock');
    proxy = forwarded.server;
    tcpHost = `tcp://127.0.0.1:${forwarded.port}`;
    dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'dockstage-docker-config-'));
    dir = await project({
      'compose.yaml': ['services:', '  site:', '    build: .', '    init: true', '    ports: ["8080"]', ''].join('\n'),
      Dockerfile: 'FROM busybox AS develop\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
      'index.html': 'hello over tcp\n',
    });
  });

  afterAll(async () => {
    await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '-v', '--remove-orphans']).catch(() => undefined);
    await run('docker', ['rmi', '-f', `${PROJECT}-site:dockstage-dev`]).catch(() => undefined);
    proxy?.close();
    if (dockerConfig !== '') await rm(dockerConfig, { recursive: true, force: true });
  });

  test('over DOCKER_HOST=tcp://…, build, up and status all reach the engine, and ports show its host', async () => {
    const env = { DOCKER_HOST: tcpHost, DOCKER_CONFIG: dockerConfig };
    const up = await runCli(['-p', PROJECT, 'up'], { cwd: dir, env });
    expect(up.code, up.stderr).toBe(0);
    const status = await runCli(['-p', PROJECT, 'status', '--json'], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as {
      engine: { host: string };
      services: { name: string; upToDate: boolean; containers: { ports: string[] }[] }[];
    };
    expect(json.engine.host).toBe('127.0.0.1');
    const site = json.services[0]!;
    expect(site.upToDate).toBe(true);
    expect(site.containers[0]!.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+→8080\/tcp$/)]);
    const url = `http://${site.containers[0]!.ports[0]!.split('→')[0]}/`;
    expect(await waitFor(async () => (await fetch(url)).text(), { timeoutMs: 20_000, message: 'the site to answer' })).toBe(
      'hello over tcp\n',
    );
  });

  test('the current docker context is honoured when DOCKER_HOST is unset', async () => {
    const context = `dsctx-${process.pid}`;
    const env = { DOCKER_CONFIG: dockerConfig, DOCKER_HOST: '' };
    await run('docker', ['context', 'create', context, '--docker', `host=${tcpHost}`], { env: { ...process.env, ...env } });
    await run('docker', ['context', 'use', context], { env: { ...process.env, ...env } });
    const status = await runCli(['-p', PROJECT, 'status', '--json'], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { engine: { host: string } }).engine.host).toBe('127.0.0.1');

    // A context is also a buildx builder (docker driver on that endpoint).
    const build = await runCli(['-p', PROJECT, 'build', '--force', '--builder', context], { cwd: dir, env });
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain(`site  built develop`);
  });

  test('an unknown builder is one clear error with exit 1, from --builder and from x-dockstage.builder', async () => {
    const env = { DOCKER_CONFIG: dockerConfig };
    const flag = await runCli(['-p', PROJECT, 'build', '--builder', 'no-such-builder'], { cwd: dir, env });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^error: .*no-such-builder.*\n(  hint: .+\n)?$/);

    const configured = await project({
      'compose.yaml': 'services:\n  site:\n    build: .\nx-dockstage:\n  builder: configured-builder\n',
      Dockerfile: 'FROM busybox\n',
    });
    const fromConfig = await runCli(['-p', PROJECT, 'build'], { cwd: configured, env });
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.stderr).toContain('configured-builder');
  });

  test('an engine that is down gives one line with the fix and exit 1', async () => {
    const env = { DOCKER_HOST: 'unix:///tmp/dockstage-no-engine.sock', DOCKER_CONFIG: dockerConfig };
    for (const args of [['status'], ['build'], ['plan']]) {
      const result = await runCli(['-p', PROJECT, ...args], { cwd: dir, env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/^error: .+\n  hint: .*(start|DOCKER_HOST|docker context).*\n$/);
    }
  });
});
