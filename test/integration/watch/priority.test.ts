/**
 * What the user looks at is served first (core/state/priority.ts), on the real
 * engine: web publishes a port and shares its build with worker, which does
 * not; notifier has `depends_on: { web: { restart: true } }`. After a shared
 * rebuild web is replaced first, and only then is worker's old container
 * stopped and notifier restarted; after a live sync web restarts first and
 * worker's restart follows. Order is read off `watch --json`: the engine's
 * own events (the old container's intended exit) say when each replace
 * really began.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, removeProject } from '../../support/compose-project.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchLine, type WatchProcess } from '../../support/watch-process.js';

const PROJECT = `dstprio-${process.pid}-${Date.now().toString(36)}`;
let dir = '';
let port = 0;
let watch: WatchProcess | undefined;

const SERVER = `const http = require('node:http');
const message = require('./message.js');
const server = http.createServer((req, res) => res.end(process.env.ROLE + ' ' + message));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
CMD ["node", "src/server.js"]
`;

function compose(): string {
  const build = '    build:\n      context: ./app\n      args:\n        NODE_IMAGE: ${NODE_IMAGE:-node:22-alpine}\n    init: true\n';
  return `services:
  web:
${build}    environment: { ROLE: web }
    ports: ["127.0.0.1:${port}:3000"]
  worker:
${build}    environment: { ROLE: worker }
  notifier:
    image: busybox:latest
    init: true
    command: ["sh", "-c", "sleep 3600"]
    depends_on:
      web: { condition: service_started, restart: true }
`;
}

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

/** The index (from `from`) of the first line matching, or -1. */
function indexOf(lines: readonly WatchLine[], from: number, predicate: (line: WatchLine) => boolean): number {
  const index = lines.slice(from).findIndex(predicate);
  return index === -1 ? -1 : from + index;
}

const is = (type: string, service: string) => (line: WatchLine) => line.type === type && line['service'] === service;

describeWithEngine('what the user looks at is served first, on the real engine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-priority-'));
    port = await freePort();
    await writeFiles(dir, {
      'compose.yaml': compose(),
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
    });
    watch = startWatch(['-p', PROJECT], { cwd: dir, env: { NODE_IMAGE: TEST_NODE_IMAGE } });
    await watch.next((l) => l.type === 'idle', { timeoutMs: 120_000, message: 'the first idle' });
    await served('web v1');
  }, 180_000);

  afterAll(async () => {
    await watch?.stop();
    await removeProject(PROJECT, dir);
  });

  test('a shared rebuild replaces web (ports) first; worker waits for it, and notifier restarts after it', async () => {
    const w = watch!;
    const from = w.lines.length;
    // package.json is read by base: no live sync, one build for web and worker.
    await writeFile(path.join(dir, 'app/package.json'), '{"name":"app","version":"1.0.1"}\n');
    await served('web v1');
    await w.next(is('replaced', 'worker'), { from, message: 'worker replaced' });
    await w.next(is('restarted', 'notifier'), { from, message: 'notifier restarted' });
    await w.next((l) => l.type === 'idle', { from, message: 'idle' });
    const lines = w.lines;
    const webReplaced = indexOf(lines, from, is('replaced', 'web'));
    expect(webReplaced).toBeGreaterThan(-1);
    // worker was told to wait for web, and its old container stopped only once web's new one ran.
    expect(lines[indexOf(lines, from, is('waiting', 'worker'))]).toMatchObject({ reason: 'waiting-for-priority', for: ['web'] });
    const workerStopped = indexOf(lines, from, (l) => is('exited', 'worker')(l) && l['intended'] === true);
    const webStopped = indexOf(lines, from, (l) => is('exited', 'web')(l) && l['intended'] === true);
    expect(webStopped).toBeGreaterThan(-1);
    expect(webStopped).toBeLessThan(webReplaced);
    expect(workerStopped).toBeGreaterThan(webReplaced);
    expect(indexOf(lines, from, is('replaced', 'worker'))).toBeGreaterThan(webReplaced);
    expect(indexOf(lines, from, is('restarted', 'notifier'))).toBeGreaterThan(webReplaced);
  }, 120_000);

  test('a live sync restarts web first; worker gets the files at once and restarts after web', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await served('web v2');
    await w.next(is('restarted', 'worker'), { from, message: 'worker restarted after the sync' });
    await w.next((l) => l.type === 'idle', { from, message: 'idle' });
    const lines = w.lines;
    const synced = lines
      .slice(from)
      .filter((l) => l.type === 'synced')
      .map((l) => l['service'])
      .sort();
    expect(synced).toEqual(['web', 'worker']);
    // web restarted inside the sync (no restarted event of its own); worker's restart came after it, as its own step.
    expect(indexOf(lines, from, is('restarted', 'web'))).toBe(-1);
    expect(
      lines.slice(from).filter((l) => l.type === 'replaced'),
      JSON.stringify(lines.slice(from).map((l) => [l.type, l['service'] ?? l['services'] ?? '', l['reason'] ?? l['upToDate'] ?? ''])),
    ).toEqual([]);
    const webStopped = indexOf(lines, from, (l) => is('exited', 'web')(l) && l['intended'] === true);
    const workerStopped = indexOf(lines, from, (l) => is('exited', 'worker')(l) && l['intended'] === true);
    expect(webStopped).toBeGreaterThan(-1);
    expect(workerStopped).toBeGreaterThan(indexOf(lines, from, is('synced', 'worker')));
    expect(workerStopped).toBeGreaterThan(webStopped);
  }, 120_000);
});
