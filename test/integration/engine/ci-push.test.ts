/**
 * The CI flow on the real engine, through the built CLI: `dockstage build -e ci
 * --push` with compose's `cache_from`/`cache_to`, against the in-memory
 * registry of test/support/registry.ts on 127.0.0.1 (plain HTTP: the engine
 * and BuildKit treat 127.0.0.0/8 as insecure without configuration).
 *
 * Why `cache_to: [type=inline]`: the engine's built-in BuildKit (buildx's
 * `docker` driver, v0.8 on Docker 20.10) exports only inline cache, written
 * into the pushed image's config; `type=registry`/`type=local` export needs a
 * docker-container or remote builder.
 *
 * Why a random stamp in the expensive RUN step: its cache records, and every
 * record built on top of them, exist only because this file built them, so
 * pruning them by ID (leaf first) removes this file's cache and nobody else's.
 * `docker builder prune` without an ID filter would empty everyone's cache.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const PROJECT = `dsci-${process.pid}-${Date.now().toString(36)}`;
const STAMP = `dockstage-ci-push-${randomUUID()}`;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** Three stages around a shared base; the expensive step is builder's first, and only this file's cache holds it. */
const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine

FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
ENV NODE_ENV=development
COPY src/ ./src/
CMD ["node", "src/server.js"]

FROM base AS builder
ENV NODE_ENV=production
RUN echo ${STAMP} > /stamp && node -e "let h = 'seed'; const c = require('crypto'); for (let i = 0; i < 2e6; i++) h = c.createHash('sha256').update(h).digest('hex'); require('fs').writeFileSync('/app/expensive.txt', h)"
COPY src/ ./src/
RUN mkdir -p dist && cp src/server.js dist/server.js

FROM \${NODE_IMAGE} AS production
WORKDIR /app
ENV NODE_ENV=production
COPY package.json ./
COPY --from=builder /app/dist ./dist
CMD ["node", "dist/server.js"]
`;

/**
 * web: compose's own `image:` names the registry, as CI files do, and is what
 * `--push` pushes; dockstage's `<project>-web:dockstage-<env>` tag stays local.
 * The staging environment (same target) names its own registry image, which
 * then wins over compose's.
 */
const COMPOSE = `services:
  web:
    image: \${REGISTRY}/shop/web:ci-latest
    build:
      context: ./web
      args:
        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}
      cache_from:
        - \${REGISTRY}/shop/web:ci-latest
      cache_to:
        - type=inline
x-dockstage:
  environments:
    staging:
      target: builder
      services:
        web:
          image: \${REGISTRY}/shop/web:staging
`;

/** A service with no registry in any of its names; its cache_from names an image nobody pushed. */
const COMPOSE_UNQUALIFIED = `services:
  tool:
    build:
      context: ./web
      args:
        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}
      cache_from:
        - \${REGISTRY}/shop/tool:never-pushed
`;

interface StepCompleted {
  readonly type: 'step-completed';
  readonly stage: string | null;
  readonly step: number | null;
  readonly instruction: string;
  readonly cached: boolean;
  readonly error?: string;
}

type CliEvent =
  | { readonly type: 'build-started'; readonly target: string; readonly tags: string[] }
  | { readonly type: 'build-step'; readonly event: StepCompleted | { readonly type: 'step-started' | 'step-log' | 'build-warning' } }
  | {
      readonly type: 'build-completed';
      readonly target: string;
      readonly imageId: string | undefined;
      readonly durationMs: number;
      readonly cachedSteps: number;
      readonly totalSteps: number;
    }
  | { readonly type: 'build-failed'; readonly error: { readonly message: string } }
  | { readonly type: 'build-up-to-date' };

interface ImageConfig {
  readonly config: { readonly Labels?: Record<string, string> };
  readonly rootfs: { readonly diff_ids: string[] };
  readonly 'moby.buildkit.cache.v0'?: string;
}

describeWithEngine('build --push with cache_from/cache_to on the real engine (in-memory registry)', () => {
  const makeProject = tempProjects('dockstage-ci-push-');
  let dir = '';
  let registry: TestRegistry | undefined;
  const builtImageIds = new Set<string>();
  const measured: Record<string, number | boolean> = {};

  const host = (): string => registry!.host;

  async function cli(args: string[]): Promise<CliResult> {
    return await runCli(['-p', PROJECT, ...args], { cwd: dir, env: { NODE_IMAGE: TEST_NODE_IMAGE, REGISTRY: host() }, timeoutMs: 300_000 });
  }

  /** Runs `build … --json`, remembers every image it made (for cleanup) and returns the events and the wall time. */
  async function buildJson(args: string[]): Promise<{ result: CliResult; events: CliEvent[]; wallMs: number }> {
    const started = performance.now();
    const result = await cli(['build', ...args, '--json']);
    const wallMs = Math.round(performance.now() - started);
    const events = result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as CliEvent);
    for (const event of events) if (event.type === 'build-completed' && event.imageId !== undefined) builtImageIds.add(event.imageId);
    return { result, events, wallMs };
  }

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await makeProject({
      'compose.yaml': COMPOSE,
      'compose.unqualified.yaml': COMPOSE_UNQUALIFIED,
      'web/Dockerfile': DOCKERFILE,
      'web/package.json': '{ "name": "web", "version": "1.0.0" }\n',
      'web/src/server.js': 'console.log("web");\n',
    });
  });

  afterAll(async () => {
    console.info(`ci-push: measured ${JSON.stringify(measured)}`);
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']).catch(() => ({ stdout: '' }));
    const ours = stdout
      .split('\n')
      .filter((ref) => ref.startsWith(`${PROJECT}-`) || (registry !== undefined && ref.startsWith(`${registry.host}/`)));
    const leftovers = [...ours, ...builtImageIds];
    if (leftovers.length > 0) await run('docker', ['rmi', '-f', ...leftovers]).catch(() => undefined);
    await pruneCacheOf(STAMP).catch((error: unknown) => console.warn(`ci-push: build cache of ${STAMP} left behind: ${String(error)}`));
    await registry?.close();
  });

  test("build -e ci --push pushes the ci target under compose's image: name (the dockstage tag stays local), with inline cache in the image config", async () => {
    const { result, events, wallMs } = await buildJson(['-e', 'ci', '--push']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const completed = events.find((e) => e.type === 'build-completed')!;
    measured['first push build (wall ms)'] = wallMs;
    measured['first push build (buildx ms)'] = completed.type === 'build-completed' ? completed.durationMs : -1;

    // The registry was empty: BuildKit reports the import as a failed step and builds on without it.
    const importStep = completedSteps(events).find((s) => s.instruction.startsWith('importing cache manifest from '));
    expect(importStep?.error).toMatch(/not found/);
    expect(stampStep(events)?.cached).toBe(false);

    const [repository] = registry!.received();
    expect(repository?.name).toBe('shop/web');
    expect(Object.keys(repository!.tags)).toEqual(['ci-latest']);
    expect(await imageId(`${PROJECT}-web:dockstage-ci`)).toBe(await imageId(`${host()}/shop/web:ci-latest`));
    expect(repository!.manifests.map((m) => m.mediaType)).toEqual([DOCKER_MANIFEST]);

    const config = imageConfig(registry!, 'shop/web', 'ci-latest');
    expect(config.config.Labels).toMatchObject({ 'dev.dockstage.target': 'builder' });
    // BuildKit records inline cache as a top-level key of the image config (not a label): base64 JSON.
    expect(typeof config['moby.buildkit.cache.v0']).toBe('string');
    expect(linkedLayers(config)).toContain(stampLayer(config));

    // Who reached the registry. On Docker 20.10 dockerd pushes (buildx's docker driver hands `--push` to the engine:
    // `docker/20.10…`) and BuildKit's resolver inside dockerd looks up the cache (`containerd/1.6…`), both over plain HTTP.
    const pushedBy = new Set(
      registry!
        .requests()
        .filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))
        .map((r) => agent(r.userAgent)),
    );
    const importedBy = new Set(
      registry!
        .requests()
        .filter((r) => r.method === 'HEAD' && r.path === '/v2/shop/web/manifests/ci-latest' && r.status === 404)
        .map((r) => agent(r.userAgent)),
    );
    console.info(`ci-push: manifests pushed by ${[...pushedBy].join(', ')}; cache import asked by ${[...importedBy].join(', ')}`);
    expect(pushedBy.size).toBeGreaterThan(0);
    expect(importedBy.size).toBeGreaterThan(0);
  });

  test("with the local images and this build's cache gone, a rebuild imports the cache from the registry and the expensive step is cached", async () => {
    await removeLocalImages(host());
    await pruneCacheOf(STAMP);
    const before = registry!.requests().length;
    const imported = manifestDigest(registry!, 'shop/web', 'ci-latest');
    const layers = manifestLayers(registry!, 'shop/web', 'ci-latest');

    const { result, events, wallMs } = await buildJson(['-e', 'ci', '--push']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const completed = events.find((e) => e.type === 'build-completed');
    measured['cached rebuild (wall ms)'] = wallMs;
    measured['cached rebuild (buildx ms)'] = completed?.type === 'build-completed' ? completed.durationMs : -1;

    expect(stampStep(events)).toMatchObject({ stage: 'builder', step: 1, cached: true });
    expect(
      completedSteps(events)
        .filter((s) => s.stage === 'builder')
        .map((s) => s.cached),
    ).toEqual([true, true, true]);
    // The cached results came over the wire: BuildKit fetched the manifest and the builder stage's three layers.
    const fetched = registry!
      .requests()
      .slice(before)
      .filter((r) => r.method === 'GET' && r.status === 200)
      .map((r) => r.path);
    expect(fetched).toContain(`/v2/shop/web/manifests/${imported}`);
    for (const layer of layers.slice(-3)) expect(fetched).toContain(`/v2/shop/web/blobs/${layer}`);
  });

  test('a third run hits the cache exactly when the image the second run pushed still links a layer of the expensive step or one built on it', async () => {
    // moby/buildkit#1981, #2274: BuildKit v0.8 (docker driver) often re-exports inline cache without the layer links of
    // results it took from an imported cache, so a CI cache can miss every other run. Which links survive varies from
    // run to run here, so the assertion is the rule itself. A link on any builder layer is enough: BuildKit needs only
    // the last result of a matching chain and reports the steps below it cached.
    const secondConfig = imageConfig(registry!, 'shop/web', 'ci-latest');
    const builderBlobs = manifestLayers(registry!, 'shop/web', 'ci-latest').slice(stampLayer(secondConfig));
    const linked = linkedLayers(secondConfig).some((layer) => layer >= stampLayer(secondConfig));
    await removeLocalImages(host());
    await pruneCacheOf(STAMP);
    const before = registry!.requests().length;

    const { result, events, wallMs } = await buildJson(['-e', 'ci', '--push']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    measured['third run (wall ms)'] = wallMs;
    measured['second image links a builder layer'] = linked;
    expect(stampStep(events)?.cached).toBe(linked);
    const fetched = registry!
      .requests()
      .slice(before)
      .filter((r) => r.method === 'GET' && r.status === 200)
      .map((r) => r.path);
    expect(builderBlobs.some((blob) => fetched.includes(`/v2/shop/web/blobs/${blob}`))).toBe(linked);
  });

  test('build web --stage builder builds only base and builder under <project>-web:dockstage-dev-builder and leaves the dev tag alone', async () => {
    const dev = await cli(['build', 'web']);
    expect(dev.code, dev.stderr + dev.stdout).toBe(0);
    const devBefore = await imageId(`${PROJECT}-web:dockstage-dev`);
    expect(devBefore).toMatch(/^sha256:/);

    // --force: the ci runs above built this very target (same inputs hash), which dockstage would reuse without BuildKit.
    const { result, events } = await buildJson(['web', '--stage', 'builder', '--force']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(events.find((e) => e.type === 'build-started')).toMatchObject({
      target: 'builder',
      tags: [`${PROJECT}-web:dockstage-dev-builder`],
    });
    const stages = new Set(
      completedSteps(events)
        .map((s) => s.stage)
        .filter((s) => s !== null),
    );
    expect([...stages].sort()).toEqual(['base', 'builder']);

    const { stdout: labels } = await run('docker', [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Labels}}',
      `${PROJECT}-web:dockstage-dev-builder`,
    ]);
    expect(JSON.parse(labels)).toMatchObject({ 'dev.dockstage.target': 'builder' });
    const { stdout: stamp } = await run('docker', ['run', '--rm', `${PROJECT}-web:dockstage-dev-builder`, 'cat', '/stamp']);
    expect(stamp.trim()).toBe(STAMP);
    expect(await imageId(`${PROJECT}-web:dockstage-dev`)).toBe(devBefore);
  });

  test('--stage with a stage the Dockerfile lacks exits 2 and lists the stages', async () => {
    const result = await cli(['build', 'web', '--stage', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: no stage 'nope' in web/Dockerfile");
    expect(result.stderr).toContain('hint: stages: base, develop, builder, production');
  });

  test('--push of a service with no registry name stops before building, exit 2, saying what to set', async () => {
    const result = await cli(['-f', 'compose.unqualified.yaml', 'build', '-e', 'ci', '--push']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "error: service 'tool' has no registry name to push\n" +
        `  hint: set image: registry.example.com/${PROJECT}/tool:TAG in the compose file, or x-dockstage.environments.ci.services.tool.image\n`,
    );
    expect(registry!.received().map((r) => r.name)).toEqual(['shop/web']);
  });

  test("an environment that names its own registry image pushes that name, not compose's", async () => {
    const before = registry!.received()[0]!.tags['ci-latest'];
    const result = await cli(['build', 'web', '-e', 'staging', '--push']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(Object.keys(registry!.received()[0]!.tags).sort()).toEqual(['ci-latest', 'staging']);
    expect(registry!.received()[0]!.tags['ci-latest']).toBe(before);
  });
});

function completedSteps(events: readonly CliEvent[]): StepCompleted[] {
  return events.flatMap((e) => (e.type === 'build-step' && e.event.type === 'step-completed' ? [e.event] : []));
}

/** The step that runs the expensive, stamped RUN. */
function stampStep(events: readonly CliEvent[]): StepCompleted | undefined {
  return completedSteps(events).find((s) => s.instruction.includes(STAMP));
}

function manifestDigest(registry: TestRegistry, repository: string, tag: string): string {
  return registry.manifest(repository, tag)!.digest;
}

function manifestJson(
  registry: TestRegistry,
  repository: string,
  tag: string,
): { config: { digest: string }; layers: { digest: string }[] } {
  return JSON.parse(registry.manifest(repository, tag)!.body.toString('utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
}

function configDigest(registry: TestRegistry, repository: string, tag: string): string {
  return manifestJson(registry, repository, tag).config.digest;
}

function manifestLayers(registry: TestRegistry, repository: string, tag: string): string[] {
  return manifestJson(registry, repository, tag).layers.map((layer) => layer.digest);
}

function imageConfig(registry: TestRegistry, repository: string, tag: string): ImageConfig {
  return JSON.parse(registry.blob(configDigest(registry, repository, tag))!.toString('utf8')) as ImageConfig;
}

/**
 * The image layers that the inline cache (`moby.buildkit.cache.v0`: base64 JSON; BuildKit v0.8 writes an array of
 * records with `layers`, newer versions `{ records }` with `results`) links to a cache record: only those results
 * can come from the registry.
 */
function linkedLayers(config: ImageConfig): number[] {
  const decoded = JSON.parse(Buffer.from(config['moby.buildkit.cache.v0'] ?? 'W10=', 'base64').toString('utf8')) as unknown;
  const records = (Array.isArray(decoded) ? decoded : ((decoded as { records?: unknown[] }).records ?? [])) as {
    layers?: { layer: number }[];
    results?: { layer: number }[];
  }[];
  return [...new Set(records.flatMap((record) => (record.layers ?? record.results ?? []).map((link) => link.layer)))].sort((a, b) => a - b);
}

/** The expensive step's layer: builder's three steps make the image's last three layers, the stamped RUN first. */
function stampLayer(config: ImageConfig): number {
  return config.rootfs.diff_ids.length - 3;
}

/** `docker/20.10.24…` → `docker/20.10.24` (dockerd), `containerd/1.6.20…` (BuildKit's resolver inside dockerd). */
function agent(userAgent: string): string {
  return userAgent.split(' ')[0] ?? userAgent;
}

async function imageId(ref: string): Promise<string | undefined> {
  try {
    return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** Removes every local image tagged in this registry, so BuildKit cannot take the cache from the engine's image store. */
/** Removes every local tag of what this test pushed: the registry names and the project's own dockstage tags. */
async function removeLocalImages(registryHost: string): Promise<void> {
  const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
  const refs = stdout.split('\n').filter((ref) => ref.startsWith(`${registryHost}/`) || ref.startsWith(`${PROJECT}-`));
  if (refs.length > 0) await run('docker', ['rmi', '-f', ...refs]);
}

/**
 * Prunes the build cache records whose description contains `stamp`, and every
 * record on top of them, leaf first (BuildKit keeps a record while a child
 * holds it), one `--filter id=` per call: the engine takes one value per filter.
 */
async function pruneCacheOf(stamp: string): Promise<void> {
  const { stdout } = await run('docker', ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], { maxBuffer: 64 * 1024 * 1024 });
  const records = (JSON.parse(stdout) as { ID: string; Parent?: string; Description?: string }[] | null) ?? [];
  const children = new Map<string, string[]>();
  for (const record of records) children.set(record.Parent ?? '', [...(children.get(record.Parent ?? '') ?? []), record.ID]);
  const order: string[] = [];
  const visit = (id: string): void => {
    for (const child of children.get(id) ?? []) visit(child);
    if (!order.includes(id)) order.push(id);
  };
  for (const record of records) if ((record.Description ?? '').includes(stamp)) visit(record.ID);
  for (const id of order) await run('docker', ['builder', 'prune', '--all', '--force', '--filter', `id=${id}`]);
}
