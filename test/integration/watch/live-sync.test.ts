/**
 * Live sync in `dockstage watch`, end to end on the real engine: web and
 * worker share a build whose develop stage ends with `COPY src/`, so an edit
 * under src/ is written into both running containers instead of rebuilt; web
 * reloads itself (`node --watch`, reload: none), worker is restarted. The image
 * is rebuilt behind and nothing is replaced. A Dockerfile with a RUN after the
 * COPY takes the rebuild path, and the plan says why.
 */
import { mkdtemp, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { containerIds, freePort, removeProject } from '../../support/compose-project.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch, type WatchProcess } from '../../support/watch-process.js';

const PROJECT = `dstsync-${process.pid}-${Date.now().toString(36)}`;
let dir = '';
let ports: Record<string, number> = {};
let watch: WatchProcess | undefined;

const SERVER = `const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => {
  const extra = fs.existsSync(__dirname + '/extra.js') ? ' +extra' : '';
  res.end(process.env.ROLE + ' ' + require('./message.js') + extra);
});
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
ENV NODE_ENV=development
COPY src/ ./src/
CMD ["node", "--watch", "src/server.js"]
`;

async function served(service: string, text: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${ports[service]}/`, { signal: AbortSignal.timeout(1000) })).text()) === text;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 50, message: `${service} to serve '${text}'` },
  );
}

describeWithEngine('live sync in dockstage watch', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-sync-'));
    ports = { web: await freePort(), worker: await freePort() };
    const service = (role: string) =>
      `  ${role}:\n    build:\n      context: ./app\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    init: true\n    environment: { ROLE: ${role} }\n    ports: ["127.0.0.1:${ports[role]}:3000"]\n`;
    await writeFiles(dir, {
      'compose.yaml': `x-dockstage:\n  watch:\n    reload:\n      web: none\n      worker: restart\nservices:\n${service('web')}${service('worker')}`,
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
    });
    watch = startWatch(['-p', PROJECT], { cwd: dir, env: { NODE_IMAGE: TEST_NODE_IMAGE } });
    await watch.next((l) => l.type === 'idle', { message: 'the first idle' });
    await served('web', 'web v1');
  });

  afterAll(async () => {
    await watch?.stop();
    await removeProject(PROJECT, dir);
  });

  test('an edit under src/ is synced into both containers, each reloads its way, nothing is replaced, the image is rebuilt behind', async () => {
    const w = watch!;
    const before = await containerIds(PROJECT);
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await served('web', 'web v2');
    await served('worker', 'worker v2');
    const synced = w.lines.slice(from).filter((l) => l.type === 'synced');
    expect(synced.map((l) => [l['service'], l['reload'], l['files']])).toEqual([
      ['web', 'none', [{ path: 'app/src/message.js', destination: '/app/src/message.js', deleted: false }]],
      ['worker', 'restart', [{ path: 'app/src/message.js', destination: '/app/src/message.js', deleted: false }]],
    ]);
    const plan = w.lines.slice(from).find((l) => l.type === 'plan' && (l['services'] as { action: string }[])[0]?.action === 'sync')!;
    expect((plan['services'] as { reasons: unknown[] }[])[0]!.reasons).toEqual([
      {
        path: 'app/src/message.js',
        rule: 'sync',
        destination: '/app/src/message.js',
        stage: 'develop',
        instruction: 'COPY src/ ./src/',
        line: 8,
      },
    ]);
    // The first build event after the change comes after the sync: it is the rebuild behind it.
    const firstBuild = w.lines.slice(from).findIndex((l) => l.type === 'build-start');
    const firstSync = w.lines.slice(from).findIndex((l) => l.type === 'synced');
    expect(firstSync).toBeGreaterThanOrEqual(0);
    if (firstBuild !== -1) expect(firstBuild).toBeGreaterThan(firstSync);
    await w.next((l) => l.type === 'build-done', { from: from + firstSync });
    await w.next((l) => l.type === 'idle', { from: from + firstSync });
    expect(w.lines.slice(from).filter((l) => l.type === 'replaced')).toEqual([]);
    expect(await containerIds(PROJECT)).toEqual(before);
    await served('web', 'web v2');
  });

  test('a new file and then its deletion are synced too (a directory copy)', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(path.join(dir, 'app/src/extra.js'), '// extra\n');
    await served('web', 'web v2 +extra');
    await w.next((l) => l.type === 'idle', { from });
    const removal = w.lines.length;
    await unlink(path.join(dir, 'app/src/extra.js'));
    await served('web', 'web v2');
    const synced = await w.next((l) => l.type === 'synced' && l['service'] === 'web', { from: removal });
    expect(synced['files']).toEqual([{ path: 'app/src/extra.js', destination: '/app/src/extra.js', deleted: true }]);
    await w.next((l) => l.type === 'idle', { from: removal });
  });

  test('with a RUN after the COPY the change is rebuilt and replaced, and the plan names the RUN and its line', async () => {
    const w = watch!;
    const from = w.lines.length;
    await writeFile(
      path.join(dir, 'app/Dockerfile'),
      DOCKERFILE.replace('COPY src/ ./src/\n', 'COPY src/ ./src/\nRUN ls src > /tmp/files\n'),
    );
    await w.next((l) => l.type === 'idle', { from });
    const edit = w.lines.length;
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v3';\n");
    await served('web', 'web v3');
    await w.next((l) => l.type === 'idle', { from: edit });
    const why = w.lines
      .slice(edit)
      .find(
        (l) =>
          l.type === 'plan' &&
          (l['services'] as { action: string }[])[0]?.action === 'rebuild' &&
          JSON.stringify(l).includes('sync-not-possible'),
      );
    expect(JSON.stringify(why)).toContain('RUN ls src > /tmp/files at app/Dockerfile:9 runs after COPY src/ ./src/');
    expect(w.lines.slice(edit).filter((l) => l.type === 'synced')).toEqual([]);
    expect(
      w.lines
        .slice(edit)
        .filter((l) => l.type === 'replaced')
        .map((l) => l['service'])
        .sort(),
    ).toEqual(['web', 'worker']);
  });
});
