/**
 * `dockstage watch` end to end: the real CLI process, real chokidar on a temp
 * project, the real engine and compose. web and worker share one Dockerfile
 * (develop / test / production), api has its own, cache is an image. Every
 * wait is a condition with a deadline: an HTTP body, a JSON event. These
 * tests run with `--no-sync`: they are about rebuilds and replacements.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { containerIds, freePort, removeProject } from '../../support/compose-project.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchLine, type WatchProcess } from '../../support/watch-process.js';

const run = promisify(execFile);
const PROJECT = `dstwatch-${process.pid}-${Date.now().toString(36)}`;
let dir = '';
let ports: Record<string, number> = {};
let watch: WatchProcess | undefined;

const SERVER = `const http = require('node:http');
const message = () => { delete require.cache[require.resolve('./message.js')]; return require('./message.js'); };
const server = http.createServer((req, res) => res.end(process.env.ROLE + ' ' + message()));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const APP_DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
CMD ["node", "src/server.js"]

FROM base AS test
COPY test/ ./test/
RUN node test/check.js

FROM base AS production
COPY src/ ./src/
CMD ["node", "src/server.js"]
`;

function compose(extra = ''): string {
  const build = (context: string) =>
    `    build:\n      context: ./${context}\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    init: true\n`;
  return `services:
  web:
${build('app')}    environment: { ROLE: web }
    ports: ["127.0.0.1:${ports['web']}:3000"]
  worker:
${build('app')}    environment: { ROLE: worker }
    ports: ["127.0.0.1:${ports['worker']}:3000"]
  api:
${build('api')}    environment: { ROLE: api }
    ports: ["127.0.0.1:${ports['api']}:3000"]
  cache:
    image: busybox:latest
    init: true
    command: ["sh", "-c", "sleep 3600"]
${extra}`;
}

async function body(service: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${ports[service]}/`, { signal: AbortSignal.timeout(1000) });
    return await response.text();
  } catch {
    return undefined;
  }
}

async function served(service: string, text: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await body(service)) === text, { timeoutMs, intervalMs: 50, message: `${service} to serve '${text}'` });
}

function start(): WatchProcess {
  // The rebuild path (live sync has its own tests): web's develop stage ends with COPY src/, which sync could take.
  watch = startWatch(['-p', PROJECT], { cwd: dir, env: { NODE_IMAGE: TEST_NODE_IMAGE }, watchArgs: ['--no-sync'] });
  return watch;
}

/** The builds started after line `from`, as service lists. */
function buildsAfter(w: WatchProcess, from: number): string[][] {
  return w.lines
    .slice(from)
    .filter((l) => l.type === 'build-start')
    .map((l) => l['services'] as string[]);
}

/** Waits until the loop is idle again after line `from`. */
async function idleAfter(w: WatchProcess, from: number): Promise<WatchLine> {
  return await w.next((l) => l.type === 'idle', { from, message: 'idle' });
}

describeWithEngine('dockstage watch on the real engine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-watch-'));
    ports = { web: await freePort(), worker: await freePort(), api: await freePort(), extra: await freePort() };
    await writeFiles(dir, {
      'compose.yaml': compose(),
      'app/Dockerfile': APP_DOCKERFILE,
      'app/.dockerignore': '*.md\ntmp/\n',
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
      'app/test/check.js': "console.log('ok');\n",
      'app/README.md': 'notes\n',
      'api/Dockerfile':
        'ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE} AS develop\nWORKDIR /app\nCOPY src/ ./src/\nCMD ["node", "src/server.js"]\n',
      'api/src/server.js': SERVER,
      'api/src/message.js': "module.exports = 'a1';\n",
    });
  });

  afterAll(async () => {
    await watch?.stop();
    await removeProject(PROJECT, dir);
  });

  test('starts the project: builds what is stale, brings everything up, says when it is idle', async () => {
    const w = start();
    await idleAfter(w, 0);
    await served('web', 'web v1');
    await served('worker', 'worker v1');
    await served('api', 'api a1');
    expect(buildsAfter(w, 0).sort()).toEqual([['api'], ['web', 'worker']]);
  });

  test('an edit to a source of web and worker rebuilds them once, replaces both, serves the new code; api is untouched', async () => {
    const w = watch!;
    const before = await containerIds(PROJECT);
    const oldImage = (await run('docker', ['inspect', '--format', '{{.Image}}', before['web']!])).stdout.trim();
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await served('web', 'web v2');
    await served('worker', 'worker v2');
    await idleAfter(w, from);
    expect(buildsAfter(w, from)).toEqual([['web', 'worker']]);
    const plan = w.lines.slice(from).find((l) => l.type === 'plan')!;
    expect(plan['services']).toEqual([
      {
        name: 'web',
        action: 'rebuild',
        reasons: [{ path: 'app/src/message.js', stage: 'develop', instruction: 'COPY src/ ./src/', line: 7, rule: 'input' }],
      },
      {
        name: 'worker',
        action: 'rebuild',
        reasons: [{ path: 'app/src/message.js', stage: 'develop', instruction: 'COPY src/ ./src/', line: 7, rule: 'input' }],
      },
    ]);
    const replaced = w.lines
      .slice(from)
      .filter((l) => l.type === 'replaced')
      .map((l) => l['service']);
    expect(replaced.sort()).toEqual(['web', 'worker']);
    const after = await containerIds(PROJECT);
    expect(after['api']).toBe(before['api']);
    expect(after['cache']).toBe(before['cache']);
    expect(after['web']).not.toBe(before['web']);
    // The image both containers ran is no longer tagged or used: removed, once (compose watch prunes too).
    const pruned = await w.next((l) => l.type === 'pruned', { from });
    expect(pruned['imageId']).toBe(oldImage);
    await expect(run('docker', ['image', 'inspect', oldImage])).rejects.toThrow();
  });

  test('after a replacement, docker compose up -d --no-build with the same files recreates nothing', async () => {
    const before = await containerIds(PROJECT);
    const overrideFile = path.join(dir, '.dockstage', PROJECT, 'dev.compose.yaml');
    await run(
      'docker',
      [
        'compose',
        '-p',
        PROJECT,
        '--project-directory',
        dir,
        '-f',
        path.join(dir, 'compose.yaml'),
        '-f',
        overrideFile,
        'up',
        '-d',
        '--no-build',
      ],
      { env: { ...process.env, NODE_IMAGE: TEST_NODE_IMAGE } },
    );
    expect(await containerIds(PROJECT)).toEqual(before);
    await served('web', 'web v2');
  });

  test('an ignored file and a file read only by the test stage build nothing', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/README.md'), 'more notes\n');
    await writeFile(path.join(dir, 'app/test/check.js'), "console.log('still ok');\n");
    const change = await w.next((l) => l.type === 'change', { from });
    await idleAfter(w, from);
    expect(w.lines.slice(from).flatMap((l) => (l.type === 'change' ? (l['paths'] as string[]) : []))).toEqual(['app/test/check.js']);
    expect(change['paths']).toEqual(['app/test/check.js']);
    expect(w.lines.slice(from).find((l) => l.type === 'plan')?.['services']).toEqual([]);
    expect(buildsAfter(w, from)).toEqual([]);
  });

  test('a 2,000-file storm: every file reported, one build of the shared build per batch, nothing else built', async () => {
    const w = watch!;
    const from = w.lines.length;
    await mkdir(path.join(dir, 'app/src/generated'), { recursive: true });
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => writeFile(path.join(dir, `app/src/generated/g${i}.js`), `module.exports = ${i};\n`)),
    );
    // Every file is reported; on a loaded machine the storm may outlast the coalescer's 2 s cap and come as two batches.
    const reported = () =>
      new Set(
        w.lines
          .slice(from)
          .filter((l) => l.type === 'change')
          .flatMap((l) => l['paths'] as string[])
          .filter((p) => p.endsWith('.js')),
      ).size;
    const batchSizes = () => w.lines.slice(from).flatMap((l) => (l.type === 'change' ? [(l['paths'] as string[]).length] : []));
    await waitFor(() => reported() === 2_000, { timeoutMs: 60_000, message: 'all 2,000 files reported' }).catch((error: Error) => {
      throw new Error(`${error.message}: ${reported()} reported, in batches of ${batchSizes().join(', ')}`);
    });
    const lastChange = w.lines.map((l) => l.type).lastIndexOf('change');
    await idleAfter(w, lastChange);
    const batches = w.lines.slice(from).filter((l) => l.type === 'change').length;
    const builds = buildsAfter(w, from);
    // One build of the shared web/worker build per batch at most, and nothing else built.
    expect(builds.length).toBeGreaterThanOrEqual(1);
    expect(builds.length).toBeLessThanOrEqual(batches);
    expect(new Set(builds.map((services) => services.join(',')))).toEqual(new Set(['web,worker']));
    await served('web', 'web v2');
  });

  test('a broken edit keeps the old container serving; the next good edit recovers', async () => {
    const w = watch!;
    const before = await containerIds(PROJECT);
    const from = w.lines.length;
    await writeFile(
      path.join(dir, 'app/Dockerfile'),
      APP_DOCKERFILE.replace('COPY src/ ./src/\nCMD', 'COPY src/ ./src/\nRUN node -e "process.exit(3)"\nCMD'),
    );
    const failed = await w.next((l) => l.type === 'build-failed', { from });
    expect(failed['error']).toMatchObject({ file: 'app/Dockerfile', line: 8, stage: 'develop' });
    await idleAfter(w, from);
    expect(await body('web')).toBe('web v2');
    expect((await containerIds(PROJECT))['web']).toBe(before['web']);
    const again = w.lines.length;
    await writeFile(path.join(dir, 'app/Dockerfile'), APP_DOCKERFILE);
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v3';\n");
    await served('web', 'web v3');
    await idleAfter(w, again);
  });

  test('a Dockerfile that does not parse blocks only its services; api keeps rebuilding; fixing it unblocks them', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/Dockerfile'), APP_DOCKERFILE.replace('COPY src/ ./src/\nCMD', 'COPY\nCMD'));
    const blocked = await w.next((l) => l.type === 'blocked' && l['service'] === 'web', { from });
    expect(blocked['error']).toMatchObject({ file: 'app/Dockerfile', line: 7 });
    await writeFile(path.join(dir, 'api/src/message.js'), "module.exports = 'a2';\n");
    await served('api', 'api a2');
    expect(await body('web')).toBe('web v3');
    const fix = w.lines.length;
    await writeFile(path.join(dir, 'app/Dockerfile'), APP_DOCKERFILE);
    await w.next((l) => l.type === 'unblocked' && l['service'] === 'web', { from: fix });
    await idleAfter(w, fix);
    expect(await body('web')).toBe('web v3');
  });

  const extraService = () =>
    `  extra:\n    build:\n      context: ./api\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    init: true\n    environment: { ROLE: extra }\n    ports: ["127.0.0.1:${ports['extra']}:3000"]\n`;

  test('a compose edit adding a service builds it, starts it and watches it', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(path.join(dir, 'compose.yaml'), compose(extraService()));
    await served('extra', 'extra a2');
    await idleAfter(w, from);
    const edit = w.lines.length;
    await writeFile(path.join(dir, 'api/src/message.js'), "module.exports = 'a3';\n");
    await served('extra', 'extra a3');
    await served('api', 'api a3');
    expect(buildsAfter(w, edit)).toEqual([['api', 'extra']]);
  });

  test("a compose edit changing a service's environment has compose recreate that one container, with no build", async () => {
    const w = watch!;
    const before = await containerIds(PROJECT);
    const from = w.lines.length;
    await writeFile(
      path.join(dir, 'compose.yaml'),
      compose(extraService()).replace('environment: { ROLE: worker }', 'environment: { ROLE: worker2 }'),
    );
    await waitFor(async () => (await body('worker'))?.startsWith('worker2 ') === true, {
      timeoutMs: 60_000,
      message: 'worker to serve with its new environment',
    });
    await idleAfter(w, from);
    expect(buildsAfter(w, from)).toEqual([]);
    const after = await containerIds(PROJECT);
    expect(after['worker']).not.toBe(before['worker']);
    expect({ ...after, worker: undefined }).toEqual({ ...before, worker: undefined });
    // compose owns the recreated container: another up with the same files recreates nothing
    const overrideFile = path.join(dir, '.dockstage', PROJECT, 'dev.compose.yaml');
    await run(
      'docker',
      [
        'compose',
        '-p',
        PROJECT,
        '--project-directory',
        dir,
        '-f',
        path.join(dir, 'compose.yaml'),
        '-f',
        overrideFile,
        'up',
        '-d',
        '--no-build',
      ],
      { env: { ...process.env, NODE_IMAGE: TEST_NODE_IMAGE } },
    );
    expect(await containerIds(PROJECT)).toEqual(after);
    // The same settings written another way (a variable whose default is the old value) recreate nothing
    const viaVariable = w.lines.length;
    await writeFile(
      path.join(dir, 'compose.yaml'),
      compose(extraService()).replace('environment: { ROLE: worker }', 'environment: { ROLE: "${WORKER_ROLE:-worker2}" }'),
    );
    await w.next((l) => l.type === 'change' && (l['paths'] as string[]).includes('compose.yaml'), { from: viaVariable });
    await idleAfter(w, viaVariable);
    expect(await containerIds(PROJECT)).toEqual(after);
    // and the variable set in .env, which compose reads too, recreates the worker again
    await writeFile(path.join(dir, '.env'), 'WORKER_ROLE=worker3\n');
    await waitFor(async () => (await body('worker'))?.startsWith('worker3 ') === true, {
      timeoutMs: 60_000,
      message: 'worker to serve with the role from .env',
    });
    expect((await containerIds(PROJECT))['web']).toBe(after['web']);
  });

  test('SIGTERM exits 0 and leaves the containers running; an edit made while stopped is applied at the next start', async () => {
    const w = watch!;
    const before = await containerIds(PROJECT);
    expect(await w.stop()).toBe(0);
    expect(await containerIds(PROJECT)).toEqual(before);
    await appendFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v4';\n");
    const next = start();
    await served('web', 'web v4');
    await idleAfter(next, 0);
    expect(
      buildsAfter(next, 0)
        .map((s) => s.join(','))
        .sort(),
    ).toEqual(['api,extra', 'web,worker']);
    expect(
      next.lines.filter((l) => l.type === 'build-done' && l['upToDate'] === true).map((l) => (l['services'] as string[]).join(',')),
    ).toEqual(['api,extra']);
  });
});
