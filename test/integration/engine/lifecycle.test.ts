/**
 * The whole headless flow on the real engine, driven through the built CLI on
 * a copy of the bundled example (web + worker share a Dockerfile with
 * base/develop/test/builder/production; api has develop/production; cache is
 * an image): builds per environment, up-to-date checks that never reach
 * BuildKit, environment switches that recreate only what changed, and a broken
 * build that leaves the running container serving.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuildxBuilder } from '../../../src/adapters/buildx/buildx-builder.js';
import { createComposeCli } from '../../../src/adapters/compose/compose-cli.js';
import { resolveDockerEndpoint } from '../../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeRuntime } from '../../../src/adapters/docker/dockerode-runtime.js';
import { createNodeFileSystem } from '../../../src/adapters/local/node-fs.js';
import { buildServices } from '../../../src/operations/builds.js';
import { loadWorkspace } from '../../../src/operations/load-workspace.js';
import type { ImageBuilder } from '../../../src/ports/image-builder.js';
import { EXAMPLE, runCli } from '../../support/cli.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { waitFor } from '../../support/wait.js';

const run = promisify(execFile);
const PROJECT = `dstest-${process.pid}-${Date.now().toString(36)}`;
const ENV = { NODE_IMAGE: TEST_NODE_IMAGE, WEB_PORT: '0' };
let dir = '';

async function cli(args: string[]) {
  return await runCli(['-p', PROJECT, ...args], { cwd: dir, env: ENV, timeoutMs: 300_000 });
}

async function inspectImage(tag: string): Promise<{ Id: string; Config: { Labels: Record<string, string> } } | undefined> {
  try {
    const { stdout } = await run('docker', ['image', 'inspect', tag]);
    return (JSON.parse(stdout) as { Id: string; Config: { Labels: Record<string, string> } }[])[0];
  } catch {
    return undefined;
  }
}

interface StatusJson {
  environment: string;
  services: {
    name: string;
    environment: string;
    target: string | null;
    image: string | null;
    upToDate: boolean | null;
    containers: { name: string; state: string; health: string | null; ports: string[] }[];
  }[];
}

async function status(): Promise<StatusJson> {
  const result = await cli(['status', '--json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as StatusJson;
}

async function containerIds(): Promise<Record<string, string>> {
  const { stdout } = await run('docker', [
    'ps',
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

async function webUrl(): Promise<string> {
  const web = (await status()).services.find((s) => s.name === 'web')!;
  const port = web.containers[0]!.ports[0]!; // localhost:NNNN→3000/tcp
  return `http://${port.slice(0, port.indexOf('→'))}/`;
}

describeWithEngine('dockstage on the real engine (bundled example)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-engine-'));
    await cp(EXAMPLE, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.dockstage`) });
    // qa: like prod, except api runs its develop stage; web and worker build production (the last stage).
    const compose = path.join(dir, 'compose.yaml');
    const text = await readFile(compose, 'utf8');
    await writeFile(
      compose,
      text.replace(
        'x-dockstage:\n  default: dev\n',
        'x-dockstage:\n  default: dev\n  environments:\n    qa:\n      services:\n        api: { target: develop }\n',
      ),
    );
  });

  afterAll(async () => {
    if (dir !== '' && existsSync(dir)) {
      await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '-v', '--remove-orphans']).catch(() => undefined);
      const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${PROJECT}-*`]);
      const tags = stdout.split('\n').filter((t) => t !== '');
      if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('builds each environment under its own tag, labelled with target and inputs hash', async () => {
    for (const env of ['dev', 'ci', 'prod']) {
      const result = await cli(['build', '-e', env]);
      expect(result.code, result.stderr).toBe(0);
    }
    const expected = {
      dev: { web: 'develop', worker: 'develop', api: 'develop' },
      ci: { web: 'builder', worker: 'builder', api: 'production' },
      prod: { web: 'production', worker: 'production', api: 'production' },
    } as const;
    for (const [env, targets] of Object.entries(expected)) {
      for (const [service, target] of Object.entries(targets)) {
        const image = await inspectImage(`${PROJECT}-${service}:dockstage-${env}`);
        expect(image?.Config.Labels['dev.dockstage.target'], `${service} in ${env}`).toBe(target);
        expect(image?.Config.Labels['dev.dockstage.inputs-hash']).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    // web and worker share one build: one image, two tags.
    expect((await inspectImage(`${PROJECT}-web:dockstage-prod`))?.Id).toBe((await inspectImage(`${PROJECT}-worker:dockstage-prod`))?.Id);
  });

  test('a second build is up to date and never invokes BuildKit', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ENV };
    const real = createBuildxBuilder({ env });
    let builds = 0;
    const counting: ImageBuilder = { info: (name) => real.info(name), build: (...args) => ((builds += 1), real.build(...args)) };
    const fs = createNodeFileSystem();
    const loaded = await loadWorkspace(
      { files: [], projectName: PROJECT, profiles: [], envFiles: [], environment: 'prod' },
      { compose: createComposeCli({ env }), fs, cwd: dir, lookup: (name) => env[name], existsSync },
    );
    const runtime = createDockerodeRuntime(await resolveDockerEndpoint(env));
    const outcomes = await buildServices(loaded.workspace, { fs, runtime, builder: counting }, {}, () => undefined);
    expect(outcomes.map((o) => [o.services.join(','), o.status])).toEqual([
      ['api', 'up-to-date'],
      ['web,worker', 'up-to-date'],
    ]);
    expect(builds).toBe(0);

    const result = await cli(['build', '-e', 'prod']);
    // The two builds are checked concurrently, so their lines come in either order.
    expect(result.stdout.trim().split('\n').sort()).toEqual([
      expect.stringMatching(new RegExp(`^api  production  up to date \\(${PROJECT}-api:dockstage-prod, checked in \\d+ ms\\)$`)),
      expect.stringMatching(new RegExp(`^web, worker  production  up to date \\(${PROJECT}-web:dockstage-prod, checked in \\d+ ms\\)$`)),
    ]);
  });

  test('an edit outside the target closure keeps the image up to date; one inside makes it stale until undone', async () => {
    const actions = async () => {
      const result = await cli(['plan', '-e', 'dev', '--json']);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { services: { name: string; action: string }[] }).services.map((s) => `${s.name}:${s.action}`);
    };
    await writeFile(path.join(dir, 'web/test/extra.test.js'), '// only the test stage reads this\n');
    expect(await actions()).toEqual(['api:none', 'cache:none', 'web:none', 'worker:none']);
    await writeFile(path.join(dir, 'web/src/extra.js'), 'module.exports = 1;\n');
    expect(await actions()).toEqual(['api:none', 'cache:none', 'web:rebuild', 'worker:rebuild']);
    await rm(path.join(dir, 'web/src/extra.js'));
    expect(await actions()).toEqual(['api:none', 'cache:none', 'web:none', 'worker:none']);
  });

  test('up starts the dev environment; status --json reports target, freshness, state, health and ports', async () => {
    const result = await cli(['up', '-e', 'dev']);
    expect(result.code, result.stderr).toBe(0);
    const healthy = await waitFor(
      async () => {
        const s = await status();
        return s.services.find((svc) => svc.name === 'api')?.containers[0]?.health === 'healthy' ? s : undefined;
      },
      { timeoutMs: 60_000, message: 'api to become healthy' },
    );
    expect(healthy.environment).toBe('dev');
    expect(healthy.services.map((s) => [s.name, s.environment, s.target, s.image, s.upToDate, s.containers.map((c) => c.state)])).toEqual([
      ['api', 'dev', 'develop', `${PROJECT}-api:dockstage-dev`, true, ['running']],
      ['cache', 'dev', null, 'busybox:latest', null, ['running']],
      ['web', 'dev', 'develop', `${PROJECT}-web:dockstage-dev`, true, ['running']],
      ['worker', 'dev', 'develop', `${PROJECT}-worker:dockstage-dev`, true, ['running']],
    ]);
    const web = healthy.services.find((s) => s.name === 'web')!;
    expect(web.containers[0]!.ports).toEqual([expect.stringMatching(/^localhost:\d+→3000\/tcp$/)]);
    const body = await waitFor(async () => (await fetch(await webUrl())).json() as Promise<{ env: string }>, {
      timeoutMs: 30_000,
      message: 'web to answer',
    });
    expect(body.env).toBe('development');
  });

  test('dev → prod → dev: nothing is rebuilt on the way back, and only services whose image changed are recreated', async () => {
    const before = await containerIds();
    const toProd = await cli(['env', 'prod', '--json']);
    expect(toProd.code, toProd.stderr).toBe(0);
    const prod = JSON.parse(toProd.stdout.trim().split('\n').at(-1)!) as {
      built: string[];
      recreated: string[];
      unchanged: string[];
      restarted: string[];
    };
    expect(prod.built).toEqual([]); // prod was built in the first test and nothing changed since
    expect(prod.recreated).toEqual(['api', 'web', 'worker']);
    expect(prod.unchanged).toEqual(['cache']);
    const during = await containerIds();
    expect(during['cache']).toBe(before['cache']);
    expect(during['web']).not.toBe(before['web']);
    const body = await waitFor(async () => (await fetch(await webUrl())).json() as Promise<{ env: string }>, {
      timeoutMs: 30_000,
      message: 'web in prod to answer',
    });
    expect(body.env).toBe('production');

    const toDev = await cli(['env', 'dev', '--json']);
    expect(toDev.code, toDev.stderr).toBe(0);
    const lines = toDev.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; built?: string[]; recreated?: string[] });
    expect(lines.filter((l) => l.type === 'build-started')).toEqual([]);
    expect(lines.at(-1)).toMatchObject({
      type: 'environment-switched',
      built: [],
      recreated: ['api', 'web', 'worker'],
      unchanged: ['cache'],
    });
    expect((await containerIds())['cache']).toBe(before['cache']);
    expect(JSON.parse(await readFile(path.join(dir, '.dockstage', PROJECT, 'state.json'), 'utf8'))).toEqual({ environment: 'dev' });
  });

  test('prod → qa: only api changes image; web keeps its container but restarts (depends_on api, restart: true); nothing is built', async () => {
    expect((await cli(['env', 'prod'])).code).toBe(0);
    const before = await containerIds();
    const result = await cli(['env', 'qa', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    // qa's images already exist under other tags (same target, same inputs): reused, not rebuilt.
    expect(lines.filter((l) => l.type === 'build-started')).toEqual([]);
    expect(lines.at(-1)).toMatchObject({
      type: 'environment-switched',
      built: [],
      recreated: ['api'],
      restarted: ['web'],
      unchanged: ['cache', 'worker'],
    });
    const after = await containerIds();
    expect(after['api']).not.toBe(before['api']);
    expect([after['web'], after['worker'], after['cache']]).toEqual([before['web'], before['worker'], before['cache']]);
    // status says exactly what runs: worker kept its prod container (same image as qa's), so its tag and environment are prod's.
    const worker = (await status()).services.find((s) => s.name === 'worker')!;
    expect([worker.environment, worker.image]).toEqual(['prod', `${PROJECT}-worker:dockstage-prod`]);
    expect((await inspectImage(`${PROJECT}-web:dockstage-qa`))?.Id).toBe((await inspectImage(`${PROJECT}-web:dockstage-prod`))?.Id);
    expect((await cli(['env', 'dev'])).code).toBe(0);
  });

  test('a broken build step fails with stage, instruction and line, and the old container keeps serving', async () => {
    const before = await containerIds();
    const dockerfile = path.join(dir, 'web/Dockerfile');
    const original = await readFile(dockerfile, 'utf8');
    await writeFile(
      dockerfile,
      original.replace('COPY src/ ./src/\nCMD', 'COPY src/ ./src/\nRUN echo "compiling" && echo "boom: missing module" >&2 && exit 3\nCMD'),
    );
    try {
      const result = await cli(['up', '-e', 'dev']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('web, worker  develop  ✗ failed at step');
      expect(result.stderr).toContain(
        'error: build of web, worker failed at develop: RUN echo "compiling" && echo "boom: missing module" >&2 && exit 3',
      );
      // One failure, one message: the error (with its log tail) is printed once, on stderr.
      expect(result.stderr.match(/^error: /gm)).toHaveLength(1);
      expect(result.stderr).toContain('│ boom: missing module');
      expect(result.stderr).toContain('error: build of web, worker failed at develop');
      expect(result.stderr).toContain('--> web/Dockerfile:14');
      expect(await containerIds()).toEqual(before);
      const body = (await (await fetch(await webUrl())).json()) as { service: string };
      expect(body.service).toBe('web');
    } finally {
      await writeFile(dockerfile, original);
    }
  });

  test('down removes the containers', async () => {
    const result = await cli(['down']);
    expect(result.code, result.stderr).toBe(0);
    expect(await containerIds()).toEqual({});
  });
});
