/**
 * Build progress grouped by stage, like BuildKit's but one line per stage:
 * `web, worker  builder  ✓ 4 steps, 2 cached  3.1s`. A pure fold over build
 * events: `apply` returns the lines that became final (for logs and pipes),
 * `rows` the live state of every stage (for a terminal that redraws).
 */
import type { BuildRunEvent } from '../../operations/builds.js';

/** Live state of one stage of one build, for a terminal that redraws; `job` is the services joined, times are Unix ms. */
export interface StageRow {
  readonly job: string;
  readonly stage: string;
  readonly done: number;
  readonly cached: number;
  readonly total: number | null;
  readonly current: string | undefined;
  readonly failed: boolean;
  /** The step that failed, when known. */
  readonly failedStep?: number | undefined;
  readonly finished: boolean;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
}

interface MutableRow {
  job: string;
  stage: string;
  done: number;
  cached: number;
  total: number | null;
  current: string | undefined;
  failed: boolean;
  failedStep?: number | undefined;
  finished: boolean;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

/**
 * Folds BuildRunEvents into one line per stage. Use one instance per build run: it remembers which steps it has counted,
 * since BuildKit can report a step completed more than once.
 */
export class BuildProgress {
  private readonly stages = new Map<string, MutableRow>();
  private readonly seen = new Set<string>();

  /** Folds one event in; returns the lines that are now final, in order. */
  apply(event: BuildRunEvent): string[] {
    const job = event.services.join(', ');
    switch (event.type) {
      case 'build-up-to-date':
        return [`${job}  ${event.target}  up to date (${event.tags[0]}, checked in ${Math.round(event.checkMs)} ms)`];
      case 'build-started':
        return [`${job}  building ${event.target} → ${event.tags.join(', ')}`];
      case 'build-step':
        return this.step(job, event);
      case 'build-completed': {
        const lines = this.finishAll(job, false);
        const seconds = (event.durationMs / 1000).toFixed(1);
        lines.push(`${job}  built ${event.target} in ${seconds}s (${event.cachedSteps} of ${event.totalSteps} steps cached)`);
        return lines;
      }
      case 'build-failed':
        // The failure itself (instruction, line, log tail, hint) is printed once, by formatBuildFailure.
        return this.finishAll(job, true);
    }
  }

  /** Every stage seen so far, in the order it started. */
  rows(): StageRow[] {
    return [...this.stages.values()].map((row) => ({ ...row }));
  }

  private step(job: string, event: Extract<BuildRunEvent, { type: 'build-step' }>): string[] {
    const step = event.event;
    if (step.type === 'build-warning' || step.stage === null || step.step === null) return [];
    const key = `${job}\0${step.stage}`;
    let row = this.stages.get(key);
    if (row === undefined) {
      row = { job, stage: step.stage, done: 0, cached: 0, total: step.total, current: undefined, failed: false, finished: false, startedAt: undefined, endedAt: undefined };
      this.stages.set(key, row);
    }
    row.total = step.total ?? row.total;
    if (step.type === 'step-started') {
      row.startedAt ??= step.at;
      row.current = step.instruction;
      return [];
    }
    if (step.type !== 'step-completed' || this.seen.has(`${key}\0${step.vertex}`)) return [];
    this.seen.add(`${key}\0${step.vertex}`);
    row.startedAt ??= step.at - (step.durationMs ?? 0);
    row.done++;
    if (step.cached) row.cached++;
    if (step.error !== undefined) {
      row.failed = true;
      row.failedStep ??= step.step;
    }
    row.endedAt = step.at;
    if (row.failed || (row.total !== null && step.step === row.total)) return [this.finish(row)];
    return [];
  }

  /** Closes the job's open stages; when the build failed, a stage left short of its steps is marked failed. */
  private finishAll(job: string, failed: boolean): string[] {
    const lines: string[] = [];
    for (const row of this.stages.values()) {
      if (row.job === job && !row.finished) {
        if (failed && row.done < (row.total ?? row.done + 1)) {
          row.failed = true;
          row.failedStep ??= row.done + 1;
        }
        lines.push(this.finish(row));
      }
    }
    return lines;
  }

  private finish(row: MutableRow): string {
    row.finished = true;
    return formatStageRow(row);
  }
}

/** `web  builder  ✓ 4 steps, 2 cached  3.1s` (or ✗ and the step that failed). */
export function formatStageRow(row: StageRow): string {
  const seconds = row.startedAt === undefined || row.endedAt === undefined ? '' : `  ${((row.endedAt - row.startedAt) / 1000).toFixed(1)}s`;
  const mark = row.failed ? '✗' : row.finished ? '✓' : '…';
  // A failed stage says where it stopped: "2/2 steps" next to ✗ read like success to a new user.
  const failedAt = row.failed ? `failed at step ${row.failedStep ?? row.done}${row.total === null ? '' : ` of ${row.total}`}` : undefined;
  const steps = failedAt ?? `${row.done}${row.total === null ? '' : `/${row.total}`} steps${row.cached > 0 ? `, ${row.cached} cached` : ''}`;
  const current = row.finished ? '' : `  ${row.current ?? ''}`;
  return `${row.job}  ${row.stage}  ${mark} ${steps}${seconds}${current}`;
}
