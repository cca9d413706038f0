/**
 * dockstage's rows: `dockstage up`, then `dockstage watch --json` started once
 * per configuration, each edit timed from the write to the new message served.
 * Until the CLI has `watch` (and, for the sync rows, live sync), each row says
 * "not available" instead of failing.
 *
 * What these rows read from `watch --json` (one JSON object per stdout line):
 * - `type`; a `ready` event before the first edit (else: services serving and
 *   3 s without output);
 * - `build-start` with `services` (string[]): builds per edit, and which;
 * - `build-done` / `build-failed`: to know no build is in flight when settling;
 * - `synced` with `service` (string): the sync rows check the edit was synced.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { currentMessage, writeSyncCompose, type FixtureService, type ReloadMode } from '../watch-fixture.js';
import { LineProcess } from './line-process.js';
import { buildsInFlight, eventServices, watchEvents } from './dockstage-watch.js';
import { composeDown, projectArgs, type ComposeTarget } from './compose.js';
import { measureEdits, quiet, type EditLoop } from './edits.js';
import { fetchBody } from './served.js';
import type { BenchContext, RowResult } from './row.js';

const run = promisify(execFile);

/** One row to measure inside a running `dockstage watch`. */
interface DockstageRowSpec {
  readonly key: string;
  readonly label: string;
  readonly service: FixtureService;
  /** The edit must show up as a `synced` event for the service. */
  readonly expectSync: boolean;
}

/** dockstage watch on `compose.yaml`, editing `service` (a rebuild). */
export async function dockstageRebuildRows(bench: BenchContext, service: FixtureService): Promise<RowResult[]> {
  const spec: DockstageRowSpec = { key: 'dockstage-rebuild', label: 'dockstage watch', service, expectSync: false };
  if (bench.support.watch !== undefined) return [unavailable(spec, bench.support.watch)];
  const project: ComposeTarget = { name: `${bench.ledger.prefix}-ds`, file: bench.fixture.composeFile, dir: bench.fixture.dir };
  return withWatch(
    bench,
    project,
    bench.fixture.services.filter((s) => s.composeFile === project.file),
    [spec],
  );
}

/**
 * dockstage watch on `compose.sync.yaml`, twice: with live on `reload: none` (rows: live none, page none, slow
 * restart), then live on `restart` (row: live restart).
 */
export async function dockstageSyncRows(
  bench: BenchContext,
  live: FixtureService,
  page: FixtureService,
  slow: FixtureService,
): Promise<RowResult[]> {
  const none: DockstageRowSpec = {
    key: 'dockstage-sync-none',
    label: 'dockstage watch, sync, reload: none',
    service: live,
    expectSync: true,
  };
  const pageNone: DockstageRowSpec = {
    key: 'dockstage-page-none',
    label: 'dockstage watch, sync, reload: none',
    service: page,
    expectSync: true,
  };
  const slowRestart: DockstageRowSpec = {
    key: 'dockstage-slow-restart',
    label: 'dockstage watch, sync, reload: restart',
    service: slow,
    expectSync: true,
  };
  const liveRestart: DockstageRowSpec = {
    key: 'dockstage-sync-restart',
    label: 'dockstage watch, sync, reload: restart',
    service: live,
    expectSync: true,
  };
  const reason = bench.support.watch ?? bench.support.sync;
  if (reason !== undefined) return [none, pageNone, liveRestart, slowRestart].map((spec) => unavailable(spec, reason));
  const project: ComposeTarget = { name: `${bench.ledger.prefix}-dssync`, file: bench.fixture.syncComposeFile, dir: bench.fixture.dir };
  const services = [live, page, slow];
  const reload = async (mode: ReloadMode) => writeSyncCompose(bench.fixture, { [live.name]: mode, [slow.name]: 'restart' });
  try {
    await reload('none');
    const first = await withWatch(bench, project, services, [none, pageNone, slowRestart], { keepProject: true });
    await reload('restart');
    const second = await withWatch(bench, project, services, [liveRestart]);
    return [...first, ...second];
  } finally {
    await reload('none');
  }
}

/** `dockstage up`, `watch --json` until every service serves, the rows' edits, then SIGINT (and `down` unless kept). */
async function withWatch(
  bench: BenchContext,
  project: ComposeTarget,
  services: readonly FixtureService[],
  specs: readonly DockstageRowSpec[],
  options: { keepProject?: boolean } = {},
): Promise<RowResult[]> {
  const { ledger } = bench;
  ledger.addProject({ name: project.name, files: [project.file], dir: project.dir });
  let watch: LineProcess | undefined;
  try {
    await run(process.execPath, [bench.cli, 'up', ...projectArgs(project)], {
      cwd: project.dir,
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    watch = LineProcess.start(process.execPath, [bench.cli, 'watch', '--json', ...projectArgs(project)], { cwd: project.dir });
    ledger.addChild(watch.child);
    const startNote = await waitUntilWatching(watch, services);
    const results: RowResult[] = [];
    for (const spec of specs) {
      try {
        const samples = await measureEdits(
          {
            service: spec.service,
            ledger,
            imagePrefix: project.name,
            count: bench.edits,
            label: spec.label,
            servedTimeoutMs: bench.servedTimeoutMs,
          },
          watchLoop(watch, spec.service),
        );
        const synced = samples.filter((s) => s.synced).length;
        const note = [startNote, spec.expectSync ? `synced ${synced}/${samples.length}` : undefined]
          .filter((n) => n !== undefined)
          .join('; ');
        results.push({ key: spec.key, label: spec.label, service: spec.service.name, samples, ...(note === '' ? {} : { note }) });
      } catch (error) {
        results.push({ key: spec.key, label: spec.label, service: spec.service.name, samples: [], missing: `failed: ${message(error)}` });
      }
    }
    return results;
  } catch (error) {
    return specs.map((spec) => ({
      key: spec.key,
      label: spec.label,
      service: spec.service.name,
      samples: [],
      missing: `failed: ${message(error)}`,
    }));
  } finally {
    await watch?.stop();
    if (options.keepProject !== true) await composeDown(project).catch(() => undefined);
  }
}

function watchLoop(watch: LineProcess, service: FixtureService): EditLoop {
  return {
    port: service.port,
    // Settled: no build in flight and no new line for 500 ms (a rebuild behind a sync counts as in flight).
    settle: () => quiet(() => (buildsInFlight(watchEvents(watch)) > 0 ? undefined : String(watch.lines.length)), 500),
    mark: () => watch.lines.length,
    report: (mark) => {
      const events = watchEvents(watch, mark);
      const builds = events.filter((e) => e.type === 'build-start');
      return {
        builds: builds.length,
        builtServices: [...new Set(builds.flatMap(eventServices))].sort(),
        synced: events.some((e) => e.type === 'synced' && eventServices(e).includes(service.name)),
      };
    },
  };
}

/** Waits until every service serves its current message and the loop said `ready` (or stayed quiet for 3 s). */
async function waitUntilWatching(watch: LineProcess, services: readonly FixtureService[]): Promise<string | undefined> {
  const deadline = performance.now() + 300_000;
  let lines = -1;
  let quietSince = performance.now();
  for (;;) {
    if (watch.exited !== undefined) throw new Error(`dockstage watch exited (${watch.exited}):\n${watch.tail(8)}`);
    if (watch.lines.length !== lines) {
      lines = watch.lines.length;
      quietSince = performance.now();
    }
    const events = watchEvents(watch);
    const serving = (await Promise.all(services.map(async (s) => (await fetchBody(s.port))?.trim() === (await currentMessage(s))))).every(
      Boolean,
    );
    if (serving && buildsInFlight(events) === 0) {
      if (events.some((e) => e.type === 'ready')) return undefined;
      if (performance.now() - quietSince > 3_000) return 'started without a ready event';
    }
    if (performance.now() > deadline) throw new Error(`dockstage watch did not serve every service within 300 s:\n${watch.tail(8)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function unavailable(spec: DockstageRowSpec, reason: string): RowResult {
  return { key: spec.key, label: spec.label, service: spec.service.name, samples: [], missing: `not available: ${reason}` };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
