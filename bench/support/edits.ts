/**
 * One benchmark row's edits: write a new unique message, clock from the write
 * to the first HTTP answer carrying it, then let the loop settle and count the
 * images and builds the edit caused.
 */
import { editMessage, type FixtureService } from '../watch-fixture.js';
import type { DockerLedger } from './docker-ledger.js';
import { waitUntilServed } from './served.js';

/** What one edit cost. `builds` is undefined where the row cannot count them. */
export interface EditSample {
  readonly ms: number;
  /** Image IDs under the row's tags that did not exist before the edit. */
  readonly newImages: number;
  readonly builds: number | undefined;
  /** Services a build was started for (dockstage rows), to spot needless rebuilds. */
  readonly builtServices: readonly string[];
  /** True when the loop reported syncing the edited service (dockstage sync rows). */
  readonly synced: boolean;
}

/** What a loop reports between two marks (a line index, a counter). */
export interface LoopReport {
  readonly builds: number | undefined;
  readonly builtServices?: readonly string[];
  readonly synced?: boolean;
}

/** How a row applies an edit and reads its loop; every hook is optional except the port. */
export interface EditLoop {
  /** The port that serves the edited service (the floor's changes per edit, so it is asked after `afterWrite`). */
  readonly port: number;
  /** Replaces the file write (the sync floor also copies the file into the container). */
  write?(text: string): Promise<void>;
  /** Work the row does after the write and before "served" counts (a build, a compose up); may return another port. */
  afterWrite?(text: string, edit: number): Promise<{ port?: number; pending?: Promise<unknown> }>;
  /** Resolves when the loop stopped working on the edit (no new output, no build in flight). */
  settle?(): Promise<void>;
  mark?(): number;
  report?(mark: number): LoopReport;
  /** After an edit was measured and settled (the floor removes the previous container here). */
  afterMeasure?(edit: number): Promise<void>;
}

/** Runs `count` edits of `service` through `loop`, numbered from `firstEdit`; `imagePrefix` names the row's image tags (its project). */
export async function measureEdits(
  options: {
    service: FixtureService;
    ledger: DockerLedger;
    imagePrefix: string;
    count: number;
    label: string;
    servedTimeoutMs: number;
    firstEdit?: number;
  },
  loop: EditLoop,
): Promise<EditSample[]> {
  const samples: EditSample[] = [];
  const seen = new Set((await options.ledger.imagesTagged(options.imagePrefix)).values());
  const first = options.firstEdit ?? 1;
  // Edit numbers go on across calls (firstEdit), so every message is new and no build is a cache hit of an earlier edit.
  for (let edit = first; edit < first + options.count; edit++) {
    const text = `${options.service.name} ${options.label} edit ${edit} ${options.imagePrefix}`;
    const mark = loop.mark?.() ?? 0;
    const started = performance.now();
    await (loop.write ?? ((t: string) => editMessage(options.service, t)))(text);
    const after = (await loop.afterWrite?.(text, edit)) ?? {};
    const served = await waitUntilServed(after.port ?? loop.port, text, { timeoutMs: options.servedTimeoutMs });
    await after.pending;
    await loop.settle?.();
    const report = loop.report?.(mark) ?? { builds: undefined };
    const ids = [...new Set((await options.ledger.imagesTagged(options.imagePrefix)).values())];
    const fresh = ids.filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    samples.push({
      ms: served - started,
      newImages: fresh.length,
      builds: report.builds,
      builtServices: report.builtServices ?? [],
      synced: report.synced ?? false,
    });
    await loop.afterMeasure?.(edit);
    process.stderr.write(`  ${options.label}: edit ${edit} served in ${(served - started).toFixed(0)} ms\n`);
  }
  return samples;
}

/**
 * Resolves once `probe` returned the same defined value for `quietMs` (undefined means "busy"), or after `capMs`
 * (a loop that never goes quiet should not stall the benchmark; the next edit's numbers show it).
 */
export async function quiet(probe: () => string | undefined, quietMs: number, capMs = 15_000): Promise<void> {
  const cap = performance.now() + capMs;
  let last = probe();
  let since = performance.now();
  while (performance.now() < cap) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = probe();
    if (now === undefined || now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) {
      return;
    }
  }
}
