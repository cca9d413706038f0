/**
 * replaceContainer and signalContainer on the real engine, against a real
 * compose project: a small Node HTTP service (`web`, built from a Dockerfile
 * under one tag, with an anonymous volume and a network alias) and a busybox
 * `probe` on the same network. Each test rebuilds the tag with
 * `docker build` and replaces web's container; compose must still consider
 * the replacement its own and up to date.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { resolveDockerEndpoint } from '../../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeRuntime } from '../../../src/adapters/docker/dockerode-runtime.js';
import { DockstageError } from '../../../src/core/errors.js';
import type { ContainerInfo, ContainerRuntime } from '../../../src/ports/container-runtime.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { tempProjects, writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';

const PROJECT = `dst-replace-${randomBytes(4).toString('hex')}`;
const TAG = `${PROJECT}-web:dev`;

const COMPOSE = `services:
  web:
    build: .
    image: ${TAG}
    ports: ["127.0.0.1::3000"]
    environment:
      GREETING: from-compose
    volumes: ["/data"]
    networks:
      default:
        aliases: [web-alias]
  probe:
    image: busybox:latest
    init: true
    command: ["sleep", "3600"]
`;

/** The service prints what it serves, its image-given ENV, the compose-given one, its arguments and the SIGHUPs it got. */
const SERVER = `const http = require('node:http');
const fs = require('node:fs');
let reloads = 0;
process.on('SIGHUP', () => { reloads += 1; });
process.on('SIGTERM', () => process.exit(0));
http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({
    content: fs.readFileSync('content.txt', 'utf8').trim(),
    version: process.env.VERSION ?? null,
    greeting: process.env.GREETING ?? null,
    args: process.argv.slice(2),
    reloads,
  }));
}).listen(3000);
`;

function dockerfile(options: { version: string; cmd: string }): string {
  return [
    'ARG NODE_IMAGE=node:22-alpine',
    'FROM ${NODE_IMAGE}',
    'WORKDIR /app',
    `ENV VERSION=${options.version}`,
    'COPY server.js content.txt ./',
    'EXPOSE 3000',
    `CMD ${options.cmd}`,
    '',
  ].join('\n');
}

const DEFAULT_CMD = '["node", "server.js"]';

interface Served {
  readonly content: string;
  readonly version: string | null;
  readonly greeting: string | null;
  readonly args: string[];
  readonly reloads: number;
}

function run(command: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

const newProject = tempProjects('dockstage-replace-');

describeWithEngine('replaceContainer on the real engine', () => {
  let runtime: ContainerRuntime;
  let dir: string;
  const builtImages = new Set<string>();
  const volumes = new Set<string>();
  const compose = (args: readonly string[]) => run('docker', ['compose', '-p', PROJECT, '-f', path.join(dir, 'compose.yaml'), ...args]);

  /** Writes the files and builds them under TAG with `docker build`; returns the new image ID. */
  const build = async (files: { content?: string; dockerfile?: string }): Promise<string> => {
    await writeFiles(dir, {
      ...(files.content === undefined ? {} : { 'content.txt': `${files.content}\n` }),
      ...(files.dockerfile === undefined ? {} : { Dockerfile: files.dockerfile }),
    });
    await run('docker', ['build', '-q', '--build-arg', `NODE_IMAGE=${TEST_NODE_IMAGE}`, '-t', TAG, dir]);
    const id = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', TAG]);
    builtImages.add(id);
    return id;
  };
  const serviceContainer = async (service: string): Promise<ContainerInfo> => {
    const found = (await runtime.listContainers(PROJECT)).filter((c) => c.service === service);
    if (found.length !== 1 || found[0] === undefined) throw new Error(`expected one ${service} container, found ${found.length}`);
    return found[0];
  };
  const served = async (container: ContainerInfo): Promise<Served> => {
    const port = container.ports.find((p) => p.containerPort === 3000 && p.hostPort !== null)?.hostPort;
    if (port === undefined || port === null) throw new Error(`${container.name} publishes no port for 3000`);
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as Served;
  };
  /** The web container's answer once it satisfies `ready`. */
  const servedWhen = (container: ContainerInfo, ready: (answer: Served) => boolean, message: string) =>
    waitFor(
      async () => {
        const answer = await served(container);
        return ready(answer) && answer;
      },
      { timeoutMs: 15_000, message },
    );
  /** Service → container ID as `docker compose ps` sees them. */
  const composeIds = async (): Promise<Record<string, string>> => {
    const lines = (await compose(['ps', '-a', '--no-trunc', '--format', 'json'])).split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => JSON.parse(line) as { Service: string; ID: string });
    return Object.fromEntries(entries.map((entry) => [entry.Service, entry.ID]));
  };
  const rememberVolumes = async (id: string) => {
    const names = await run('docker', ['inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id]);
    for (const name of names.split(' ').filter((n) => n !== '')) volumes.add(name);
  };

  beforeAll(async () => {
    runtime = createDockerodeRuntime(await resolveDockerEndpoint(process.env));
    dir = await newProject({ 'compose.yaml': COMPOSE, 'server.js': SERVER });
    await build({ content: 'first', dockerfile: dockerfile({ version: 'v1', cmd: DEFAULT_CMD }) });
    await compose(['up', '-d', '--no-build']);
    await rememberVolumes((await serviceContainer('web')).id);
  });

  afterAll(async () => {
    // Anonymous volumes outlive a container that compose did not create last: collect them from every container left.
    for (const container of await runtime.listContainers(PROJECT).catch(() => []))
      await rememberVolumes(container.id).catch(() => undefined);
    await compose(['down', '-v', '-t', '1']).catch(() => undefined);
    for (const volume of volumes) await run('docker', ['volume', 'rm', '-f', volume]).catch(() => undefined);
    await run('docker', ['rmi', '-f', TAG]).catch(() => undefined);
    for (const id of builtImages) await run('docker', ['rmi', '-f', id]).catch(() => undefined);
  });

  test('a rebuilt image of the same tag is served after the replace, and compose up recreates nothing', async () => {
    // Given web serves the first build, with a file in its anonymous volume
    const before = await serviceContainer('web');
    expect(await servedWhen(before, (a) => a.content === 'first', 'the first build')).toMatchObject({ content: 'first' });
    await run('docker', ['exec', before.id, 'sh', '-c', 'echo kept > /data/marker']);
    const probe = await serviceContainer('probe');
    // When the tag is rebuilt with new content and web is replaced
    const imageId = await build({ content: 'second' });
    const replaced = await runtime.replaceContainer(before.id, TAG, { stopTimeoutSeconds: 5 });
    // Then the new container has the old name, compose's labels with the new image ID, and serves the new content
    expect(replaced.id).not.toBe(before.id);
    expect(replaced).toMatchObject({ name: before.name, service: 'web', project: PROJECT, number: 1, state: 'running', imageId });
    expect(replaced.labels['com.docker.compose.image']).toBe(imageId);
    expect(replaced.labels['com.docker.compose.config-hash']).toBe(before.labels['com.docker.compose.config-hash']);
    expect(await servedWhen(replaced, (a) => a.content === 'second', 'the second build')).toMatchObject({
      content: 'second',
      greeting: 'from-compose',
    });
    expect(await runtime.inspectContainer(before.id)).toBeUndefined();
    // and the anonymous volume came along
    expect(await run('docker', ['exec', replaced.id, 'cat', '/data/marker'])).toBe('kept');
    // When compose brings the project up again from the same files
    await compose(['up', '-d', '--no-build']);
    // Then it recreated nothing
    expect(await composeIds()).toEqual({ probe: probe.id, web: replaced.id });
  });

  test('the replacement keeps its network aliases: another container reaches it by service name and alias', async () => {
    const web = await serviceContainer('web');
    for (const host of ['web', 'web-alias']) {
      const body = await waitFor(() => run('docker', ['exec', `${PROJECT}-probe-1`, 'wget', '-qO-', `http://${host}:3000/`]), {
        timeoutMs: 10_000,
        message: `probe to reach ${host}`,
      });
      expect(JSON.parse(body)).toMatchObject({ content: 'second' });
    }
    // The engine's generated alias is the new container's short ID, not the old one's
    const aliases = JSON.parse(await run('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', web.id])) as Record<
      string,
      { Aliases: string[] }
    >;
    expect(Object.values(aliases)[0]?.Aliases.sort()).toEqual([web.id.slice(0, 12), web.name, 'web', 'web-alias'].sort());
  });

  test('ENV and CMD changed in the Dockerfile apply to the replacement; what compose set stays', async () => {
    const before = await serviceContainer('web');
    await build({ dockerfile: dockerfile({ version: 'v2', cmd: '["node", "server.js", "--mode=two"]' }) });
    const replaced = await runtime.replaceContainer(before.id, TAG);
    expect(await servedWhen(replaced, (a) => a.version === 'v2', 'the v2 environment')).toEqual({
      content: 'second',
      version: 'v2',
      greeting: 'from-compose',
      args: ['--mode=two'],
      reloads: 0,
    });
    await compose(['up', '-d', '--no-build']);
    expect((await composeIds())['web']).toBe(replaced.id);
  });

  test('signalContainer delivers the signal to the main process; a stopped container is a DockstageError', async () => {
    const web = await serviceContainer('web');
    // One at a time: two pending signals of one kind coalesce into one delivery.
    await runtime.signalContainer(web.id, 'SIGHUP');
    expect(await servedWhen(web, (a) => a.reloads === 1, 'one reload')).toMatchObject({ reloads: 1 });
    await runtime.signalContainer(web.id, 'HUP');
    expect(await servedWhen(web, (a) => a.reloads === 2, 'two reloads')).toMatchObject({ reloads: 2 });
    const probe = await serviceContainer('probe');
    await runtime.stopContainer(probe.id, 1);
    await expect(runtime.signalContainer(probe.id, 'SIGHUP')).rejects.toThrow(DockstageError);
    await runtime.startContainer(probe.id);
  });

  test('a stopped container is replaced by one that is created but not started; compose up starts it without recreating', async () => {
    const before = await serviceContainer('web');
    await runtime.stopContainer(before.id, 5);
    const replaced = await runtime.replaceContainer(before.id, TAG);
    expect(replaced).toMatchObject({ name: before.name, state: 'created' });
    await compose(['up', '-d', '--no-build']);
    expect((await composeIds())['web']).toBe(replaced.id);
    expect((await runtime.inspectContainer(replaced.id))?.state).toBe('running');
  });

  test('a crashed container is replaced by one that runs when asked (startAfterCrash), and not otherwise', async () => {
    // Given web's container was killed (exit code 137)
    const before = await serviceContainer('web');
    await run('docker', ['kill', before.id]);
    await waitFor(async () => (await runtime.inspectContainer(before.id))?.state === 'exited', {
      timeoutMs: 10_000,
      message: 'web to exit',
    });
    // When it is replaced without the option, the new container is only created
    const kept = await runtime.replaceContainer(before.id, TAG);
    expect(kept).toMatchObject({ name: before.name, state: 'created' });
    // and a crashed one replaced with it runs and serves
    await runtime.startContainer(kept.id);
    await run('docker', ['kill', kept.id]);
    await waitFor(async () => (await runtime.inspectContainer(kept.id))?.state === 'exited', {
      timeoutMs: 10_000,
      message: 'web to exit again',
    });
    const replaced = await runtime.replaceContainer(kept.id, TAG, { startAfterCrash: true });
    expect(replaced).toMatchObject({ name: before.name, state: 'running' });
    expect(await servedWhen(replaced, (a) => a.version === 'v2', 'the replacement of the crashed container')).toMatchObject({
      version: 'v2',
    });
  });

  test('a new container that cannot start gives way to the old one, which serves again under its name', async () => {
    // Given web runs, When the rebuilt image's command cannot be executed
    const before = await serviceContainer('web');
    await build({ dockerfile: dockerfile({ version: 'v3', cmd: '["/no/such/program"]' }) });
    const replacing = runtime.replaceContainer(before.id, TAG, { stopTimeoutSeconds: 5 });
    // Then the call names the service and the engine's reason
    await expect(replacing).rejects.toThrow(DockstageError);
    await expect(replacing).rejects.toThrow(
      /cannot replace the container of web: the new container could not be started: .*no\/such\/program/,
    );
    // and the old container is back, running under its own name, the only web container
    const after = await serviceContainer('web');
    expect(after).toMatchObject({ id: before.id, name: before.name, state: 'running' });
    expect(await servedWhen(after, (a) => a.version === 'v2', 'the old container to serve again')).toMatchObject({
      version: 'v2',
      args: ['--mode=two'],
    });
  });

  test('an aborted replace leaves the container as it was', async () => {
    const before = await serviceContainer('web');
    const controller = new AbortController();
    controller.abort();
    await expect(runtime.replaceContainer(before.id, TAG, { signal: controller.signal })).rejects.toThrow();
    expect(await serviceContainer('web')).toMatchObject({ id: before.id, name: before.name, state: 'running' });
  });
});
