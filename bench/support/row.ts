/** What every watch-loop benchmark row gets and gives back. */
import type { WatchFixture } from '../watch-fixture.js';
import type { DockerLedger } from './docker-ledger.js';
import type { WatchSupport } from './dockstage-watch.js';
import type { EditSample } from './edits.js';

/** Shared by all rows of one run. */
export interface BenchContext {
  readonly fixture: WatchFixture;
  readonly ledger: DockerLedger;
  /** Edits per row. */
  readonly edits: number;
  /** Absolute path of the built CLI (`dist/cli/main.js`). */
  readonly cli: string;
  readonly support: WatchSupport;
  /** Per edit: how long to wait for the new message before the row fails. */
  readonly servedTimeoutMs: number;
}

/** One row of the table: samples, or why there are none. */
export interface RowResult {
  readonly key: string;
  readonly label: string;
  readonly service: string;
  readonly samples: readonly EditSample[];
  /** Set when the row could not run: "not available: …" for dockstage features not built yet, else the failure. */
  readonly missing?: string;
  /** Free text for the notes column. */
  readonly note?: string;
}
