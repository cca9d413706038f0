/**
 * The watch-loop benchmark (issues 6 and 9), on the real engine, every row
 * measured in the same run against its floor:
 *
 *   npm run bench:watch        # or: node --import tsx bench/watch-loop.ts (after npm run build)
 *
 * Environment: NODE_IMAGE (default the seeded dockstage-base/node:20),
 * BENCH_EDITS (edits per row, default 5), BENCH_PLAN_ROUNDS (default 20),
 * BENCH_SKIP (comma-separated steps to leave out, for a quick look: rebuild-floor,
 * compose-watch, compose-up, dockstage, live-rebuild-floor, page-rebuild-floor,
 * sync-floor, dockstage-sync, slow-rebuild-floor; a ratio to a skipped floor is left blank),
 * DOCKSTAGE_CLI (another built CLI than dist/cli/main.js).
 *
 * Rebuild rows edit api's `src/message.js` (api's develop stage runs a check after
 * `COPY src/`, so the edit needs a rebuild); sync rows edit live (last
 * instruction `COPY src/`, `node --watch`), page (the same, but the app reads
 * the file on every request) and slow (a build over 3 s).
 * "Served" is the first HTTP answer carrying the new message (polled every 10 ms).
 * Everything the run creates is named `dsb-<random>…` and removed at the end,
 * on failure and on Ctrl-C (see support/docker-ledger.ts).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurePlanBatch, type PlanBatchTimings } from './plan-batch.js';
import { composeUpRow, composeWatchRow, joinRows, rebuildFloorRow, syncFloorRows } from './support/baseline-rows.js';
import { docker, DockerLedger } from './support/docker-ledger.js';
import { dockstageRebuildRows, dockstageSyncRows } from './support/dockstage-rows.js';
import { watchSupport } from './support/dockstage-watch.js';
import type { BenchContext, RowResult } from './support/row.js';
import { watchReport } from './support/watch-report.js';
import { createWatchFixture, fixtureService, removeWatchFixture, type WatchFixture } from './watch-fixture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = process.env['DOCKSTAGE_CLI'] ?? path.join(ROOT, 'dist', 'cli', 'main.js');

async function main(): Promise<number> {
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const edits = Number(process.env['BENCH_EDITS'] ?? 5);
  const nodeImage = process.env['NODE_IMAGE'] ?? 'dockstage-base/node:20';
  const prefix = `dsb-${randomBytes(3).toString('hex')}`;
  const ledger = new DockerLedger(prefix);
  let fixture: WatchFixture | undefined;
  const cleanUp = async () => {
    const problems = await ledger.cleanup();
    if (fixture !== undefined) await removeWatchFixture(fixture);
    for (const problem of problems) process.stderr.write(`cleanup: ${problem}\n`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: removing what this run created…\n`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: RowResult[] = [];
  let plan: PlanBatchTimings | undefined;
  try {
    plan = measurePlanBatch({ services: 30, files: 20_000 }, Number(process.env['BENCH_PLAN_ROUNDS'] ?? 20));
    fixture = await createWatchFixture({ nodeImage, token: prefix });
    const bench: BenchContext = { fixture, ledger, edits, cli: CLI, support: await watchSupport(CLI), servedTimeoutMs: 60_000 };
    const api = fixtureService(fixture, 'api');
    const live = fixtureService(fixture, 'live');
    const page = fixtureService(fixture, 'page');
    const slow = fixtureService(fixture, 'slow');
    const skip = new Set((process.env['BENCH_SKIP'] ?? '').split(',').map((name) => name.trim()));
    const step = async (name: string, key: string, row: () => Promise<RowResult | RowResult[]>) => {
      if (skip.has(key)) return;
      process.stderr.write(`${name}…\n`);
      try {
        rows.push(...[await row()].flat());
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        process.stderr.write(`  failed: ${message}\n`);
        rows.push({ key, label: name, service: '—', samples: [], missing: `failed: ${message}` });
      }
    };
    const apiFloor = (part: 'before' | 'after') => () =>
      rebuildFloorRow(bench, api, 'rebuild-floor', 'floor: buildx build + docker run', { part });
    const liveFloor = (part: 'before' | 'after') => () =>
      rebuildFloorRow(bench, live, 'live-rebuild-floor', 'floor: buildx build + docker run', { part });
    const pageFloor = (part: 'before' | 'after') => () =>
      rebuildFloorRow(bench, page, 'page-rebuild-floor', 'floor: buildx build + docker run', { part });
    const slowFloor = (part: 'before' | 'after') => () =>
      rebuildFloorRow(bench, slow, 'slow-rebuild-floor', 'floor: buildx build --no-cache + docker run', { part });
    // Each floor runs half its edits before the rows compared with it and half after.
    await step('rebuild floor, first half', 'rebuild-floor', apiFloor('before'));
    await step('docker compose watch', 'compose-watch', () => composeWatchRow(bench, api));
    await step('docker compose up -d --build', 'compose-up', () => composeUpRow(bench, api));
    await step('dockstage watch', 'dockstage', () => dockstageRebuildRows(bench, api));
    await step('rebuild floor, second half', 'rebuild-floor', apiFloor('after'));
    await step('rebuild floor (live), first half', 'live-rebuild-floor', liveFloor('before'));
    await step('rebuild floor (page), first half', 'page-rebuild-floor', pageFloor('before'));
    await step('rebuild floor (slow), first half', 'slow-rebuild-floor', slowFloor('before'));
    await step('sync and restart floors', 'sync-floor', () => syncFloorRows(bench, live, page, slow));
    await step('dockstage watch with sync', 'dockstage-sync', () => dockstageSyncRows(bench, live, page, slow));
    await step('rebuild floor (live), second half', 'live-rebuild-floor', liveFloor('after'));
    await step('rebuild floor (page), second half', 'page-rebuild-floor', pageFloor('after'));
    await step('rebuild floor (slow), second half', 'slow-rebuild-floor', slowFloor('after'));
  } finally {
    await cleanUp();
  }
  const order = [
    'rebuild-floor',
    'compose-watch',
    'compose-up',
    'dockstage-rebuild',
    'live-rebuild-floor',
    'sync-floor',
    'dockstage-sync-none',
    'dockstage-sync-restart',
    'page-rebuild-floor',
    'page-sync-floor',
    'dockstage-page-none',
    'slow-rebuild-floor',
    'slow-restart-floor',
    'dockstage-slow-restart',
  ];
  const sorted = joinRows(rows).sort((a, b) => rank(order, a.key) - rank(order, b.key));
  const engine = (await docker(['version', '--format', '{{.Server.Version}}']).catch(() => '?')).trim();
  const load = `load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end`;
  const footer = `${edits} edits per row; ratios on p50; engine ${engine}, ${os.cpus().length} CPUs, ${load}; run took ${((performance.now() - started) / 1000).toFixed(0)} s`;
  console.log(watchReport(sorted, plan, footer));
  // Baseline rows must work; dockstage rows may be "not available" while the features are being built.
  return rows.some((row) => row.missing?.startsWith('failed') === true && !row.key.startsWith('dockstage')) ? 1 : 0;
}

function rank(order: readonly string[], key: string): number {
  const index = order.indexOf(key);
  return index === -1 ? order.length : index;
}

process.exitCode = await main();
