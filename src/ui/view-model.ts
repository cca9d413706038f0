/**
 * The screen as data: `stateToView` turns the engine state (plus the UI's own
 * state and the time) into the header, one row per service and the build pane
 * of the selected service, already worded. Components only lay it out, so
 * everything the user reads is decided here and tested on literal states.
 * Every state has a word and a symbol; `tone` adds colour, never meaning.
 */
import { checksBadge } from './check-view.js';
import { bindMountModes, type BindMountMode } from '../core/remote-engine.js';
import { liveContainer, type EngineState, type ServiceState } from '../core/state/engine-state.js';
import { nextBuilds } from '../core/state/next-builds.js';
import { isCrashLooping } from '../core/state/reducer.js';
import type { ServiceModel } from '../core/workspace.js';
import type { StatsSample } from '../ports/container-runtime.js';
import type { UiState } from './ui-state.js';
import { bytes, firstLine, ago, seconds, type Badge } from './view-words.js';
import { editedWhilePaused, runsCurrentContent } from './service-content.js';
import { buildPane, type BuildPaneView } from './build-pane-view.js';

export type { Badge, Tone } from './view-words.js';
export type { BuildPaneView, StageLine } from './build-pane-view.js';

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
