/**
 * Build progress grouped by stage, like BuildKit's but one line per stage, printed once the stage is final:
 * `web, worker  builder  ✓ 4/4 steps, 2 cached  3.1s`. The stages are the reducer's own fold (`foldStage` in
 * core/state/stage-progress.ts): the engine's commands print from the state, and `build --push/--stage`, which run no
 * engine, fold their events with the same function.
 */
import { foldStage } from '../../core/state/stage-progress.js';
import type { StageProgress } from '../../core/state/engine-state.js';
import type { BuildRunEvent } from '../../operations/builds.js';

/** How a build ended, for the stages still open: `built` closes them, `failed` marks one left short of its steps. */
export type BuildEnd = 'built' | 'failed';

/** Prints each stage of each build once, when it becomes final. One instance per command run. */
export class StageLines {
  private readonly printed = new Set<string>();

  /** The lines of the build's stages (`key` is the build's id) that are final now and not yet printed. */
  final(key: string, job: string, stages: readonly StageProgress[], ended?: BuildEnd): string[] {
    const lines: string[] = [];
    for (const stage of stages) {
      const id = `${key}\0${stage.stage}`;
      if (this.printed.has(id)) continue;
      const complete = stage.failed || (stage.total !== null && stage.done >= stage.total);
      if (!complete && ended === undefined) continue;
      this.printed.add(id);
      // A build that failed leaves a stage short of its steps: that stage is where it stopped.
      const short = ended === 'failed' && !stage.failed && stage.done < (stage.total ?? stage.done + 1);
      lines.push(stageLine(job, stage, short ? stage.done + 1 : stage.failed ? stage.done : undefined));
    }
    return lines;
  }
}

/** `web  builder  ✓ 4/4 steps, 2 cached  3.1s`, or `✗ failed at step 2 of 4`. */
export function stageLine(job: string, stage: StageProgress, failedAt: number | undefined): string {
  const seconds =
    stage.startedAt === undefined || stage.endedAt === undefined ? '' : `  ${((stage.endedAt - stage.startedAt) / 1000).toFixed(1)}s`;
  // A failed stage says where it stopped: "2/2 steps" next to ✗ read like success to a new user.
  const steps =
    failedAt === undefined
      ? `${stage.done}${stage.total === null ? '' : `/${stage.total}`} steps${stage.cached > 0 ? `, ${stage.cached} cached` : ''}`
      : `failed at step ${failedAt}${stage.total === null ? '' : ` of ${stage.total}`}`;
  return `${job}  ${stage.stage}  ${failedAt === undefined ? '✓' : '✗'} ${steps}${seconds}`;
}

/** `web  building develop → tags`. */
export const startedLine = (job: string, target: string, tags: readonly string[]) => `${job}  building ${target} → ${tags.join(', ')}`;

/** `web  built develop in 2.7s (1 of 3 steps cached)`. */
export const builtLine = (job: string, target: string, durationMs: number, cachedSteps: number, totalSteps: number) =>
  `${job}  built ${target} in ${(durationMs / 1000).toFixed(1)}s (${cachedSteps} of ${totalSteps} steps cached)`;

/** `api  production  up to date (tag, checked in 12 ms)`. */
export const upToDateLine = (job: string, target: string, tag: string | undefined, checkMs: number) =>
  `${job}  ${target}  up to date (${tag ?? 'no tag'}, checked in ${Math.round(checkMs)} ms)`;

/**
 * The lines of builds run without the engine (`build --push`, `build --stage`): their events folded per job with
 * `foldStage`, printed by the same `StageLines`.
 */
export class BuildProgress {
  private readonly stages = new Map<string, readonly StageProgress[]>();
  private readonly lines = new StageLines();

  /** Folds one event in; returns the lines that are now final, in order. */
  apply(event: BuildRunEvent): string[] {
    const job = event.services.join(', ');
    switch (event.type) {
      case 'build-up-to-date':
        return [upToDateLine(job, event.target, event.tags[0], event.checkMs)];
      case 'build-started':
        return [startedLine(job, event.target, event.tags)];
      case 'build-step': {
        if (event.event.type === 'build-warning') return [];
        const stages = foldStage(this.stages.get(job) ?? [], event.event);
        this.stages.set(job, stages);
        return this.lines.final(job, job, stages);
      }
      case 'build-completed':
        return [
          ...this.lines.final(job, job, this.stages.get(job) ?? [], 'built'),
          builtLine(job, event.target, event.durationMs, event.cachedSteps, event.totalSteps),
        ];
      case 'build-failed':
        // The failure itself (instruction, line, log tail, hint) is printed once, by formatBuildFailure.
        return this.lines.final(job, job, this.stages.get(job) ?? [], 'failed');
    }
  }
}
