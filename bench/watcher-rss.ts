/**
 * What watching a large build context costs, per FileWatcher adapter: memory
 * (RSS added by the watcher once it is ready, and at its peak), time to ready,
 * and the latency from a write to its event.
 *
 *   node --import tsx bench/watcher-rss.ts           # 1,000 folders × 100 files
 *   BENCH_FOLDERS=200 BENCH_ADAPTERS=node-fs node --import tsx bench/watcher-rss.ts
 *
 * The tree is generated once in a temp dir; each adapter is measured in a
 * fresh child process (`--expose-gc`, so the numbers are not the previous
 * adapter's garbage). Target: at most 150 MB of watcher RSS at 100,000 files.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createChokidarWatcher } from '../src/adapters/file-watching/chokidar-watcher.js';
import { createNodeFsWatcher } from '../src/adapters/file-watching/node-fs-watcher.js';
import type { FileWatcher } from '../src/ports/file-watcher.js';

const ADAPTERS: Readonly<Record<string, () => FileWatcher>> = { 'node-fs': createNodeFsWatcher, chokidar: createChokidarWatcher };
const FOLDERS = Number(process.env['BENCH_FOLDERS'] ?? 1000);
const FILES_PER_FOLDER = 100;
const EDITS = 20;
const TARGET_MB = 150;
const MB = 1024 * 1024;

interface Measurement {
  readonly adapter: string;
  readonly files: number;
  readonly watched: number;
  readonly readyMs: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly heapMb: number;
  readonly latencyMs: readonly number[];
  readonly lost: number;
  readonly errors: number;
}

const folderName = (i: number): string => `d${String(i).padStart(4, '0')}`;
const fileName = (i: number): string => `f${String(i).padStart(3, '0')}.txt`;

/** Child mode: watch `dir` with one adapter and print one Measurement as JSON. */
async function measure(adapter: string, dir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const create = ADAPTERS[adapter];
  if (create === undefined) throw new Error(`unknown adapter ${adapter}; known: ${Object.keys(ADAPTERS).join(', ')}`);
  gc();
  const before = process.memoryUsage();
  const waiting = new Map<string, () => void>();
  let errors = 0;
  const started = performance.now();
  const session = create().watch(
    [{ path: dir, ignored: () => false }],
    (change) => waiting.get(change.path)?.(),
    () => errors++,
  );
  await session.ready;
  const readyMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const peakRss = process.resourceUsage().maxRSS * 1024;

  const latencyMs: number[] = [];
  let lost = 0;
  for (let i = 0; i < EDITS; i++) {
    const file = path.join(dir, folderName((i * 37) % FOLDERS), fileName((i * 11) % FILES_PER_FOLDER));
    const seen = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      waiting.set(file, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    const written = performance.now();
    await writeFile(file, `edit ${i}\n`);
    if (await seen) latencyMs.push(performance.now() - written);
    else lost++;
    waiting.delete(file);
  }
  const watched = session.watchedCount();
  await session.close();
  const result: Measurement = {
    adapter,
    files: FOLDERS * FILES_PER_FOLDER,
    watched,
    readyMs,
    rssMb: (after.rss - before.rss) / MB,
    peakRssMb: (peakRss - before.rss) / MB,
    heapMb: (after.heapUsed - before.heapUsed) / MB,
    latencyMs,
    lost,
    errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-watch-bench-'));
  try {
    const generating = performance.now();
    for (let d = 0; d < FOLDERS; d++) {
      const folder = path.join(dir, folderName(d));
      mkdirSync(folder);
      for (let f = 0; f < FILES_PER_FOLDER; f++) writeFileSync(path.join(folder, fileName(f)), `file ${d}/${f}\n`);
    }
    process.stderr.write(`generated ${FOLDERS * FILES_PER_FOLDER} files in ${((performance.now() - generating) / 1000).toFixed(1)} s\n`);
    const script = fileURLToPath(import.meta.url);
    const rows: Measurement[] = [];
    for (const adapter of (process.env['BENCH_ADAPTERS'] ?? Object.keys(ADAPTERS).join(',')).split(',')) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', script, '--measure', adapter, dir],
        {
          maxBuffer: 16 * MB,
        },
      );
      rows.push(JSON.parse(stdout) as Measurement);
    }
    const lines = [
      `Watching ${FOLDERS.toLocaleString('en')} folders × ${FILES_PER_FOLDER} files (${(FOLDERS * FILES_PER_FOLDER).toLocaleString('en')} files); target: watcher RSS ≤ ${TARGET_MB} MB`,
      '',
      '| adapter | watched entries | ready | RSS after ready | peak RSS | JS heap | write → event p50 | p90 | lost edits | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows
        .map((r) =>
          [
            r.adapter,
            r.watched.toLocaleString('en'),
            `${(r.readyMs / 1000).toFixed(2)} s`,
            `${r.rssMb.toFixed(0)} MB${r.rssMb <= TARGET_MB ? '' : ' ✗'}`,
            `${r.peakRssMb.toFixed(0)} MB`,
            `${r.heapMb.toFixed(0)} MB`,
            `${percentile(r.latencyMs, 50).toFixed(1)} ms`,
            `${percentile(r.latencyMs, 90).toFixed(1)} ms`,
            `${r.lost}/${EDITS}`,
            String(r.errors),
          ].join(' | '),
        )
        .map((row) => `| ${row} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') await measure(process.argv[3]!, process.argv[4]!);
else await main();
