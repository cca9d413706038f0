/**
 * The screen as data: `stateToView` turns the engine state (plus the UI's own
 * state and the time) into the header, one row per service and the build pane
 * of the selected service, already worded. Components only lay it out, so
 * everything the user reads is decided here and tested on literal states.
 * Every state has a word and a symbol; `tone` adds colour, never meaning.
 */
import { BuildFailedError, formatLocation, type DockstageError } from '../core/errors.js';
import { errorLines } from '../core/error-description.js';
import { checkProblemLines, checksBadge, checkStageBadge } from './check-view.js';
import type { PlanReason } from '../core/state/plan.js';
import { bindMountModes, type BindMountMode } from '../core/remote-engine.js';
import { liveContainer, type BuildSummary, type EngineState, type ServiceState, type StageProgress } from '../core/state/engine-state.js';
import { nextBuilds, type WaitReason } from '../core/state/next-builds.js';
import { containerWaits } from '../core/state/due.js';
import { isCrashLooping } from '../core/state/reducer.js';
import type { ServiceModel } from '../core/workspace.js';
import type { StatsSample } from '../ports/container-runtime.js';
import { describeReason } from './text/reasons.js';
import { stageTree } from './text/stage-tree.js';
import type { UiState } from './ui-state.js';

/** How a piece of text is coloured when colour is on. Meaning is always in the words and symbols too. */
export type Tone = 'plain' | 'ok' | 'warn' | 'error' | 'busy' | 'muted' | 'accent';

/** A symbol, a word and a tone: `● running`. */
export interface Badge {
  readonly symbol: string;
  readonly word: string;
  readonly tone: Tone;
}

/** The top line(s). */
export interface HeaderView {
  readonly project: string;
  readonly environments: readonly { readonly name: string; readonly active: boolean }[];
  /** `→ prod (building)` while a switch runs. */
  readonly switching: Badge | undefined;
  readonly engine: Badge;
  readonly builder: string;
  readonly watch: Badge;
  readonly lastError: string | undefined;
}

/** One row of the services table, every cell worded. */
export interface ServiceRow {
  readonly name: string;
  readonly selected: boolean;
  readonly target: string;
  readonly state: Badge;
  readonly health: Badge | undefined;
  readonly ports: string;
  readonly image: Badge;
  readonly lastBuild: string;
  /** The service's checks (`✓ test 2.1s`, `✗ lint`, `… test`); undefined when it has none. */
  readonly checks?: Badge | undefined;
  readonly cpu: string;
  readonly memory: string;
}

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

/** The whole screen's data. */
export interface View {
  readonly header: HeaderView;
  readonly services: readonly ServiceRow[];
  readonly build: BuildPaneView | undefined;
}

/** What the view shows besides the engine state. */
export interface ViewExtras {
  /** CPU and memory per service, when sampled. */
  readonly stats?: ReadonlyMap<string, StatsSample | undefined>;
  /** The buildx builder builds run on. */
  readonly builder?: string;
  /** The engine's address when the engine is remote (`ssh://buildbox`): the header says so. */
  readonly remoteEndpoint?: string;
}

/** The screen for this state. `now` (Unix ms) words ages (`4s ago`) and finds crash loops. */
export function stateToView(state: EngineState, ui: UiState, now: number, extras: ViewExtras = {}): View {
  const workspace = state.workspace;
  const waiting = nextBuilds(state).waiting;
  const services = (workspace?.services ?? []).map((model) => serviceRow(state, model, ui, now, extras));
  const model = workspace?.services.find((s) => s.name === ui.selected);
  return {
    header: header(state, now, extras),
    services,
    build: model === undefined ? undefined : buildPane(state, model, waiting[model.name], ui.detail, now),
  };
}

/** On a remote engine: ` · bind mounts: web synced, tools not synced` (services sorted), or nothing. */
function bindMountWords(modes: Readonly<Record<string, BindMountMode>>): string {
  const entries = Object.entries(modes)
    .filter(([, mode]) => mode !== 'native')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0
    ? ''
    : ` · bind mounts: ${entries.map(([service, mode]) => `${service} ${mode === 'synced' ? 'synced' : 'not synced'}`).join(', ')}`;
}

function header(state: EngineState, now: number, extras: ViewExtras): HeaderView {
  const workspace = state.workspace;
  const active = workspace?.environment.name;
  const environments = Object.keys(workspace?.config.environments ?? {})
    .sort()
    .map((name) => ({ name, active: name === active }));
  const switching = state.switching;
  const engine: Badge = !state.engine.connected
    ? { symbol: '✗', word: 'disconnected: reconnecting', tone: 'error' }
    : state.engine.version === undefined
      ? { symbol: '…', word: 'engine: connecting', tone: 'muted' }
      : extras.remoteEndpoint !== undefined
        ? {
            symbol: '',
            word: `engine ${state.engine.version} · remote ${extras.remoteEndpoint}${workspace === undefined ? '' : bindMountWords(bindMountModes(workspace, true))}`,
            tone: 'plain',
          }
        : { symbol: '', word: `engine ${state.engine.version} ${state.engine.host ?? ''}`.trim(), tone: 'plain' };
  const watch: Badge = state.watch.paused
    ? { symbol: '‖', word: 'paused', tone: 'warn' }
    : state.watch.active
      ? { symbol: '●', word: `watching ${state.watch.paths}`, tone: 'ok' }
      : { symbol: '○', word: 'not watching yet', tone: 'muted' };
  const error = state.lastError;
  return {
    project: workspace?.project.name ?? '…',
    environments,
    switching:
      switching === undefined
        ? undefined
        : {
            symbol: switching.phase === 'failed' ? '✗' : '→',
            word: `${switching.environment} (${switching.phase === 'failed' ? 'switch failed' : switching.phase})`,
            tone: switching.phase === 'failed' ? 'error' : 'busy',
          },
    engine,
    builder: extras.builder ?? workspace?.config.builder ?? 'default',
    watch,
    lastError: error === undefined ? undefined : `${firstLine(error.message)} (${ago(now - error.at)})`,
  };
}

function serviceRow(state: EngineState, model: ServiceModel, ui: UiState, now: number, extras: ViewExtras): ServiceRow {
  const service = state.services[model.name];
  const container = service === undefined ? undefined : (liveContainer(service) ?? service.containers[0]);
  const sample = extras.stats?.get(model.name);
  return {
    name: model.name,
    selected: model.name === ui.selected,
    target: model.build?.target ?? (model.blocked.length > 0 ? '-' : shortImage(model.image)),
    state: stateBadge(state, model, service, now),
    health: container?.state === 'running' && container.health !== null ? healthBadge(container.health) : undefined,
    ports: portsText(container?.ports ?? [], state.engine.host),
    image: imageBadge(state, model, service),
    lastBuild: service === undefined ? '' : lastBuildText(state, service, now),
    checks: checksBadge(state, model),
    cpu: sample === undefined ? '' : `${Math.round(sample.cpuPercent)}%`,
    memory: sample === undefined ? '' : bytes(sample.memoryBytes),
  };
}

/**
 * What the live container's files are: its image's, or (after a live sync, and once the image behind it is built) the
 * content the engine state tracks for it. Undefined when nothing runs or nothing is built.
 */
function liveContent(
  service: ServiceState,
): { readonly live: string; readonly content: string | undefined; readonly synced: boolean } | undefined {
  const live = liveContainer(service);
  if (live === undefined) return undefined;
  const known = service.content?.containerId === live.id ? service.content : undefined;
  if (known?.kind === 'synced') return { live: live.imageId, content: undefined, synced: true };
  return { live: live.imageId, content: known?.imageId ?? live.imageId, synced: false };
}

/** Does the container hold the current image's files? A synced container whose image was rebuilt behind it does. */
function runsCurrentContent(service: ServiceState): boolean | undefined {
  const current = liveContent(service);
  if (current === undefined || service.imageId === undefined) return undefined;
  return current.content === service.imageId;
}

/** The container holds files live sync wrote (not yet in the image it was created from). */
function holdsSyncedFiles(service: ServiceState): boolean {
  const current = liveContent(service);
  return current !== undefined && (current.synced || current.content !== current.live);
}

function stateBadge(state: EngineState, model: ServiceModel, service: ServiceState | undefined, now: number): Badge {
  if (service === undefined) return { symbol: '…', word: 'loading', tone: 'muted' };
  const live = liveContainer(service);
  if (service.operation === 'replacing') return { symbol: '↻', word: 'replacing', tone: 'busy' };
  if (service.operation === 'restarting') return { symbol: '↻', word: 'restarting', tone: 'busy' };
  if (service.operation === 'starting') return { symbol: '◌', word: 'starting', tone: 'busy' };
  if (isCrashLooping(service, now)) return { symbol: '⟳', word: 'crash-looping', tone: 'error' };
  if (live === undefined && model.blocked.length > 0) return { symbol: '✗', word: 'blocked', tone: 'error' };
  if (live !== undefined) {
    if (live.state === 'running') return { symbol: '●', word: 'running', tone: 'ok' };
    if (live.state === 'restarting') return { symbol: '↻', word: 'restarting', tone: 'warn' };
    return { symbol: '‖', word: 'paused', tone: 'warn' };
  }
  if (service.stoppedByUser) return { symbol: '■', word: 'stopped', tone: 'muted' };
  if (service.building !== undefined) return { symbol: '⚙', word: 'building', tone: 'busy' };
  const container = service.containers[0];
  if (container?.state === 'exited') {
    const code = container.exitCode ?? 0;
    return { symbol: '■', word: `exited ${code}`, tone: code === 0 ? 'muted' : 'error' };
  }
  if (container?.state === 'dead') return { symbol: '✗', word: 'dead', tone: 'error' };
  if (container?.state === 'created') return { symbol: '○', word: 'created', tone: 'muted' };
  if (service.pending !== undefined) return { symbol: '…', word: 'waiting', tone: 'muted' };
  return { symbol: '○', word: state.up === 'done' ? 'not running' : 'not started', tone: 'muted' };
}

function healthBadge(health: 'healthy' | 'unhealthy' | 'starting'): Badge {
  if (health === 'healthy') return { symbol: '', word: 'healthy', tone: 'ok' };
  if (health === 'unhealthy') return { symbol: '', word: 'unhealthy', tone: 'error' };
  return { symbol: '', word: 'health…', tone: 'warn' };
}

/** `busybox:latest` → `busybox`, `registry.example.com/shop/web:1.2` → `web:1.2`: the table's short name of an image. */
function shortImage(image: string | undefined): string {
  if (image === undefined) return '-';
  const name = image.slice(image.lastIndexOf('/') + 1);
  return name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name;
}

function imageBadge(state: EngineState, model: ServiceModel, service: ServiceState | undefined): Badge {
  if (model.blocked.length > 0) return { symbol: '✗', word: 'blocked', tone: 'error' };
  if (model.build === undefined) return { symbol: '', word: 'image', tone: 'muted' };
  if (service === undefined) return { symbol: '?', word: 'checking', tone: 'muted' };
  if (service.building !== undefined) {
    const build = state.builds[service.building];
    if (build?.syncing === true) return { symbol: '≈', word: 'syncing', tone: 'busy' };
    const done = build?.stages.reduce((sum, s) => sum + s.done, 0) ?? 0;
    const total = build?.stages.reduce((sum, s) => sum + (s.total ?? s.done), 0) ?? 0;
    return { symbol: '⚙', word: total === 0 ? 'checking' : `building ${done}/${total}`, tone: 'busy' };
  }
  // A rebuild behind a live sync: the container already has the files.
  if (service.pending?.background === true && service.freshness === 'synced') return { symbol: '≈', word: 'synced', tone: 'ok' };
  if (service.pending !== undefined) return { symbol: '…', word: 'queued', tone: 'busy' };
  if (editedWhilePaused(state, service)) return { symbol: '!', word: 'changes pending', tone: 'warn' };
  if (service.freshness === 'failed') return { symbol: '✗', word: 'build failed', tone: 'error' };
  if (service.freshness === 'synced') return { symbol: '≈', word: 'synced', tone: 'ok' };
  if (service.freshness === 'unknown') return { symbol: '?', word: 'checking', tone: 'muted' };
  if (runsCurrentContent(service) === false) return { symbol: '!', word: 'stale', tone: 'warn' };
  return { symbol: '✓', word: 'up to date', tone: 'ok' };
}

/** Watching is paused and an edit since the service's last build would rebuild it (nothing was built for it yet). */
function editedWhilePaused(state: EngineState, service: ServiceState): boolean {
  const at = state.watch.changedWhilePaused[service.name];
  return state.watch.paused && at !== undefined && !(service.lastBuild !== undefined && service.lastBuild.startedAt >= at);
}

function lastBuildText(state: EngineState, service: ServiceState, now: number): string {
  if (service.building !== undefined) {
    const build = state.builds[service.building];
    return build === undefined ? 'building' : `building for ${seconds(now - build.startedAt)}`;
  }
  const last = service.lastBuild;
  if (last === undefined) return '';
  const sharer = Object.values(state.services)
    .filter((other) => other.lastBuild?.id === last.id && other.name < service.name)
    .map((other) => other.name)[0];
  const when = ago(now - last.endedAt);
  switch (last.status) {
    case 'up-to-date':
      return `checked ${when}`;
    case 'failed':
      return `failed ${when}`;
    case 'cancelled':
      return `cancelled ${when}`;
    case 'built':
      return sharer !== undefined
        ? `${when} (shared)`
        : `${when} ${seconds(last.endedAt - last.startedAt)} ${last.cachedSteps}/${last.totalSteps} cached`;
  }
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

function buildPane(state: EngineState, model: ServiceModel, waiting: WaitReason | undefined, detail: boolean, now: number): BuildPaneView {
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

function portsText(ports: readonly string[], host: string | undefined, detailed = false): string {
  if (ports.length === 0) return '';
  const short = ports.map((port) => {
    const [address = '', mapping = ''] = port.split('→');
    const hostPart = address.slice(0, address.lastIndexOf(':'));
    const hostPort = address.slice(address.lastIndexOf(':'));
    const container = mapping.replace(/\/tcp$/, '');
    return detailed
      ? `${hostPart === host || hostPart === 'localhost' ? '' : hostPart}${hostPort}→${container}`
      : `${hostPart === host || hostPart === 'localhost' ? '' : hostPart}${hostPort}`;
  });
  return short.length === 1 ? short[0]! : `${short[0]} +${short.length - 1}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** `4s ago`, `3m ago`, `2h ago`. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)}G`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)}M`;
  return `${Math.round(n / 1024)}K`;
}
