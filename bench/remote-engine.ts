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
 * (from sshd's log); then, for `x-dockstage.remote.bind_mounts: sync`, the full copy a new container gets
 * against `docker cp` of the same tree over ssh://, and an edit → copied against the in-place write.
 * Environment: NODE_IMAGE (default dockstage-base/node:20),
 * BENCH_EDITS (default 5), BENCH_RUNS (one-shot commands, default 5), BENCH_ROWS=bind-mounts (those rows only).
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
    const cli = (args: string[], env: NodeJS.ProcessEnv) =>
      run(process.execPath, [CLI, '-p', project, ...args], { cwd: dir, env: { ...process.env, ...env } });
    const rows: Row[] = [];
    let version = 0;
    let message = 0;
    const served = (text: string) => waitUntilServed(port, text, { timeoutMs: 60_000 });
    const current = () => `v${message} 1.0.${version}`;

    const logins = { status: 0, up: 0, watch: 0 };
    // BENCH_ROWS=bind-mounts measures the bind-mount rows alone.
    if (process.env['BENCH_ROWS'] !== 'bind-mounts') {
      process.stderr.write('first up (local)…\n');
      await cli(['up'], local);
      await served(current());

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

      const sync: Row = {
        name: `watch: live sync edit → served (reload: none), p50 of ${EDITS - 1}`,
        baseline: "docker CLI's in-place write over ssh://, edit → served",
      };
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
          const child = spawn('docker', ['exec', '-i', container, 'sh', '-c', 'cat > /app/src/message.js'], {
            env: dockerOverSsh,
            stdio: ['pipe', 'ignore', 'inherit'],
          });
          child.once('error', reject);
          child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker exec exited ${code}`))));
          child.stdin.end(`module.exports = 'v${message}';\n`);
        });
        writes.push((await served(current())) - started);
      }
      sync.baselineMs = percentile(writes, 50);
      rows.push(first, sync, rebuild);
    }

    rows.push(...(await bindMountRows(rig, dockerOverSsh)));

    const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
    process.stdout.write(
      `${markdownTable(
        ['row', 'local ms', 'ssh:// ms', 'ssh / local', 'baseline', 'baseline ms', 'ssh / baseline'],
        rows.map((row) => [
          row.name,
          ms(row.local),
          ms(row.remote),
          ratio(row.remote, row.local),
          row.baseline ?? '',
          ms(row.baselineMs),
          ratio(row.remote, row.baselineMs),
        ]),
      )}\n\nssh logins per run: status ${logins.status}, up ${logins.up}, watch ${logins.watch} · load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
  } finally {
    await removeProject(project, dir);
    await rm(bin, { recursive: true, force: true });
    await rig.stop();
  }
}

/**
 * `x-dockstage.remote.bind_mounts: sync` over the same ssh:// (issue 16 §4): the full copy a new container gets (from
 * the `bind-synced` event's durationMs; the marker and the folder are removed in the container before each run) against
 * `docker cp` of the same tree over ssh://, and an edit → copied into the target against the docker CLI's in-place
 * write. A local engine sees the files, so these rows have no local column.
 */
async function bindMountRows(rig: SshRig, dockerOverSsh: NodeJS.ProcessEnv): Promise<Row[]> {
  const project = `dsbbind-${process.pid}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-bench-bind-'));
  const remote = rig.env();
  const files: Record<string, string> = {
    'compose.yaml': `x-dockstage:\n  remote:\n    bind_mounts: sync\n  watch:\n    reload:\n      app: none\nservices:\n  app:\n    image: busybox:latest\n    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"]\n    volumes: ["./tree:/app/tree"]\n`,
  };
  const TREE_FILES = 200;
  for (let i = 0; i < TREE_FILES; i++) files[`tree/d${i % 10}/f${i}.txt`] = `${'x'.repeat(4000)} ${i}\n`;
  await writeFiles(dir, files);
  const cli = (args: string[]) => run(process.execPath, [CLI, '-p', project, ...args], { cwd: dir, env: { ...process.env, ...remote } });
  try {
    process.stderr.write('bind mounts: up…\n');
    await cli(['up']);
    const { stdout } = await run('docker', ['compose', '-p', project, 'ps', '-q', 'app'], { cwd: dir });
    const container = stdout.trim();
    const reset = () => run('docker', ['exec', container, 'sh', '-c', 'rm -rf /app/tree /.dockstage-bind-*']);
    const full: Row = {
      name: `bind mounts (sync): full copy of ${TREE_FILES} files, 0.8 MB`,
      baseline: 'docker cp of the same tree over ssh://',
    };
    const edit: Row = { name: 'bind mounts (sync): edit → in the container, p50', baseline: "docker CLI's in-place write over ssh://" };
    const copies: number[] = [];
    const edits: number[] = [];
    for (let i = 0; i < Math.max(2, Math.floor(RUNS / 2)); i++) {
      await reset();
      const watch = startWatch(['-p', project], { cwd: dir, env: remote });
      try {
        const copied = await watch.next((l) => l.type === 'bind-synced' && l['full'] === true, {
          timeoutMs: 120_000,
          message: 'the full copy',
        });
        copies.push(copied['durationMs'] as number);
        await watch.next((l) => l.type === 'idle', { timeoutMs: 60_000 });
        for (let e = 0; e < EDITS; e++) {
          const from = watch.lines.length;
          const started = performance.now();
          await writeFile(path.join(dir, 'tree/d0/f0.txt'), `edit ${i}.${e}\n`);
          await watch.next((l) => l.type === 'bind-synced' && l['full'] === false, { from, timeoutMs: 30_000 });
          edits.push(performance.now() - started);
        }
      } finally {
        await watch.stop();
      }
    }
    full.remote = percentile(copies, 50);
    edit.remote = percentile(edits, 50);
    process.stderr.write('bind mounts: docker cp / docker exec over ssh://…\n');
    full.baselineMs = await median(Math.max(2, Math.floor(RUNS / 2)), async () => {
      await reset();
      await run('docker', ['cp', path.join(dir, 'tree'), `${container}:/app/tree`], { env: dockerOverSsh });
    });
    edit.baselineMs = await median(EDITS, async () => {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('docker', ['exec', '-i', container, 'sh', '-c', 'cat > /app/tree/d0/f0.txt'], {
          env: dockerOverSsh,
          stdio: ['pipe', 'ignore', 'inherit'],
        });
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker exec exited ${code}`))));
        child.stdin.end('edit\n');
      });
    });
    return [full, edit];
  } finally {
    await removeProject(project, dir);
  }
}

await main();
