/**
 * The watch-loop benchmark's output: one markdown table (p50/p95 per row, each
 * row's ratio to its floors on p50, images and builds per edit) and the issues'
 * targets, each met, missed or not measurable yet.
 */
import type { PlanBatchTimings } from '../plan-batch.js';
import type { RowResult } from './row.js';
import { markdownTable, percentile } from './stats.js';

/** Which floors each row is compared with (keys of other rows), in the order the ratio column shows them. */
const FLOORS: Readonly<Record<string, readonly string[]>> = {
  'rebuild-floor': ['rebuild-floor'],
  'compose-watch': ['rebuild-floor'],
  'compose-up': ['rebuild-floor'],
  'dockstage-rebuild': ['rebuild-floor', 'compose-watch'],
  'live-rebuild-floor': ['live-rebuild-floor'],
  'sync-floor': ['sync-floor', 'live-rebuild-floor'],
  'dockstage-sync-none': ['sync-floor', 'live-rebuild-floor'],
  'dockstage-sync-restart': ['live-rebuild-floor'],
  'page-rebuild-floor': ['page-rebuild-floor'],
  'page-sync-floor': ['page-sync-floor', 'page-rebuild-floor'],
  'dockstage-page-none': ['page-sync-floor', 'page-rebuild-floor'],
  'slow-rebuild-floor': ['slow-rebuild-floor'],
  'slow-restart-floor': ['slow-rebuild-floor'],
  'dockstage-slow-restart': ['slow-rebuild-floor'],
};

const FLOOR_NAMES: Readonly<Record<string, string>> = {
  'rebuild-floor': 'rebuild floor',
  'compose-watch': 'compose watch',
  'live-rebuild-floor': 'rebuild floor',
  'sync-floor': 'sync floor',
  'page-rebuild-floor': 'rebuild floor',
  'page-sync-floor': 'sync floor',
  'slow-rebuild-floor': 'rebuild floor',
};

/** The table, then the targets, then a line about the run. */
export function watchReport(rows: readonly RowResult[], plan: PlanBatchTimings | undefined, footer: string): string {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const p50 = (key: string) => {
    const row = byKey.get(key);
    return row === undefined
      ? undefined
      : percentile(
          row.samples.map((s) => s.ms),
          50,
        );
  };
  const ratio = (key: string, floor: string) => {
    const ours = p50(key);
    const base = p50(floor);
    return ours === undefined || base === undefined ? undefined : ours / base;
  };
  const body = rows.map((row) => {
    const ms = row.samples.map((s) => s.ms);
    if (row.missing !== undefined) return [row.label, row.service, '—', '—', '—', '—', '—', row.missing];
    const ratios = (FLOORS[row.key] ?? [])
      .map((floor) => {
        const value = ratio(row.key, floor);
        return value === undefined ? undefined : `${value.toFixed(2)}× ${FLOOR_NAMES[floor]}`;
      })
      .filter((text) => text !== undefined);
    return [
      row.label,
      row.service,
      fixed(percentile(ms, 50), 0),
      fixed(percentile(ms, 95), 0),
      ratios.join(', '),
      perEdit(row.samples.map((s) => s.newImages)),
      perEdit(row.samples.map((s) => s.builds)),
      [row.note, needless(row)].filter((n) => n !== undefined && n !== '').join('; '),
    ];
  });
  if (plan !== undefined) {
    body.push([
      'planForChanges, 20,000 changed files',
      '30 services',
      fixed(percentile(plan.allFiles, 50), 1),
      fixed(percentile(plan.allFiles, 95), 1),
      '—',
      '—',
      '—',
      `${plan.rebuilt} services to rebuild; ${plan.allFiles.length} rounds`,
    ]);
    body.push([
      'planForChanges, 1 changed file',
      '30 services',
      fixed(percentile(plan.oneFile, 50), 2),
      fixed(percentile(plan.oneFile, 95), 2),
      '—',
      '—',
      '—',
      '20,000-file project',
    ]);
  }
  const table = markdownTable(['loop', 'edited', 'p50 ms', 'p95 ms', 'p50 ratio', 'images/edit', 'builds/edit', 'notes'], body);

  const verdict = (value: number | undefined, limit: number, missing: string | undefined) =>
    missing !== undefined
      ? missing.split(':')[0]!
      : value === undefined
        ? 'not measured'
        : `${value.toFixed(2)}× → ${value <= limit ? 'met' : 'MISSED'}`;
  const ds = byKey.get('dockstage-rebuild');
  const none = byKey.get('dockstage-sync-none');
  const page = byKey.get('dockstage-page-none');
  const slow = byKey.get('dockstage-slow-restart');
  const liveRestart = byKey.get('dockstage-sync-restart');
  const needlessBuilds =
    ds === undefined || ds.missing !== undefined
      ? undefined
      : ds.samples.some((s) => (s.builds ?? 0) > 1 || s.newImages > 1 || s.builtServices.some((n) => n !== ds.service));
  const targets = [
    `- dockstage watch ≤ 1.2× rebuild floor: ${verdict(ratio('dockstage-rebuild', 'rebuild-floor'), 1.2, ds?.missing)}`,
    `- dockstage watch ≤ 0.5× compose watch: ${verdict(ratio('dockstage-rebuild', 'compose-watch'), 0.5, ds?.missing)}`,
    `- dockstage watch, zero needless rebuilds: ${ds?.missing !== undefined ? ds?.missing.split(':')[0] : needlessBuilds === undefined ? 'not measured' : needlessBuilds ? 'MISSED' : 'met'}`,
    `- reload: none, node --watch (live) ≤ 1.0× sync floor: ${verdict(ratio('dockstage-sync-none', 'sync-floor'), 1.0, none?.missing)}`,
    `- reload: none, node --watch (live) ≤ 0.5× rebuild floor: ${verdict(ratio('dockstage-sync-none', 'live-rebuild-floor'), 0.5, none?.missing)}`,
    `- reload: none, app reads the file per request (page) ≤ 1.0× its sync floor: ${verdict(ratio('dockstage-page-none', 'page-sync-floor'), 1.0, page?.missing)}`,
    `- reload: none, app reads the file per request (page) ≤ 0.5× its rebuild floor: ${verdict(ratio('dockstage-page-none', 'page-rebuild-floor'), 0.5, page?.missing)}`,
    `- restart, slow build (≥ 3 s) ≤ 0.5× its rebuild floor: ${verdict(ratio('dockstage-slow-restart', 'slow-rebuild-floor'), 0.5, slow?.missing)}`,
    `- restart, tiny service (reported, no target): ${liveRestart?.missing?.split(':')[0] ?? reported(ratio('dockstage-sync-restart', 'live-rebuild-floor'))}`,
    `- planning one batch ≤ 10 ms (30 services, 20,000 files): ${plan === undefined ? 'not measured' : `${fixed(percentile(plan.allFiles, 50), 1)} ms for all 20,000 files, ${fixed(percentile(plan.oneFile, 50), 2)} ms for one → ${percentile(plan.allFiles, 50)! <= 10 ? 'met' : 'MISSED for the 20,000-file batch'}`}`,
  ];
  return `${table}\n\nTargets (issues 6 and 9):\n${targets.join('\n')}\n\n${footer}`;
}

function reported(value: number | undefined): string {
  return value === undefined ? 'not measured' : `${value.toFixed(2)}× rebuild floor`;
}

function needless(row: RowResult): string | undefined {
  const others = [...new Set(row.samples.flatMap((s) => s.builtServices))].filter((name) => name !== row.service).sort();
  return others.length === 0 ? undefined : `also built: ${others.join(', ')}`;
}

function perEdit(values: readonly (number | undefined)[]): string {
  if (values.length === 0 || values.some((v) => v === undefined)) return '—';
  const numbers = values as number[];
  const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
  return Number.isInteger(mean) ? String(mean) : mean.toFixed(1);
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '—' : value.toFixed(digits);
}
