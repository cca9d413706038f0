/**
 * The rows dockstage is measured against, all on the generated fixture:
 * - the rebuild floor: `docker buildx build` of the one affected target, then a
 *   fresh `docker run -d -p` of it (old container removed after measuring);
 * - `docker compose watch` with hand-written `develop.watch` rebuild rules;
 * - `docker compose up -d --build` after each edit;
 * - the sync floor: the file written in place into the running container
 *   (`docker exec -i … sh -c 'cat > "$1"'`), the app reloading itself (live:
 *   `node --watch` restarts it; page: it reads the file on every request);
 * - the restart floor: the same write, then `docker restart`.
 */
import { docker } from './docker-ledger.js';
import { LineProcess } from './line-process.js';
import { composeDown, composeUpBuild, builtServicesIn, containerOf, projectArgs, writeInContainer, type ComposeTarget } from './compose.js';
import { measureEdits, quiet } from './edits.js';
import { waitUntilServed } from './served.js';
import type { BenchContext, RowResult } from './row.js';
import { currentMessage, editMessage, freePorts, messageSource, type FixtureService } from '../watch-fixture.js';

/** Which share of a floor's edits to run now: floors run half before and half after the rows they are compared with. */
export interface FloorPart {
  readonly part: 'before' | 'after';
}

/**
 * The rebuild floor for `service`: build its target (without cache when compose says `no_cache`), run it on a new
 * port. `before` runs the first ⌈edits/2⌉ edits, `after` the rest; the caller joins both (`joinRows`), so that
 * load from other users of the machine weighs on the floor as on the rows between.
 */
export async function rebuildFloorRow(
  bench: BenchContext,
  service: FixtureService,
  key: string,
  label: string,
  { part }: FloorPart,
): Promise<RowResult> {
  const { fixture, ledger } = bench;
  const imagePrefix = `${ledger.prefix}-floor-${service.name}`;
  const half = Math.ceil(bench.edits / 2);
  const [firstEdit, count] = part === 'before' ? [1, half] : [half + 1, bench.edits - half];
  const ports = await freePorts(count + 1);
  const containers: string[] = [];
  const buildAndRun = async (edit: number) => {
    const tag = `${imagePrefix}:e${edit}`;
    const name = `${imagePrefix}-${edit}`;
    const noCache = service.noCache ? ['--no-cache'] : [];
    await docker([
      'buildx',
      'build',
      '-q',
      ...noCache,
      '--target',
      service.target,
      '--build-arg',
      `NODE_IMAGE=${fixture.nodeImage}`,
      '-t',
      tag,
      service.context,
    ]);
    containers.push(name);
    await docker([
      'run',
      '-d',
      '--init',
      '--name',
      name,
      '-p',
      `127.0.0.1:${ports[edit - firstEdit + 1]!}:3000`,
      '-e',
      'PORT=3000',
      '-e',
      `ROLE=${service.name}`,
      tag,
    ]);
    return ports[edit - firstEdit + 1]!;
  };
  try {
    // Warm-up, not timed: the cache holds every layer but the edited one, as it would for a developer.
    await waitUntilServed(await buildAndRun(firstEdit - 1), await currentMessage(service), { timeoutMs: bench.servedTimeoutMs });
    const samples = await measureEdits(
      { service, ledger, imagePrefix, count, firstEdit, label, servedTimeoutMs: bench.servedTimeoutMs },
      {
        port: ports[0]!,
        afterWrite: async (_text, edit) => ({ port: await buildAndRun(edit) }),
        report: () => ({ builds: 1, builtServices: [service.name] }),
        afterMeasure: async () => {
          await docker(['rm', '-f', containers.shift()!]);
        },
      },
    );
    return { key, label, service: service.name, samples };
  } finally {
    if (containers.length > 0) await docker(['rm', '-f', ...containers]).catch(() => undefined);
  }
}

/** Rows with the same key (a floor's two parts) as one row, samples in order; a part that failed makes the row failed. */
export function joinRows(rows: readonly RowResult[]): RowResult[] {
  const joined = new Map<string, RowResult>();
  for (const row of rows) {
    const earlier = joined.get(row.key);
    if (earlier === undefined) {
      joined.set(row.key, row);
      continue;
    }
    const missing = earlier.missing ?? row.missing;
    joined.set(row.key, { ...earlier, samples: [...earlier.samples, ...row.samples], ...(missing === undefined ? {} : { missing }) });
  }
  return [...joined.values()];
}

/** `docker compose watch` started once (it builds and starts the project itself), then each edit timed to served. */
export async function composeWatchRow(bench: BenchContext, service: FixtureService): Promise<RowResult> {
  const { fixture, ledger } = bench;
  const project: ComposeTarget = { name: `${ledger.prefix}-cwatch`, file: fixture.composeFile, dir: fixture.dir };
  ledger.addProject({ name: project.name, files: [project.file], dir: project.dir });
  const watch = LineProcess.start('docker', ['compose', ...projectArgs(project), 'watch'], { cwd: fixture.dir });
  ledger.addChild(watch.child);
  const label = 'docker compose watch';
  try {
    await watch.waitForLine((line) => line.text.includes('Watch enabled'), {
      timeoutMs: 300_000,
      what: 'compose watch to print "Watch enabled"',
    });
    await waitUntilServed(service.port, await currentMessage(service), { timeoutMs: bench.servedTimeoutMs });
    const rebuilds = (from: number) => watch.lines.slice(from).flatMap((line) => /Rebuilding service "([^"]+)"/.exec(line.text)?.[1] ?? []);
    const samples = await measureEdits(
      { service, ledger, imagePrefix: project.name, count: bench.edits, label, servedTimeoutMs: bench.servedTimeoutMs },
      {
        port: service.port,
        settle: () => quiet(() => String(watch.lines.length), 500),
        mark: () => watch.lines.length,
        report: (mark) => ({ builds: rebuilds(mark).length, builtServices: [...new Set(rebuilds(mark))].sort() }),
      },
    );
    return { key: 'compose-watch', label, service: service.name, samples };
  } finally {
    await watch.stop();
    await composeDown(project).catch(() => undefined);
  }
}

/** `docker compose up -d --build` after each edit: compose builds every service (cached) and recreates what changed. */
export async function composeUpRow(bench: BenchContext, service: FixtureService): Promise<RowResult> {
  const { fixture, ledger } = bench;
  const project: ComposeTarget = { name: `${ledger.prefix}-cup`, file: fixture.composeFile, dir: fixture.dir };
  const label = 'docker compose up -d --build';
  let built: string[] = [];
  let builds = 0;
  try {
    await composeUpBuild(ledger, project);
    await waitUntilServed(service.port, await currentMessage(service), { timeoutMs: bench.servedTimeoutMs });
    const samples = await measureEdits(
      { service, ledger, imagePrefix: project.name, count: bench.edits, label, servedTimeoutMs: bench.servedTimeoutMs },
      {
        port: service.port,
        afterWrite: async () => ({
          pending: composeUpBuild(ledger, project).then((output) => {
            built = builtServicesIn(output);
            builds += built.length;
          }),
        }),
        mark: () => builds,
        report: (mark) => ({ builds: builds - mark, builtServices: built }),
      },
    );
    return { key: 'compose-up', label, service: service.name, samples };
  } finally {
    await composeDown(project).catch(() => undefined);
  }
}

/**
 * The sync floors (live: in-place write, `node --watch` reloads; page: in-place write, read on the next request) and
 * the restart floor (slow: in-place write, then `docker restart`), on one compose project of `compose.sync.yaml`.
 */
export async function syncFloorRows(
  bench: BenchContext,
  live: FixtureService,
  page: FixtureService,
  slow: FixtureService,
): Promise<RowResult[]> {
  const { fixture, ledger } = bench;
  const project: ComposeTarget = { name: `${ledger.prefix}-syncfloor`, file: fixture.syncComposeFile, dir: fixture.dir };
  const options = (service: FixtureService, label: string) => ({
    service,
    ledger,
    imagePrefix: project.name,
    count: bench.edits,
    label,
    servedTimeoutMs: bench.servedTimeoutMs,
  });
  const inPlace = (service: FixtureService, container: string) => async (text: string) => {
    await editMessage(service, text);
    await writeInContainer(container, service.containerMessageFile, messageSource(text));
  };
  try {
    await composeUpBuild(ledger, project);
    for (const service of [live, page, slow])
      await waitUntilServed(service.port, await currentMessage(service), { timeoutMs: bench.servedTimeoutMs });
    const liveContainer = await containerOf(project, live.name);
    const pageContainer = await containerOf(project, page.name);
    const slowContainer = await containerOf(project, slow.name);
    const syncLabel = 'sync floor: in-place write, node --watch';
    const syncSamples = await measureEdits(options(live, syncLabel), {
      port: live.port,
      write: inPlace(live, liveContainer),
      report: () => ({ builds: 0 }),
    });
    const pageLabel = 'sync floor: in-place write, read per request';
    const pageSamples = await measureEdits(options(page, pageLabel), {
      port: page.port,
      write: inPlace(page, pageContainer),
      report: () => ({ builds: 0 }),
    });
    const restartLabel = 'restart floor: in-place write + docker restart';
    const restartSamples = await measureEdits(options(slow, restartLabel), {
      port: slow.port,
      write: async (text) => {
        await inPlace(slow, slowContainer)(text);
        await docker(['restart', '-t', '2', slowContainer]);
      },
      report: () => ({ builds: 0 }),
    });
    return [
      { key: 'sync-floor', label: syncLabel, service: live.name, samples: syncSamples },
      { key: 'page-sync-floor', label: pageLabel, service: page.name, samples: pageSamples },
      { key: 'slow-restart-floor', label: restartLabel, service: slow.name, samples: restartSamples },
    ];
  } finally {
    await composeDown(project).catch(() => undefined);
  }
}
