/**
 * The build pane of the TUI, pure: the selected service's stage tree with each stage's live status, why it builds or
 * waits, its last sync, and its failure or block worded once (core/error-description.ts).
 */
import { BuildFailedError, formatLocation, type DockstageError } from '../core/errors.js';
import { errorLines } from '../core/error-description.js';
import type { PlanReason } from '../core/state/plan.js';
import { type BuildSummary, type EngineState, type ServiceState, type StageProgress } from '../core/state/engine-state.js';
import type { WaitReason } from '../core/state/next-builds.js';
import { containerWaits } from '../core/state/due.js';
import type { ServiceModel } from '../core/workspace.js';
import { checkProblemLines, checkStageBadge } from './check-view.js';
import { describeReason } from './text/reasons.js';
import { stageTree } from './text/stage-tree.js';
import { ago, firstLine, seconds, type Badge } from './view-words.js';
import { editedWhilePaused, holdsSyncedFiles } from './service-content.js';

/** One stage of the selected service's Dockerfile, with its live status. */
export interface StageLine {
  /** Tree drawing and name (`├─ develop`). */
  readonly label: string;
  readonly inTarget: boolean;
  readonly isTarget: boolean;
  /** `copies from builder`. */
  readonly extra: string;
  readonly status: Badge;
  /** Steps done of total, for a progress bar while the stage runs. */
  readonly progress: { readonly done: number; readonly total: number } | undefined;
}

/** The pane under the table: the selected service's build. */
export interface BuildPaneView {
  readonly service: string;
  readonly title: string;
  readonly kind: 'build' | 'image' | 'blocked';
  readonly stages: readonly StageLine[];
  /** `why: …` or `waits: …` lines (all reasons in detail mode). */
  readonly why: readonly string[];
  /** The failure or block, worded: message, `--> file:line`, hint (and the log tail in detail mode). */
  readonly problem: readonly string[];
}

export function buildPane(
  state: EngineState,
  model: ServiceModel,
  waiting: WaitReason | undefined,
  detail: boolean,
  now: number,
): BuildPaneView {
  const service = state.services[model.name];
  if (model.blocked.length > 0) {
    return {
      service: model.name,
      title: `${model.name} · blocked`,
      kind: 'blocked',
      stages: [],
      why: [],
      problem: model.blocked.flatMap((e) => problemLines(e, detail)),
    };
  }
  const build = model.build;
  if (build === undefined) {
    return {
      service: model.name,
      title: `${model.name} · image ${model.image ?? '-'}`,
      kind: 'image',
      stages: [],
      why: ['no Dockerfile: compose runs the image as it is'],
      problem: operationProblem(service),
    };
  }
  const live = service?.building === undefined ? undefined : state.builds[service.building];
  const last = service?.lastBuild;
  const progress = live?.stages ?? last?.stages ?? [];
  const failure = last?.error instanceof BuildFailedError ? last.error : undefined;
  const stages = stageTree(build.graph, build.closure, build.targetStage).map((row): StageLine => {
    const name = build.graph.stages[row.stage]!.displayName;
    const stage = progress.find((p) => p.stage === name);
    const check = build.checks.find((c) => c.stageIndex === row.stage);
    const checkState = check === undefined ? undefined : state.checks[check.key];
    const status = !row.inTarget
      ? checkState === undefined
        ? { symbol: '·', word: check === undefined ? 'not in target' : 'check', tone: 'muted' as const }
        : checkStageBadge(checkState)
      : live !== undefined
        ? liveStageBadge(stage)
        : finishedStageBadge(stage, last, failure, name);
    const running = live !== undefined && stage !== undefined && !stage.failed && (stage.total === null || stage.done < stage.total);
    return {
      label: row.label,
      inTarget: row.inTarget,
      isTarget: row.isTarget,
      extra: row.extra,
      status,
      progress: running && stage.total !== null ? { done: stage.done, total: stage.total } : undefined,
    };
  });
  const sharing =
    state.workspace?.services.filter((s) => s.name !== model.name && s.build?.buildKey === build.buildKey).map((s) => s.name) ?? [];
  const title = `${model.name} · ${build.dockerfileLabel} · target ${build.target}${sharing.length === 0 ? '' : ` · one build with ${sharing.join(', ')}`}`;
  const why: string[] = [];
  if (service?.pending !== undefined) {
    const reason = waiting === undefined ? 'starting now' : `${waiting} (${WAIT_WORDS[waiting]})`;
    why.push(`waits: ${reason}`, ...reasonLines('for', service.pending.reasons, detail));
  } else {
    if (live === undefined && service !== undefined && editedWhilePaused(state, service))
      why.push('changes pending: edited while watching is paused (w resumes and checks it; b builds it now)');
    const reasons = live?.reasons ?? last?.reasons ?? [];
    why.push(...reasonLines('why', reasons, detail));
    if (live === undefined && last !== undefined) why.push(lastBuildSentence(last, now));
  }
  const servedFirst = containerWaits(state)[model.name];
  if (servedFirst !== undefined)
    why.unshift(
      `waits: waiting-for-priority (${servedFirst.join(', ')} served first; ${service?.replaceWith === undefined ? 'restarted' : 'replaced'} once ready)`,
    );
  const sync = service?.lastSync;
  if (sync !== undefined && service !== undefined && holdsSyncedFiles(service)) why.push(...syncLines(sync, now, detail));
  const problem = [
    ...(last?.error === undefined || live !== undefined ? [] : problemLines(last.error, detail)),
    ...operationProblem(service),
    ...checkProblemLines(state, model, detail),
  ];
  return { service: model.name, title, kind: 'build', stages, why, problem };
}

/** The last build in a sentence, for the build pane (the table's cell is short). */
function lastBuildSentence(last: BuildSummary, now: number): string {
  const when = ago(now - last.endedAt);
  switch (last.status) {
    case 'up-to-date':
      return `last check ${when}: the image was up to date (checked in ${Math.round(last.endedAt - last.startedAt)} ms)`;
    case 'failed':
      return `last build failed ${when}`;
    case 'cancelled':
      return `last build cancelled ${when}`;
    case 'built':
      return `last build ${when}: ${seconds(last.endedAt - last.startedAt)}, ${last.cachedSteps} of ${last.totalSteps} steps cached`;
  }
}

function reasonLines(label: string, reasons: readonly PlanReason[], detail: boolean): string[] {
  if (reasons.length === 0) return [];
  if (detail) return reasons.map((r, i) => `${i === 0 ? `${label}:` : ' '.repeat(label.length + 1)} ${describeReason(r)}`);
  const more = reasons.length > 1 ? `  (+${reasons.length - 1} more)` : '';
  return [`${label}: ${describeReason(reasons[0]!)}${more}`];
}

function syncLines(sync: NonNullable<ServiceState['lastSync']>, now: number, detail: boolean): string[] {
  const count = `${sync.files.length} file${sync.files.length === 1 ? '' : 's'}`;
  const first = sync.files[0];
  const head = `synced ${count} ${ago(now - sync.at)} (reload: ${sync.reload})${first === undefined ? '' : `: ${first.path} → ${first.destination}`}`;
  if (!detail) return [`${head}${sync.files.length > 1 ? `  (+${sync.files.length - 1} more)` : ''}`];
  return [head, ...sync.files.slice(1).map((file) => `  ${file.path} → ${file.destination}`)];
}

function liveStageBadge(stage: StageProgress | undefined): Badge {
  if (stage === undefined) return { symbol: '○', word: 'pending', tone: 'muted' };
  if (stage.failed) return { symbol: '✗', word: `failed: ${stage.current ?? ''}`.trim(), tone: 'error' };
  if (stage.total !== null && stage.done >= stage.total) return doneBadge(stage);
  const step = `step ${Math.min(stage.done + 1, stage.total ?? stage.done + 1)}/${stage.total ?? '?'}`;
  return { symbol: '▶', word: `${step}${stage.current === undefined ? '' : ` ${stage.current}`}`, tone: 'busy' };
}

function finishedStageBadge(
  stage: StageProgress | undefined,
  last: BuildSummary | undefined,
  failure: BuildFailedError | undefined,
  name: string,
): Badge {
  if (last === undefined) return { symbol: '○', word: 'not built yet', tone: 'muted' };
  if (last.status === 'up-to-date') return { symbol: '✓', word: 'up to date', tone: 'ok' };
  if (last.status === 'failed' && (stage?.failed === true || failure?.stage === name)) {
    const where = failure?.location.file === undefined ? '' : ` (${formatLocation(failure.location)})`;
    return { symbol: '✗', word: `failed at ${failure?.instruction ?? stage?.current ?? 'a step'}${where}`, tone: 'error' };
  }
  if (stage === undefined)
    return last.status === 'built'
      ? { symbol: '✓', word: 'nothing to run', tone: 'muted' }
      : { symbol: '·', word: 'not reached', tone: 'muted' };
  if (last.status === 'cancelled' && (stage.total === null || stage.done < stage.total))
    return { symbol: '·', word: 'cancelled', tone: 'muted' };
  if (last.status === 'failed' && stage.total !== null && stage.done < stage.total)
    return { symbol: '·', word: 'not finished', tone: 'muted' };
  return doneBadge(stage);
}

function doneBadge(stage: StageProgress): Badge {
  if (stage.done > 0 && stage.cached === stage.done) return { symbol: '✓', word: `cached (${stage.done} steps)`, tone: 'ok' };
  const time = stage.startedAt === undefined || stage.endedAt === undefined ? '' : ` ${seconds(stage.endedAt - stage.startedAt)}`;
  const cached = stage.cached > 0 ? ` (${stage.cached} of ${stage.done} cached)` : '';
  return { symbol: '✓', word: `done${time}${cached}`, tone: 'ok' };
}

function problemLines(error: DockstageError, detail: boolean): string[] {
  return errorLines(error, { label: '✗ ', firstLineOnly: true, tail: detail });
}

function operationProblem(service: ServiceState | undefined): string[] {
  return service?.operationError === undefined ? [] : [`✗ ${firstLine(service.operationError.message)}`];
}

const WAIT_WORDS: Record<WaitReason, string> = {
  'already-building': 'a build is running; one more follows it',
  'waiting-for-dependency': 'a service it builds from is not built yet',
  'blocked-by-error': 'fix the error to unblock it',
  paused: 'watching is paused; b builds anyway',
  'waiting-for-slot': 'every build slot is busy',
  'waiting-for-reload': 'the project is being loaded again',
  'behind-sync': 'the files were synced; the image is rebuilt once the service has reloaded',
  'waiting-for-watcher': 'the file watcher is starting; the check follows so no edit is missed',
  'waiting-for-priority': 'containers are being replaced or restarted; the image is rebuilt once they are ready',
};
