/**
 * The buildx ImageBuilder against the real engine: events per stage and step,
 * caching, failures, cache mounts, args/labels/contexts, abort and info().
 * Every image is tagged `dockstage-test-<random>:…` and removed in afterAll.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuildxBuilder } from '../../src/adapters/buildx/buildx-builder.js';
import { locateStep } from '../../src/core/dockerfile/build-steps.js';
import { parseDockerfile } from '../../src/core/dockerfile/parse.js';
import { buildStageGraph } from '../../src/core/dockerfile/stage-graph.js';
import { BuildFailedError, EngineUnavailableError } from '../../src/core/errors.js';
import type { BuildEvent, BuildRequest } from '../../src/ports/image-builder.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../support/docker.js';
import { buildRequest } from '../support/build-request.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

describeWithEngine('buildx builder on the local engine', () => {
  const id = randomBytes(4).toString('hex');
  const repository = `dockstage-test-${id}`;
  const builder = createBuildxBuilder({ env: { ...process.env, DOCKSTAGE_TEST_TOKEN: 'sekret' } });
  let root = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'dockstage-buildx-it-'));
  });

  afterAll(async () => {
    const { stdout } = await run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repository]);
    const tags = stdout.split('\n').filter((line) => line !== '');
    if (tags.length > 0) await run('docker', ['image', 'rm', '-f', ...tags]);
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  /** A build context directory with these files (relative path → content). */
  async function context(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    return dir;
  }

  const request = (dir: string, overrides: Partial<BuildRequest>): BuildRequest =>
    buildRequest(dir, { dockerfile: path.join(dir, 'Dockerfile'), ...overrides });

  async function build(
    req: BuildRequest,
    signal?: AbortSignal,
  ): Promise<{ events: BuildEvent[]; result: Awaited<ReturnType<typeof builder.build>> }> {
    const events: BuildEvent[] = [];
    const result = await builder.build(req, (event) => events.push(event), signal);
    return { events, result };
  }

  async function inspect(ref: string): Promise<{ Id: string; Config: { Labels: Record<string, string> | null; Env: string[] } }> {
    const { stdout } = await run('docker', ['image', 'inspect', ref]);
    return (JSON.parse(stdout) as Array<{ Id: string; Config: { Labels: Record<string, string> | null; Env: string[] } }>)[0]!;
  }

  const completedSteps = (events: readonly BuildEvent[]) =>
    events.flatMap((event) => (event.type === 'step-completed' && event.step !== null ? [event] : []));

  test('events arrive per stage and step; the second build takes every step from the cache', async () => {
    // Given a two-stage Dockerfile whose context holds a fresh nonce (so the first build is cold)
    const text = [
      'FROM busybox:latest AS base',
      'ENV GREETING=hi',
      'WORKDIR /app',
      'COPY nonce.txt ./',
      '',
      'FROM base AS dev',
      'ARG WHO=world',
      'COPY src/ ./src/',
      'RUN echo "$GREETING $WHO" && cat src/main.txt',
      '',
    ].join('\n');
    const dir = await context('steps', { Dockerfile: text, 'nonce.txt': `${id}\n`, 'src/main.txt': 'main\n' });
    const req = request(dir, { target: 'dev', tags: [`${repository}:steps`] });

    // When it is built twice
    const cold = await build(req);
    const warm = await build(req);

    // Then the first build reports each numbered step once, started before completed
    const names = (events: readonly BuildEvent[]) =>
      completedSteps(events).map((event) => `[${event.stage} ${event.step}/${event.total}] ${event.instruction}`);
    const expected = [
      '[base 1/3] FROM docker.io/library/busybox:latest',
      '[base 2/3] WORKDIR /app',
      '[base 3/3] COPY nonce.txt ./',
      '[dev 1/2] COPY src/ ./src/',
      '[dev 2/2] RUN echo "hi world" && cat src/main.txt',
    ];
    expect([...names(cold.events)].sort()).toEqual(expected);
    for (const event of completedSteps(cold.events)) {
      const started = cold.events.filter((other) => other.type === 'step-started' && other.vertex === event.vertex);
      expect(started).toHaveLength(1);
      expect(cold.events.indexOf(started[0]!)).toBeLessThan(cold.events.indexOf(event));
    }
    const runStep = completedSteps(cold.events).find((event) => event.instruction.startsWith('RUN'))!;
    expect(runStep.cached).toBe(false);
    expect(runStep.durationMs).toBeGreaterThan(0);
    expect(
      cold.events
        .filter((event) => event.type === 'step-log')
        .map((event) => (event.type === 'step-log' ? `${event.stage}:${event.text}` : '')),
    ).toEqual(['dev:hi world', 'dev:main']);
    expect(cold.result.totalSteps).toBe(5);
    expect(cold.result.cachedSteps).toBeLessThan(5);
    expect(cold.result.imageId).toBe((await inspect(`${repository}:steps`)).Id);

    // And the second build took every step from the cache and produced the same image
    expect([...names(warm.events)].sort()).toEqual(expected);
    expect(completedSteps(warm.events).every((event) => event.cached)).toBe(true);
    expect(warm.result).toMatchObject({ cachedSteps: 5, totalSteps: 5, imageId: cold.result.imageId });

    // And every step maps back to its Dockerfile line
    const graph = buildStageGraph(parseDockerfile(text, { file: 'Dockerfile' }), { file: 'Dockerfile' });
    expect(
      completedSteps(cold.events)
        .map((event) => locateStep(graph, event)?.line)
        .sort(),
    ).toEqual([1, 3, 4, 8, 9]);
  });

  test('a failing RUN rejects with BuildFailedError naming the stage, the instruction and the log tail', async () => {
    const dir = await context('failing', {
      Dockerfile: [
        'FROM busybox:latest AS base',
        'WORKDIR /app',
        '',
        'FROM base AS broken',
        `RUN echo "step of ${id}" && echo "it broke: ünïcødé" >&2 && exit 3`,
        '',
      ].join('\n'),
    });
    const events: BuildEvent[] = [];
    const failure = await builder
      .build(request(dir, { target: 'broken', tags: [`${repository}:broken`] }), (event) => events.push(event))
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BuildFailedError);
    const error = failure as BuildFailedError;
    expect(error.stage).toBe('broken');
    expect(error.instruction).toBe(`RUN echo "step of ${id}" && echo "it broke: ünïcødé" >&2 && exit 3`);
    expect(error.message).toBe(`stage 'broken' step 1/1 (${error.instruction}) failed: exit code 3`);
    // stdout and stderr are separate pipes: their relative order varies from run to run.
    expect([...error.logTail].sort()).toEqual(['it broke: ünïcødé', `step of ${id}`]);
    expect(error.location.file).toBe(path.join(dir, 'Dockerfile'));
    expect(error.exitCode).toBe(1);
    expect(events.find((event) => event.type === 'step-completed' && event.error !== undefined)).toMatchObject({
      stage: 'broken',
      step: 1,
    });
  });

  test('a cache mount stays warm: the second npm ci re-runs but fetches nothing from the registry', async () => {
    // Given a node stage with `npm ci` under a cache mount (its own id, so the first run is really cold)
    const manifest = { name: 'cache-probe', version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } };
    const lock = {
      name: 'cache-probe',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'cache-probe', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } },
        'node_modules/is-number': {
          version: '7.0.0',
          resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz',
          integrity: 'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==',
          engines: { node: '>=0.12.0' },
        },
      },
    };
    const dir = await context('npm', {
      Dockerfile: [
        'ARG NODE_IMAGE=node:22-alpine',
        'FROM ${NODE_IMAGE} AS deps',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        `RUN --mount=type=cache,id=dockstage-test-npm-${id},target=/root/.npm npm ci --no-audit --no-fund --no-update-notifier --loglevel=http`,
        '',
      ].join('\n'),
      'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
      'package-lock.json': `${JSON.stringify(lock, null, 2)}\n`,
    });
    const req = request(dir, { target: 'deps', tags: [`${repository}:npm`], args: { NODE_IMAGE: TEST_NODE_IMAGE } });
    const npmStep = (events: readonly BuildEvent[]) => {
      const done = completedSteps(events).find((event) => event.instruction.includes('npm ci'))!;
      const log = events.flatMap((event) => (event.type === 'step-log' && event.vertex === done.vertex ? [event.text] : []));
      return { done, log, fetches: log.filter((line) => line.startsWith('npm http fetch')) };
    };

    // When it is built, package.json gains a harmless field, and it is built again
    const first = npmStep((await build(req)).events);
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ ...manifest, description: 'changed' }, null, 2)}\n`);
    const second = npmStep((await build(req)).events);

    // Then the first npm ci downloaded the tarball (the cache was cold)
    expect(first.done.cached).toBe(false);
    expect(first.fetches.some((line) => /is-number-7\.0\.0\.tgz .*\(cache miss\)/.test(line))).toBe(true);
    // And the second really ran npm ci again, yet took the tarball from the cache mount without a single request
    expect(second.done.cached).toBe(false);
    expect(second.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm http cache is-number@.*\(cache hit\)$/),
        expect.stringMatching(/^added 1 package/),
      ]),
    );
    expect(second.fetches).toEqual([]);
  }, 180_000);

  test('build args, labels and secrets arrive in the build; named contexts need BuildKit 0.10+', async () => {
    const dir = await context('args', {
      Dockerfile: [
        'FROM busybox:latest AS app',
        'ARG GREETING',
        'ENV GREETING_SEEN=$GREETING',
        'LABEL from.dockerfile=$GREETING',
        `RUN --mount=type=secret,id=token echo "secret bytes: $(wc -c < /run/secrets/token) ${id}"`,
        '',
      ].join('\n'),
    });
    const { events, result } = await build(
      request(dir, {
        target: 'app',
        tags: [`${repository}:args`],
        args: { GREETING: 'hello there' },
        labels: { 'dockstage.inputs-hash': `hash-${id}` },
        secrets: [{ id: 'token', env: 'DOCKSTAGE_TEST_TOKEN' }],
      }),
    );
    const image = await inspect(`${repository}:args`);
    expect(image.Id).toBe(result.imageId);
    expect(image.Config.Labels).toMatchObject({ 'dockstage.inputs-hash': `hash-${id}`, 'from.dockerfile': 'hello there' });
    expect(image.Config.Env).toContain('GREETING_SEEN=hello there');
    // The secret's length reaches the RUN step; its value is never printed by us.
    expect(events.filter((event) => event.type === 'step-log').map((event) => (event.type === 'step-log' ? event.text : ''))).toEqual([
      `secret bytes: 6 ${id}`,
    ]);
    // A single-stage Dockerfile prints `[1/2]`; the adapter reports the target as the stage.
    expect(completedSteps(events).map((event) => event.stage)).toEqual(['app', 'app']);

    // Named contexts: the engine's built-in BuildKit (v0.8 in engine 20.10) refuses them; newer ones deliver the file.
    const extra = await context('args-extra', { 'shared.txt': `shared ${id}\n` });
    const withContext = await context('args-context', {
      Dockerfile: ['FROM busybox:latest AS app', 'COPY --from=extra shared.txt /shared.txt', 'RUN cat /shared.txt', ''].join('\n'),
    });
    const outcome = await build(request(withContext, { target: 'app', tags: [`${repository}:context`], namedContexts: { extra } })).catch(
      (error: unknown) => error,
    );
    if (outcome instanceof BuildFailedError) {
      expect(outcome.message).toMatch(/unsupported frontend capability moby\.buildkit\.frontend\.contexts/);
      expect(outcome.hint).toMatch(/named build contexts/);
    } else {
      const logs = (outcome as { events: BuildEvent[] }).events.flatMap((event) => (event.type === 'step-log' ? [event.text] : []));
      expect(logs).toEqual([`shared ${id}`]);
    }
  });

  test('an inline Dockerfile is read from stdin', async () => {
    const dir = await context('inline', { 'marker.txt': `${id}\n` });
    const { events, result } = await build(
      request(dir, {
        dockerfile: undefined,
        dockerfileInline: 'FROM busybox:latest\nCOPY marker.txt /\nRUN cat /marker.txt\n',
        tags: [`${repository}:inline`],
      }),
    );
    expect(events.flatMap((event) => (event.type === 'step-log' ? [event.text] : []))).toEqual([id]);
    expect(result.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('aborting the signal stops the build at once', async () => {
    const dir = await context('abort', { Dockerfile: `FROM busybox:latest\nRUN echo "started ${id}" && sleep 60\n` });
    const controller = new AbortController();
    const begun = performance.now();
    let abortedAt = 0;
    const outcome = await builder
      .build(
        request(dir, {}),
        (event) => {
          if (event.type === 'step-log' && event.text === `started ${id}`) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
        controller.signal,
      )
      .catch((error: unknown) => error);
    expect(outcome).toMatchObject({ name: 'AbortError' });
    expect(abortedAt).toBeGreaterThan(begun);
    expect(performance.now() - abortedAt).toBeLessThan(5_000);
    // Nothing of it is left running: not the docker CLI, nor the buildx plugin it started (which once outlived it)
    const leftover = async () =>
      (await promisify(execFile)('ps', ['-eo', 'args'])).stdout.split('\n').filter((line) => line.includes('buildx') && line.includes(dir));
    await waitFor(async () => (await leftover()).length === 0, {
      timeoutMs: 5_000,
      message: 'the buildx processes of the aborted build to exit',
    });
  });

  test('info() names the buildx version, builder and driver; a missing builder or engine is EngineUnavailableError', async () => {
    const info = await builder.info();
    expect(info.buildxVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.builder).not.toBe('');
    expect(info.driver).not.toBe('unknown');

    const missing = await builder.info(`no-such-builder-${id}`).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(EngineUnavailableError);
    expect(missing).toMatchObject({
      message: `buildx builder 'no-such-builder-${id}' does not exist`,
      hint: expect.stringContaining('docker buildx ls'),
    });
    const nowhere = createBuildxBuilder({
      env: { ...process.env, DOCKER_HOST: `unix://${path.join(root, 'no-engine.sock')}`, DOCKER_CONTEXT: '' },
    });
    const down = await nowhere.info().catch((error: unknown) => error);
    expect(down).toBeInstanceOf(EngineUnavailableError);
    expect((down as EngineUnavailableError).message).toMatch(/^the Docker engine is not reachable: Cannot connect to the Docker daemon/);
  });
});
