/**
 * Checks in the loop (issue 15), on a copy of examples/node-web, real engine, one run:
 *
 * 1. edit of a test file → the check's result in `watch --json` (`check-done`), against running
 *    `docker buildx build --target test` by hand after the same kind of edit (the baseline);
 * 2. edit → served (web `ready` after the sync or replacement) with checks on, against the same with `--no-checks`:
 *    checks must not get in the way.
 *
 *   npm run build && node --import tsx bench/checks.ts [ROUNDS]
 *
 * Builds run on the host network (compose `build.network: host`, and `--network host` for the baseline): this machine
 * sometimes loses docker0 to another engine's tests, and RUN steps on the default bridge fail then.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const PROJECT = `dsbenchchk${process.pid}`;
const ROUNDS = Number(process.argv[2] ?? process.env['BENCH_ROUNDS'] ?? 3);
const NODE_IMAGE = process.env['NODE_IMAGE'] ?? 'dockstage-base/node:20';
const env: NodeJS.ProcessEnv = { ...process.env, NODE_IMAGE, WEB_PORT: '0', NO_COLOR: '1' };

type Line = { type: string } & Record<string, unknown>;

/** `watch --json` as a process, its lines collected with the time each arrived. */
function watch(dir: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, '-p', PROJECT, 'watch', '--json', ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { at: number; line: Line }[] = [];
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (text.trim() !== '') lines.push({ at: performance.now(), line: JSON.parse(text) as Line });
    }
  });
  child.stderr.resume();
  const next = async (from: number, predicate: (line: Line) => boolean, timeoutMs = 300_000): Promise<{ at: number; line: Line }> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = lines.slice(from).find((entry) => predicate(entry.line));
      if (found !== undefined) return found;
      if (performance.now() > deadline || child.exitCode !== null)
        throw new Error(`no such event; got ${lines.map((l) => l.line.type).join(' ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { lines, next, stop };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-bench-checks-'));
  await cp(path.join(ROOT, 'examples', 'node-web'), dir, { recursive: true, filter: (source) => !source.includes('.dockstage') });
  const composeFile = path.join(dir, 'compose.yaml');
  await writeFile(
    composeFile,
    (await readFile(composeFile, 'utf8')).replaceAll('      context: ./web\n', '      context: ./web\n      network: host\n'),
  );
  const testFile = path.join(dir, 'web/test/format.test.js');
  const srcFile = path.join(dir, 'web/src/shared/format.js');
  const testText = await readFile(testFile, 'utf8');
  const srcText = await readFile(srcFile, 'utf8');
  const checkResult: number[] = [];
  const byHand: number[] = [];
  const servedOn: number[] = [];
  const servedOff: number[] = [];
  const settle = async (w: ReturnType<typeof watch>, from: number, checks: boolean) => {
    await w.next(from, (l) => l.type === 'idle');
    if (checks) await w.next(from, (l) => l.type === 'check-done' && l['service'] === 'web');
  };
  try {
    // Checks on.
    let w = watch(dir, []);
    await w.next(0, (l) => l.type === 'check-done' && l['service'] === 'web');
    for (let round = 0; round < ROUNDS; round++) {
      let from = w.lines.length;
      const edited = performance.now();
      await writeFile(testFile, `${testText}// check round ${round} ${Date.now()}\n`);
      const done = await w.next(from, (l) => l.type === 'check-done' && l['service'] === 'web');
      if (done.line['passed'] !== true) throw new Error(`the check failed: ${JSON.stringify(done.line['error'])}`);
      checkResult.push(done.at - edited);
      from = w.lines.length;
      const saved = performance.now();
      await writeFile(srcFile, `${srcText}// served round ${round} ${Date.now()}\n`);
      servedOn.push((await w.next(from, (l) => l.type === 'ready' && l['service'] === 'web')).at - saved);
      await settle(w, from, true);
    }
    await w.stop();

    // Checks off; the baseline runs here, so nothing else builds meanwhile.
    w = watch(dir, ['--no-checks']);
    await w.next(0, (l) => l.type === 'idle');
    for (let round = 0; round < ROUNDS; round++) {
      let from = w.lines.length;
      const saved = performance.now();
      await writeFile(srcFile, `${srcText}// served off round ${round} ${Date.now()}\n`);
      servedOff.push((await w.next(from, (l) => l.type === 'ready' && l['service'] === 'web')).at - saved);
      await settle(w, from, false);
      from = w.lines.length;
      const edited = performance.now();
      await writeFile(testFile, `${testText}// by hand round ${round} ${Date.now()}\n`);
      await run(
        'docker',
        [
          'buildx',
          'build',
          '-q',
          '--network',
          'host',
          '--target',
          'test',
          '--build-arg',
          `NODE_IMAGE=${NODE_IMAGE}`,
          path.join(dir, 'web'),
        ],
        { env },
      );
      byHand.push(performance.now() - edited);
      await w.next(from, (l) => l.type === 'idle').catch(() => undefined);
    }
    await w.stop();
  } finally {
    await run(process.execPath, [CLI, '-p', PROJECT, 'down', '--rmi', 'local'], { cwd: dir, env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const rows: Array<[string, string, number, number, string]> = [
    ['edit → check result', 'docker buildx build --target test by hand', median(checkResult), median(byHand), '≤ 1.1×'],
    ['edit → served, checks on', 'the same with --no-checks', median(servedOn), median(servedOff), '≤ 1.05×'],
  ];
  console.log(`checks bench, p50 of ${ROUNDS} (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
  console.log('| row | baseline | dockstage ms | baseline ms | ratio | target |');
  console.log('|---|---|---|---|---|---|');
  for (const [row, baseline, ours, theirs, target] of rows)
    console.log(`| ${row} | ${baseline} | ${Math.round(ours)} | ${Math.round(theirs)} | ${(ours / theirs).toFixed(2)}× | ${target} |`);
  console.log(
    `raw: check ${checkResult.map(Math.round).join(' ')} · by hand ${byHand.map(Math.round).join(' ')} · served on ${servedOn.map(Math.round).join(' ')} · off ${servedOff.map(Math.round).join(' ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
