/**
 * Local engine vs the same engine over `ssh://` (issue 16), one run, side by
 * side on one project, through the test suite's own sshd on 127.0.0.1
 * (test/support/ssh-rig.ts), so the only difference is SSH itself:
 *
 *   npm run bench:remote        # or, after npm run build: node --import tsx bench/remote-engine.ts
 *
 * Rows: `status` (and `docker compose ps` over the same ssh://), `up` with
 * everything up to date, `watch` edit → served for a live-synced edit
 * (`reload: none`, `node --watch`; the first edit and the p50 of the later
 * ones) and for a rebuild (package.json), the docker CLI's own in-place write
 * over ssh:// (`docker exec -i … sh -c 'cat > F'`), and the ssh logins per run
 * (from sshd's log). Environment: NODE_IMAGE (default dockstage-base/node:20),
 * BENCH_EDITS (default 5), BENCH_RUNS (one-shot commands, default 5).
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureSshd, startSshRig, type SshRig } from '../test/support/ssh-rig.js';
import { writeFiles } from '../test/support/temp-project.js';
import { freePort, removeProject } from '../test/support/compose-project.js';
import { startWatch } from '../test/support/watch-process.js';
import { waitUntilServed } from './support/served.js';
import { markdownTable, percentile } from './support/stats.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const EDITS = Number(process.env['BENCH_EDITS'] ?? 5);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const NODE_IMAGE = process.env['NODE_IMAGE'] ?? 'dockstage-base/node:20';

const SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => res.end(require('./message.js') + ' ' + require('../package.json').version));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
CMD ["node", "--watch", "src/server.js"]
`;

interface Row {
  readonly name: string;
  local?: number;
  remote?: number;
  readonly baseline?: string;
  baselineMs?: number;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function median(times: number, action: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await timed(action));
  return percentile(samples, 50)!;
}

async function main(): Promise<void> {
  if (!ensureSshd()) {
    process.stderr.write('remote-engine bench skipped: no sshd (install openssh-server, or run as root to have it installed)\n');
    return;
  }
  const rig: SshRig = await startSshRig();
  const project = `dsbssh-${process.pid}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-bench-ssh-'));
  const bin = await mkdtemp(path.join(os.tmpdir(), 'dockstage-bench-ssh-bin-'));
  try {
    const port = await freePort();
    await writeFiles(dir, {
      'compose.yaml': `x-dockstage:\n  watch:\n    reload:\n      web: none\nservices:\n  web:\n    build:\n      context: ./app\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    init: true\n    ports: ["127.0.0.1:${port}:3000"]\n`,
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v0';\n",
    });
    // The docker CLI reads only ~/.ssh/config: an `ssh` first on PATH that adds the rig's config gives it the alias.
    await writeFile(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${rig.configFile}' "$@"\n`);
    await chmod(path.join(bin, 'ssh'), 0o755);
    const local = { NODE_IMAGE, DOCKER_HOST: '' };
    const remote = { ...rig.env(), NODE_IMAGE };
    const dockerOverSsh = { ...process.env, PATH: `${bin}:${process.env['PATH']}`, DOCKER_HOST: `ssh://${rig.host}`, SSH_AUTH_SOCK: '' };
    const cli = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [CLI, '-p', project, ...args], { cwd: dir, env: { ...process.env, ...env } });
    const rows: Row[] = [];
    let version = 0;
    let message = 0;
    const served = (text: string) => waitUntilServed(port, text, { timeoutMs: 60_000 });
    const current = () => `v${message} 1.0.${version}`;

    process.stderr.write('first up (local)…\n');
    await cli(['up'], local);
    await served(current());

    const logins = { status: 0, up: 0, watch: 0 };
    process.stderr.write('status…\n');
    const status: Row = { name: 'status', baseline: 'docker compose ps over the same ssh://' };
    status.local = await median(RUNS, () => cli(['status'], local));
    let before = rig.logins();
    status.remote = await median(RUNS, () => cli(['status'], remote));
    logins.status = (rig.logins() - before) / RUNS;
    status.baselineMs = await median(RUNS, () => run('docker', ['compose', '-p', project, 'ps'], { cwd: dir, env: dockerOverSsh }));
    rows.push(status);

    process.stderr.write('up (up to date)…\n');
    const up: Row = { name: 'up, all up to date' };
    up.local = await median(RUNS, () => cli(['up'], local));
    before = rig.logins();
    up.remote = await median(RUNS, () => cli(['up'], remote));
    logins.up = (rig.logins() - before) / RUNS;
    rows.push(up);

    const sync: Row = { name: `watch: live sync edit → served (reload: none), p50 of ${EDITS - 1}`, baseline: "docker CLI's in-place write over ssh://, edit → served" };
    const first: Row = { name: 'watch: first live-sync edit → served' };
    const rebuild: Row = { name: `watch: rebuild edit → served, p50 of ${Math.max(2, Math.floor(EDITS / 2))}` };
    for (const side of ['local', 'remote'] as const) {
      process.stderr.write(`watch (${side})…\n`);
      before = rig.logins();
      const watch = startWatch(['-p', project], { cwd: dir, env: side === 'local' ? local : remote });
      try {
        await watch.next((l) => l.type === 'idle', { message: 'the first idle' });
        const syncs: number[] = [];
        for (let i = 0; i < EDITS; i++) {
          message += 1;
          const from = watch.lines.length;
          const started = performance.now();
          await writeFile(path.join(dir, 'app/src/message.js'), `module.exports = 'v${message}';\n`);
          syncs.push((await served(current())) - started);
          await watch.next((l) => l.type === 'idle', { from });
        }
        first[side] = syncs[0];
        sync[side] = percentile(syncs.slice(1), 50);
        const rebuilds: number[] = [];
        for (let i = 0; i < Math.max(2, Math.floor(EDITS / 2)); i++) {
          version += 1;
          const from = watch.lines.length;
          const started = performance.now();
          await writeFile(path.join(dir, 'app/package.json'), `{"name":"app","version":"1.0.${version}"}\n`);
          rebuilds.push((await served(current())) - started);
          await watch.next((l) => l.type === 'idle', { from });
        }
        rebuild[side] = percentile(rebuilds, 50);
      } finally {
        await watch.stop();
      }
      if (side === 'remote') logins.watch = rig.logins() - before;
    }

    process.stderr.write('docker CLI in-place write over ssh://…\n');
    const { stdout } = await run('docker', ['compose', '-p', project, 'ps', '-q', 'web'], { cwd: dir });
    const container = stdout.trim();
    const writes: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      message += 1;
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn('docker', ['exec', '-i', container, 'sh', '-c', 'cat > /app/src/message.js'], { env: dockerOverSsh, stdio: ['pipe', 'ignore', 'inherit'] });
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker exec exited ${code}`))));
        child.stdin.end(`module.exports = 'v${message}';\n`);
      });
      writes.push((await served(current())) - started);
    }
    sync.baselineMs = percentile(writes, 50);
    rows.push(first, sync, rebuild);

    const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
    process.stdout.write(
      `${markdownTable(
        ['row', 'local ms', 'ssh:// ms', 'ssh / local', 'baseline', 'baseline ms', 'ssh / baseline'],
        rows.map((row) => [row.name, ms(row.local), ms(row.remote), ratio(row.remote, row.local), row.baseline ?? '', ms(row.baselineMs), ratio(row.remote, row.baselineMs)]),
      )}\n\nssh logins per run: status ${logins.status}, up ${logins.up}, watch ${logins.watch} · load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
    );
  } finally {
    await removeProject(project, dir);
    await rm(bin, { recursive: true, force: true });
    await rig.stop();
  }
}

await main();
