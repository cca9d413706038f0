/**
 * The dockerode ContainerRuntime against the real engine: a compose project
 * with two busybox services (one with a healthcheck, one printing to stdout
 * and stderr), driven by the real compose CLI. Plus the failure paths: an
 * engine that is not there, and an event stream that is cut off.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveDockerEndpoint } from '../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeRuntime } from '../../src/adapters/docker/dockerode-runtime.js';
import { EngineUnavailableError } from '../../src/core/errors.js';
import type { ContainerEvent, ContainerInfo, ContainerRuntime, LogLine } from '../../src/ports/container-runtime.js';
import { describeWithEngine } from '../support/docker.js';
import { tempProjects } from '../support/temp-project.js';
import { waitFor } from '../support/wait.js';

const PROJECT = `dockstage-rt-${randomBytes(4).toString('hex')}`;
const TTY_CONTAINER = `${PROJECT}-tty`;
const EXTRA_TAG = `${PROJECT}-image:tagged`;

const COMPOSE = `services:
  healthy:
    image: busybox:latest
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      timeout: 2s
      retries: 3
  chatty:
    image: busybox:latest
    init: true
    ports: ["127.0.0.1::8080"]
    expose: ["9090"]
    command:
      - sh
      - -c
      - 'i=0; while true; do i=$$((i+1)); echo "out $$i héllo ✓"; echo "err $$i" >&2; sleep 0.3; done'
`;

function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

const newProject = tempProjects('dockstage-rt-');

describeWithEngine('the dockerode runtime on the real engine', () => {
  let runtime: ContainerRuntime;
  let composeFile: string;
  const compose = (args: readonly string[]) => docker(['compose', '-p', PROJECT, '-f', composeFile, ...args]);
  const container = async (service: string): Promise<ContainerInfo> => {
    const found = (await runtime.listContainers(PROJECT)).find((c) => c.service === service);
    if (found === undefined) throw new Error(`no container for ${service}`);
    return found;
  };

  beforeAll(async () => {
    runtime = createDockerodeRuntime(await resolveDockerEndpoint(process.env));
    composeFile = path.join(await newProject({ 'compose.yaml': COMPOSE }), 'compose.yaml');
    await compose(['up', '-d']);
    await docker(['run', '-d', '-t', '--init', '--name', TTY_CONTAINER, 'busybox:latest', 'sh', '-c', 'echo "tty line ✓"; sleep 3600']);
  });

  afterAll(async () => {
    await compose(['down', '-v', '-t', '1']).catch(() => undefined);
    await docker(['rm', '-f', TTY_CONTAINER]).catch(() => undefined);
    await docker(['rmi', EXTRA_TAG]).catch(() => undefined);
  });

  test('listContainers finds both services with compose labels, state, image, ports and health', async () => {
    // Given the project is up, When the healthcheck has passed
    const containers = await waitFor(
      async () => {
        const list = await runtime.listContainers(PROJECT);
        return list.find((c) => c.service === 'healthy')?.health === 'healthy' && list;
      },
      { timeoutMs: 20_000, message: 'the healthy service to report healthy' },
    );
    // Then both are listed, sorted by service, with what the engine says
    const busybox = await runtime.inspectImage('busybox:latest');
    expect(containers.map((c) => [c.service, c.name, c.number, c.project, c.state])).toEqual([
      ['chatty', `${PROJECT}-chatty-1`, 1, PROJECT, 'running'],
      ['healthy', `${PROJECT}-healthy-1`, 1, PROJECT, 'running'],
    ]);
    const [chatty, healthy] = containers as [ContainerInfo, ContainerInfo];
    expect(chatty.health).toBeNull();
    expect(healthy.status).toMatch(/^Up .+ \(healthy\)$/);
    expect(chatty.labels['com.docker.compose.service']).toBe('chatty');
    expect(chatty.image).toBe('busybox:latest');
    expect(chatty.imageId).toBe(busybox?.id);
    expect(chatty.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: expect.any(Number) },
      { containerPort: 9090, protocol: 'tcp', hostIp: null, hostPort: null },
    ]);
    expect(chatty.ports[0]?.hostPort).toBeGreaterThan(0);
  });

  test('inspectContainer agrees with the list and adds start time and exit code', async () => {
    const listed = await container('chatty');
    const inspected = await runtime.inspectContainer(listed.id);
    expect(inspected).toMatchObject({ ...listed, status: expect.stringMatching(/^Up /) });
    expect(Date.parse(inspected?.startedAt ?? '')).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(inspected?.exitCode).toBe(0);
    expect((await runtime.inspectContainer(`${PROJECT}-healthy-1`))?.health).toBe('healthy');
  });

  test('logs returns both streams, tagged, with timestamps and whole UTF-8', async () => {
    const { id } = await container('chatty');
    const lines = await waitFor(
      async () => {
        const read: LogLine[] = [];
        await runtime.logs(id, { follow: false }, (line) => read.push(line));
        return (
          read.filter((l) => l.text.startsWith('out ')).length >= 2 && read.filter((l) => l.text.startsWith('err ')).length >= 2 && read
        );
      },
      { timeoutMs: 10_000, message: 'two lines on each stream' },
    );
    for (const line of lines) {
      expect(line.stream).toBe(line.text.startsWith('out ') ? 'stdout' : 'stderr');
      expect(line.text).toMatch(/^(out \d+ héllo ✓|err \d+)$/);
      expect(Number.isNaN(Date.parse(line.timestamp))).toBe(false);
    }
    const tail: LogLine[] = [];
    await runtime.logs(id, { follow: false, tail: 2 }, (line) => tail.push(line));
    expect(tail).toHaveLength(2);
    const since: LogLine[] = [];
    const last = lines.at(-1) as LogLine;
    await runtime.logs(id, { follow: false, since: last.timestamp }, (line) => since.push(line));
    // since is inclusive, to the nanosecond: a line's own timestamp resumes at that line
    expect(since[0]).toEqual(last);
    expect(since.every((line) => line.timestamp >= last.timestamp)).toBe(true);
  });

  test('logs with follow delivers a line printed after subscribing, and stops on abort', async () => {
    const { id } = await container('chatty');
    const lines: LogLine[] = [];
    const controller = new AbortController();
    const following = runtime.logs(id, { follow: true, tail: 0 }, (line) => lines.push(line), controller.signal);
    // Given the stream is live (a periodic line arrived after tail 0)
    await waitFor(() => lines.length > 0, { message: 'a first followed line' });
    // When a marker is printed now on each stream of the container's main process
    const marker = randomBytes(4).toString('hex');
    await docker([
      'exec',
      `${PROJECT}-chatty-1`,
      'sh',
      '-c',
      `echo "marker ${marker} ✓" > /proc/1/fd/1; echo "marker ${marker} err" > /proc/1/fd/2`,
    ]);
    // Then both arrive with the right stream (the engine copies the two streams
    // separately, so their relative order is not guaranteed)
    await waitFor(() => lines.filter((l) => l.text.startsWith(`marker ${marker}`)).length === 2, { message: 'the marker lines' });
    const markers = lines.filter((l) => l.text.startsWith(`marker ${marker}`)).map((l) => [l.stream, l.text]);
    expect(markers.sort()).toEqual([
      ['stderr', `marker ${marker} err`],
      ['stdout', `marker ${marker} ✓`],
    ]);
    controller.abort();
    await expect(following).resolves.toBeUndefined();
  });

  test("a TTY container's log is one raw stream, all stdout, without carriage returns", async () => {
    const lines = await waitFor(
      async () => {
        const read: LogLine[] = [];
        await runtime.logs(TTY_CONTAINER, { follow: false }, (line) => read.push(line));
        return read.length > 0 && read;
      },
      { message: 'the TTY container to print' },
    );
    expect(lines.map((l) => [l.stream, l.text])).toEqual([['stdout', 'tty line ✓']]);
    expect(Number.isNaN(Date.parse(lines[0]?.timestamp ?? ''))).toBe(false);
  });

  test('stats returns one sane sample', async () => {
    const sample = await runtime.stats((await container('chatty')).id);
    expect(Number.isFinite(sample.cpuPercent)).toBe(true);
    expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(sample.memoryBytes).toBeGreaterThan(0);
    expect(sample.memoryLimitBytes).toBeGreaterThanOrEqual(sample.memoryBytes);
  });

  test('events delivers die and start for a restart, and health_status, until aborted', async () => {
    const chatty = await container('chatty');
    const healthy = await container('healthy');
    const events: ContainerEvent[] = [];
    const controller = new AbortController();
    const streaming = runtime.events(PROJECT, (event) => events.push(event), controller.signal);
    // Given the subscription is live: a pause/unpause shows up
    await waitFor(
      async () => {
        await docker(['pause', healthy.name]);
        await docker(['unpause', healthy.name]);
        return events.some((e) => e.action === 'unpause' && e.containerId === healthy.id);
      },
      { timeoutMs: 10_000, message: 'the event stream to deliver unpause' },
    );
    // When chatty is restarted from outside
    await docker(['restart', '-t', '1', chatty.name]);
    // Then die (with its exit code) and start arrive, in that order
    const forChatty = await waitFor(
      () => {
        const mine = events.filter((e) => e.containerId === chatty.id).map((e) => e.action);
        return mine.includes('start') && mine;
      },
      { message: 'the start event' },
    );
    expect(forChatty.indexOf('die')).toBeLessThan(forChatty.indexOf('start'));
    const die = events.find((e) => e.containerId === chatty.id && e.action === 'die');
    expect(die).toMatchObject({ service: 'chatty', project: PROJECT, exitCode: expect.any(Number) });
    expect(Math.abs((die?.time ?? 0) - Date.now())).toBeLessThan(60_000);
    // When the healthy service restarts, its health comes back as an event
    await runtime.restartContainer(healthy.id, 0);
    const health = await waitFor(() => events.find((e) => e.containerId === healthy.id && e.action === 'health_status'), {
      timeoutMs: 15_000,
      message: 'health_status',
    });
    expect(health).toMatchObject({ service: 'healthy', health: 'healthy' });
    expect(events.every((e) => e.project === PROJECT)).toBe(true);
    controller.abort();
    await expect(streaming).resolves.toBeUndefined();
  });

  test('stop, start and restart change the state; following logs ends when the container stops', async () => {
    const { id } = await container('chatty');
    const following = runtime.logs(id, { follow: true, tail: 0 }, () => undefined);
    await runtime.stopContainer(id, 1);
    await expect(following).resolves.toBeUndefined();
    expect(await runtime.inspectContainer(id)).toMatchObject({
      state: 'exited',
      status: expect.stringMatching(/^Exited \(\d+\)/),
      health: null,
    });
    await runtime.stopContainer(id, 1); // already stopped: fine
    await runtime.startContainer(id);
    await runtime.startContainer(id); // already running: fine
    const started = await runtime.inspectContainer(id);
    expect(started?.state).toBe('running');
    await runtime.restartContainer(id, 1);
    const restarted = await runtime.inspectContainer(id);
    expect(restarted?.state).toBe('running');
    expect(Date.parse(restarted?.startedAt ?? '')).toBeGreaterThan(Date.parse(started?.startedAt ?? ''));
  });

  test('tagImage adds a tag to an existing image and removeImage takes only that tag away', async () => {
    const busybox = await runtime.inspectImage('busybox:latest');
    await runtime.tagImage('busybox:latest', EXTRA_TAG);
    expect((await runtime.inspectImage(EXTRA_TAG))?.id).toBe(busybox?.id);
    await runtime.removeImage(EXTRA_TAG);
    expect(await runtime.inspectImage(EXTRA_TAG)).toBeUndefined();
    expect((await runtime.inspectImage('busybox:latest'))?.id).toBe(busybox?.id);
    await runtime.removeImage(EXTRA_TAG); // missing: fine
  });

  test('inspectContainer of a removed container is undefined', async () => {
    const id = await docker(['create', '--label', `com.docker.compose.project=${PROJECT}`, 'busybox:latest', 'true']);
    expect((await runtime.inspectContainer(id))?.state).toBe('created');
    await docker(['rm', id]);
    expect(await runtime.inspectContainer(id)).toBeUndefined();
  });
});

describe('the dockerode runtime without an engine', () => {
  const runtime = createDockerodeRuntime({ host: `unix:///tmp/nope-${randomBytes(4).toString('hex')}.sock`, context: undefined });

  test('every call rejects with EngineUnavailableError', async () => {
    await expect(runtime.info()).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(runtime.listContainers('shop')).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(runtime.inspectContainer('x')).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(runtime.logs('x', { follow: true }, () => undefined)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(runtime.events('shop', () => undefined, new AbortController().signal)).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

describe('the dockerode runtime when the event stream is cut off', () => {
  const EVENT = JSON.stringify({
    Type: 'container',
    Action: 'die',
    Actor: { ID: 'c1', Attributes: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'wéb', exitCode: '3' } },
    time: 1_795_364_861,
    timeNano: 1_795_364_861_828_199_767,
  });
  let dir: string;
  let server: http.Server;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-fake-engine-'));
    // A fake engine: sends one event split mid-character, then, for ?drop, cuts the connection.
    server = http.createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.from(`${EVENT}\n`, 'utf8');
      const cut = bytes.indexOf(Buffer.from('é')) + 1;
      response.write(bytes.subarray(0, cut));
      setTimeout(() => {
        response.write(bytes.subarray(cut));
        if (request.url?.includes('shop-drop') === true) setTimeout(() => request.socket.destroy(), 20);
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'engine.sock'), resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  test('an event split across chunks arrives whole, and a dropped connection rejects with EngineUnavailableError', async () => {
    const runtime = createDockerodeRuntime({ host: `unix://${path.join(dir, 'engine.sock')}`, context: undefined });
    const events: ContainerEvent[] = [];
    await expect(runtime.events('shop-drop', (event) => events.push(event), new AbortController().signal)).rejects.toBeInstanceOf(
      EngineUnavailableError,
    );
    expect(events).toEqual([{ action: 'die', containerId: 'c1', service: 'wéb', project: 'shop', exitCode: 3, time: 1_795_364_861_828 }]);
  });

  test('aborting resolves and closes the stream', async () => {
    const runtime = createDockerodeRuntime({ host: `unix://${path.join(dir, 'engine.sock')}`, context: undefined });
    const controller = new AbortController();
    const streaming = runtime.events('shop', () => controller.abort(), controller.signal);
    await expect(streaming).resolves.toBeUndefined();
  });
});
