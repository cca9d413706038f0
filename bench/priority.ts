/**
 * The priority benchmark (issue 15): a shared build whose services are replaced
 * in order, the port-publishing one first, against the same work done by hand,
 * every row measured in the same run:
 *
 *   npm run bench:priority     # or: node --import tsx bench/priority.ts (after npm run build)
 *
 * The project: web (a published port) and worker (none) share one Dockerfile
 * and target; `develop` copies `src/message.js` again after `COPY src/`, so an
 * edit of it needs a rebuild (no live sync), and no step needs a network. Both apps serve the message
 * over HTTP on 3000; only web's port is published.
 *
 * Floors, on a copy of the project run by compose from image tags:
 *   floor 1: `docker buildx build` + `docker compose up -d --no-deps web` (web alone);
 *   floor 2: the same build + `docker compose up -d --no-deps web worker` (both side by side).
 * dockstage: `dockstage watch --json` on the project; the same edit.
 *
 * "web served": from the write of the file to the first HTTP answer on web's port
 * carrying the new message (polled every 10 ms). "every service ready": web served
 * and worker running the new image: for dockstage its `ready` event, for the
 * floors compose returning (compose starts the containers before it returns).
 * Rounds interleave floor 1, floor 2 and dockstage, so load hits all alike.
 *
 * Environment: NODE_IMAGE (default the seeded dockstage-base/node:20), BENCH_EDITS
 * (rounds, default 5), DOCKSTAGE_CLI (another built CLI than dist/cli/main.js).
 * Everything it creates is named `dsp-<random>…` and removed at the end, on
 * failure and on Ctrl-C (support/docker-ledger.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, DockerLedger } from './support/docker-ledger.js';
import { LineProcess } from './support/line-process.js';
import { waitUntilServed } from './support/served.js';
import { markdownTable, percentile } from './support/stats.js';
import { freePorts } from './watch-fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = process.env['DOCKSTAGE_CLI'] ?? path.join(ROOT, 'dist', 'cli', 'main.js');
const SERVED_TIMEOUT_MS = 60_000;

const SERVER = `import http from 'node:http';
import { message } from './message.js';
const server = http.createServer((req, res) => res.end(message));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS develop
WORKDIR /app
COPY package.json ./
COPY src/ ./src/
COPY src/message.js ./src/message.js
CMD ["node", "src/server.js"]
`;

const message = (text: string) => `export const message = ${JSON.stringify(text)};\n`;

interface Project {
  readonly name: string;
  readonly dir: string;
  readonly composeFile: string;
  readonly messageFile: string;
  readonly port: number;
}

/** One context dir (`app/`) and a compose file: built by compose/dockstage (`build`), or run from `image`. */
async function writeProject(dir: string, name: string, port: number, nodeImage: string, image: string | undefined): Promise<Project> {
  await mkdir(path.join(dir, 'app', 'src'), { recursive: true });
  await writeFile(path.join(dir, 'app', 'Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'app', 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' })}\n`);
  await writeFile(path.join(dir, 'app', 'src', 'server.js'), SERVER);
  await writeFile(path.join(dir, 'app', 'src', 'message.js'), message(`initial ${name}`));
  const source =
    image === undefined
      ? `    build:\n      context: ./app\n      target: develop\n      args: { NODE_IMAGE: "${nodeImage}" }\n`
      : `    image: ${image}\n    pull_policy: never\n`;
  const compose = `services:
  web:
${source}    init: true
    ports: ["127.0.0.1:${port}:3000"]
  worker:
${source}    init: true
`;
  await writeFile(path.join(dir, 'compose.yaml'), compose);
  return { name, dir, composeFile: path.join(dir, 'compose.yaml'), messageFile: path.join(dir, 'app', 'src', 'message.js'), port };
}

const composeArgs = (project: Project) => ['compose', '-p', project.name, '-f', project.composeFile, '--project-directory', project.dir];

/** Resolves to `performance.now()` when a line matching `predicate` (from index `from`) has arrived. */
async function lineArrived(watch: LineProcess, from: number, predicate: (event: Record<string, unknown>) => boolean): Promise<number> {
  const deadline = performance.now() + SERVED_TIMEOUT_MS;
  for (let seen = from; ;) {
    for (; seen < watch.lines.length; seen++) {
      const line = watch.lines[seen]!;
      if (line.stream !== 'stdout' || !line.text.startsWith('{')) continue;
      if (predicate(JSON.parse(line.text) as Record<string, unknown>)) return performance.now();
    }
    if (watch.exited !== undefined) throw new Error(`dockstage watch ended (${watch.exited})`);
    if (performance.now() > deadline) throw new Error('dockstage watch did not get there in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Sample {
  readonly webServed: number;
  readonly allReady: number;
}

async function main(): Promise<number> {
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const rounds = Number(process.env['BENCH_EDITS'] ?? 5);
  const nodeImage = process.env['NODE_IMAGE'] ?? 'dockstage-base/node:20';
  const prefix = `dsp-${randomBytes(3).toString('hex')}`;
  const ledger = new DockerLedger(prefix);
  const root = await mkdtemp(path.join(os.tmpdir(), `dockstage-priority-bench-${prefix}-`));
  const cleanUp = async () => {
    for (const problem of await ledger.cleanup()) process.stderr.write(`cleanup: ${problem}\n`);
    await rm(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: removing what this run created…\n`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const samples: Record<'floor1' | 'floor2' | 'dockstage', Sample[]> = { floor1: [], floor2: [], dockstage: [] };
  try {
    const [floorPort, dsPort] = await freePorts(2);
    const tag = `${prefix}-floor-app:dev`;
    const floor = await writeProject(path.join(root, 'floor'), `${prefix}-floor`, floorPort!, nodeImage, tag);
    const ds = await writeProject(path.join(root, 'ds'), `${prefix}-ds`, dsPort!, nodeImage, undefined);
    ledger.addProject({ name: floor.name, files: [floor.composeFile], dir: floor.dir });
    ledger.addProject({ name: ds.name, files: [ds.composeFile], dir: ds.dir });

    const build = () =>
      docker([
        'buildx',
        'build',
        '--target',
        'develop',
        '--build-arg',
        `NODE_IMAGE=${nodeImage}`,
        '-t',
        tag,
        '--progress',
        'quiet',
        path.join(floor.dir, 'app'),
      ]);
    process.stderr.write('starting both projects…\n');
    await build();
    await docker([...composeArgs(floor), 'up', '-d', '--no-build', 'web', 'worker']);
    await waitUntilServed(floor.port, `initial ${floor.name}`, { timeoutMs: SERVED_TIMEOUT_MS });
    const watch = LineProcess.start(process.execPath, [CLI, '-p', ds.name, 'watch', '--json', '--no-logs'], { cwd: ds.dir });
    ledger.addChild(watch.child);
    await lineArrived(watch, 0, (event) => event['type'] === 'idle');
    await waitUntilServed(ds.port, `initial ${ds.name}`, { timeoutMs: SERVED_TIMEOUT_MS });

    const byHand = async (round: number, services: readonly string[]): Promise<Sample> => {
      const text = `${services.length === 1 ? 'alone' : 'both'} ${round} ${prefix}`;
      const t0 = performance.now();
      await writeFile(floor.messageFile, message(text));
      await build();
      const served = waitUntilServed(floor.port, text, { timeoutMs: SERVED_TIMEOUT_MS });
      await docker([...composeArgs(floor), 'up', '-d', '--no-deps', '--no-build', ...services]);
      const composeDone = performance.now();
      const webServed = await served;
      return { webServed: webServed - t0, allReady: Math.max(webServed, composeDone) - t0 };
    };
    const withDockstage = async (round: number): Promise<Sample> => {
      const text = `dockstage ${round} ${prefix}`;
      const from = watch.lines.length;
      const t0 = performance.now();
      await writeFile(ds.messageFile, message(text));
      const workerReady = (async () => {
        const replaced = await lineArrived(watch, from, (event) => event['type'] === 'replaced' && event['service'] === 'worker');
        return Math.max(replaced, await lineArrived(watch, from, (event) => event['type'] === 'ready' && event['service'] === 'worker'));
      })();
      const webServed = await waitUntilServed(ds.port, text, { timeoutMs: SERVED_TIMEOUT_MS });
      const workerAt = await workerReady;
      await lineArrived(watch, from, (event) => event['type'] === 'idle');
      return { webServed: webServed - t0, allReady: Math.max(webServed, workerAt) - t0 };
    };
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`round ${round} of ${rounds}…\n`);
      samples.floor1.push(await byHand(round, ['web']));
      samples.floor2.push(await byHand(round, ['web', 'worker']));
      samples.dockstage.push(await withDockstage(round));
    }
  } finally {
    await cleanUp();
  }

  const p50 = (values: readonly Sample[], key: keyof Sample) =>
    percentile(
      values.map((s) => s[key]),
      50,
    )!;
  const p95 = (values: readonly Sample[], key: keyof Sample) =>
    percentile(
      values.map((s) => s[key]),
      95,
    )!;
  const floor1 = p50(samples.floor1, 'webServed');
  const floor2 = p50(samples.floor2, 'allReady');
  const ratio = (value: number, floor: number, name: string) => `${(value / floor).toFixed(2)}× ${name}`;
  const row = (label: string, measured: string, values: readonly Sample[], key: keyof Sample, compared: string): string[] => [
    label,
    measured,
    p50(values, key).toFixed(0),
    p95(values, key).toFixed(0),
    compared,
  ];
  const table = markdownTable(
    ['row', 'measured', 'p50 ms', 'p95 ms', 'p50 ratio'],
    [
      row(
        'floor 1: buildx build + compose up -d --no-deps web',
        'web served',
        samples.floor1,
        'webServed',
        ratio(floor1, floor1, 'floor 1'),
      ),
      row(
        'floor 2: buildx build + compose up -d --no-deps web worker',
        'web served',
        samples.floor2,
        'webServed',
        ratio(p50(samples.floor2, 'webServed'), floor1, 'floor 1'),
      ),
      row(
        'floor 2: buildx build + compose up -d --no-deps web worker',
        'every service ready',
        samples.floor2,
        'allReady',
        ratio(floor2, floor2, 'floor 2'),
      ),
      row(
        'dockstage watch (web served first)',
        'web served',
        samples.dockstage,
        'webServed',
        ratio(p50(samples.dockstage, 'webServed'), floor1, 'floor 1'),
      ),
      row(
        'dockstage watch (web served first)',
        'every service ready',
        samples.dockstage,
        'allReady',
        ratio(p50(samples.dockstage, 'allReady'), floor2, 'floor 2'),
      ),
    ],
  );
  const engine = (await docker(['version', '--format', '{{.Server.Version}}']).catch(() => '?')).trim();
  const load = `load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end`;
  console.log(
    `${table}\n\n${rounds} edits per row; ratios on p50; engine ${engine}, ${os.cpus().length} CPUs, ${load}; run took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return 0;
}

process.exitCode = await main();
