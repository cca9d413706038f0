/**
 * The checks' side of the engine state: one entry per check build (a Dockerfile's check stage, shared by the services
 * that build it alike), what it last said and whether it is due again. Kept apart from engine-state.ts so the
 * checks can be read without the rest.
 */
import type { DockstageError } from '../errors.js';

/** How a check ended. */
export interface CheckResult {
  readonly passed: boolean;
  /** Nothing was built: a pass remembered for these inputs (or, in this run, a failure on the same inputs). */
  readonly cached: boolean;
  readonly durationMs: number;
  readonly endedAt: number;
  /** The inputs hash it ran on (undefined when it failed before hashing). */
  readonly hash: string | undefined;
  /** For a failure: the message, the instruction, `file:line` and the tail of its output (a BuildFailedError). */
  readonly error: DockstageError | undefined;
}

/** One check build in this run. */
export interface CheckState {
  readonly key: string;
  readonly stage: string;
  /** Its place in the Dockerfile: checks due at once start in file order. */
  readonly stageIndex: number;
  /** The services whose Dockerfile it is (sorted): one build for all of them. */
  readonly services: readonly string[];
  /** Its inputs may have changed since the last result (an edit it reads, the start, a reload, a key): it runs when the loop is free. */
  readonly pending: { readonly since: number; readonly requested: boolean } | undefined;
  readonly running: { readonly id: string; readonly startedAt: number } | undefined;
  readonly last: CheckResult | undefined;
}
