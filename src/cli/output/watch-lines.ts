/**
 * What `watch` prints: one JSON object per line with `--json` (each with `type`
 * and an ISO `time`), else a compact human log. Both come from the same events,
 * derived from the actions and the state after them:
 *
 *   watching · change · plan · build-start · stage · build-done · build-failed ·
 *   replaced · restarted · ready · exited (a crash; `intended` for dockstage's own stops, which the human log
 *   leaves out) · slow-stop (once per service) · blocked · unblocked · pruned · error · idle
 *
 * Paths are shown relative to the project directory; no environment value is
 * ever printed.
 */
import { BuildFailedError, withContainerKept, type DockstageError } from '../../core/errors.js';
import type { EngineAction } from '../../core/state/actions.js';
import { isIdle } from '../../core/state/due.js';
import { isCrashLooping, recentExits } from '../../core/state/reducer.js';
import { liveContainer, type EngineState } from '../../core/state/engine-state.js';
import { slowStopMessage, SLOW_STOP_MS } from '../../core/state/stops.js';
import { relativeLabel, type Workspace } from '../../core/workspace.js';
import { bindMountModes, engineIsRemote } from '../../core/remote-engine.js';
import type { Subscriber } from '../../engine/store.js';
import type { LineSink } from './build-lines.js';

/** One watch event, before it is printed. */
export type WatchEvent = { readonly type: string } & Record<string, unknown>;

/** Creates the subscriber. `now` gives the time printed on each line. */
export function watchOutputSubscriber(sink: LineSink, json: boolean, now: () => number): Subscriber {
  let blocked = new Map<string, string>();
  const awaitingReady = new Set<string>();
  const unannounced = new Map<string, WatchEvent>();
  let wasIdle = false;
  const emit = (event: WatchEvent) => {
    const time = new Date(now()).toISOString();
    if (json) {
      const { type, ...rest } = event;
      sink.out(JSON.stringify({ type, time, ...rest }));
    }
    if (!json) {
      const line = humanLine(event);
      if (line !== undefined) (event.type === 'build-failed' || event.type === 'error' || event.type === 'blocked' || event.type === 'exited' || event.type === 'slow-stop' ? sink.err : sink.out)(`${time.slice(11, 19)} ${line}`);
    }
  };

  return {
    onChange(state, action) {
      // Each batch of changes is new work: say `idle` again once it has settled, even when it planned nothing.
      if (action.type === 'filesChanged' || action.type === 'buildRequested' || action.type === 'environmentSwitchRequested') wasIdle = false;
      for (const event of eventsFor(state, action, { blocked, awaitingReady, unannounced })) emit(event);
      if (action.type === 'workspaceLoaded') blocked = blockedMap(state.workspace!);
      for (const name of [...awaitingReady]) {
        const service = state.services[name];
        const container = service === undefined ? undefined : liveContainer(service);
        if (service?.operation !== undefined || container === undefined || container.state !== 'running') continue;
        if (container.health === 'starting') continue;
        awaitingReady.delete(name);
        emit({ type: 'ready', service: name, containerId: container.id, health: container.health });
      }
      const idle = isIdle(state) && state.watch.active && awaitingReady.size === 0;
      if (idle && !wasIdle) emit({ type: 'idle' });
      wasIdle = idle;
    },
  };
}

interface OutputMemory {
  readonly blocked: Map<string, string>;
  readonly awaitingReady: Set<string>;
  /** Builds that started but may still turn out to be a sync: `build-start` is said once BuildKit really runs. */
  readonly unannounced: Map<string, WatchEvent>;
}

function eventsFor(state: EngineState, action: EngineAction, memory: OutputMemory): WatchEvent[] {
  const events = eventsOf(state, action, memory);
  // A build that did not sync is announced before its first other event.
  const id = 'id' in action && typeof action.id === 'string' && action.type !== 'buildStarted' && action.type !== 'syncStarted' && action.type !== 'serviceSynced' ? action.id : undefined;
  const start = id === undefined ? undefined : memory.unannounced.get(id);
  if (id !== undefined && start !== undefined && action.type !== 'syncSkipped') {
    memory.unannounced.delete(id);
    // Announced by its outcome, it was only the check that an image with these inputs exists.
    const check = action.type === 'buildCompleted' && action.upToDate;
    return [{ ...start, check }, ...events];
  }
  if (id !== undefined && start !== undefined && action.type === 'syncSkipped') {
    memory.unannounced.delete(id);
    return [...events, start];
  }
  return events;
}

function eventsOf(state: EngineState, action: EngineAction, memory: OutputMemory): WatchEvent[] {
  const workspace = state.workspace;
  const label = (p: string) => (workspace === undefined ? p : relativeLabel(workspace.projectDir, p));
  switch (action.type) {
    case 'workspaceLoaded': {
      const events: WatchEvent[] = [];
      const now = blockedMap(action.workspace);
      for (const [service, message] of now) {
        if (memory.blocked.get(service) !== message) {
          const error = action.workspace.services.find((s) => s.name === service)!.blocked[0]!;
          events.push({ type: 'blocked', service, error: errorJson(error) });
        }
      }
      for (const service of memory.blocked.keys()) if (!now.has(service)) events.push({ type: 'unblocked', service });
      return events;
    }
    case 'workspaceLoadFailed':
      return [{ type: 'error', error: errorJson(action.error), detail: 'the project could not be loaded again; the last good model stays in force' }];
    case 'watchStarted':
      return [{ type: 'watching', paths: action.paths, environment: workspace?.environment.name ?? null }];
    case 'filesChanged': {
      if (workspace === undefined || state.watch.paused || state.stopping) return [];
      const events: WatchEvent[] = [{ type: 'change', paths: action.paths.map(label) }];
      if (state.reload !== undefined) return [...events, { type: 'plan', services: [], reload: true }];
      const services = (state.lastPlan?.services ?? []).filter((s) => s.action !== 'none').map((s) => ({ name: s.name, action: s.action, reasons: s.reasons }));
      // A change in the context of a service that cannot build says why nothing happens for it.
      const blocked = workspace.services
        .filter((model) => model.blocked.length > 0)
        .filter((model) => {
          const context = workspace.project.services.find((s) => s.name === model.name)?.build?.context;
          return context !== undefined && action.paths.some((p) => p.startsWith(`${context.replace(/\/+$/, '')}/`));
        })
        .map((model) => ({ name: model.name, error: errorJson(model.blocked[0]!) }));
      return [...events, { type: 'plan', services, ...(blocked.length === 0 ? {} : { blocked }) }];
    }
    case 'buildStarted': {
      const build = state.builds[action.id];
      if (build === undefined) return [];
      memory.unannounced.set(action.id, { type: 'build-start', id: action.id, services: build.services, target: build.target, reasons: build.reasons });
      return [];
    }
    case 'syncStarted':
      return [];
    case 'serviceSynced': {
      memory.unannounced.delete(action.id);
      const events: WatchEvent[] = [
        {
          type: 'plan',
          services: action.services.map((service) => ({
            name: service.name,
            action: 'sync',
            reasons: service.files.map((file) => ({ path: file.path, rule: 'sync', destination: file.destination, stage: file.stage, instruction: file.instruction, line: file.line })),
          })),
        },
      ];
      for (const service of action.services) {
        if (service.reload !== 'none') memory.awaitingReady.add(service.name);
        events.push({
          type: 'synced',
          service: service.name,
          paths: service.files.map((file) => file.path),
          files: service.files.map((file) => ({ path: file.path, destination: file.destination, deleted: file.deleted })),
          reload: service.reload,
        });
      }
      return events;
    }
    case 'syncSkipped': {
      const build = state.builds[action.id];
      return [{ type: 'plan', services: (build?.services ?? []).map((name) => ({ name, action: 'rebuild', reasons: [{ rule: 'sync-not-possible', path: action.reason.path, instruction: action.reason.instruction, line: action.reason.line, message: action.reason.message }] })) }];
    }
    case 'buildProgressed': {
      const event = action.event;
      if (event.type !== 'step-completed' || event.stage === null) return [];
      const build = state.builds[action.id];
      return [{ type: 'stage', id: action.id, services: build?.services ?? [], stage: event.stage, step: event.step, total: event.total, cached: event.cached, instruction: event.instruction, line: action.line ?? null }];
    }
    case 'buildCompleted': {
      const services = servicesOfBuild(state, action.id);
      return [{ type: 'build-done', id: action.id, services, imageId: action.imageId, upToDate: action.upToDate, durationMs: Math.round(action.durationMs), cachedSteps: action.cachedSteps, totalSteps: action.totalSteps }];
    }
    case 'buildFailed':
      if (action.cancelled) return [];
    {
      const services = servicesOfBuild(state, action.id);
      const running = services.some((name) => state.services[name]?.containers.some((c) => c.state === 'running') === true);
      const error = running && action.error instanceof BuildFailedError ? withContainerKept(action.error) : action.error;
      const summary = services.map((name) => state.services[name]?.lastBuild).find((last) => last?.id === action.id);
      const steps = summary === undefined ? {} : { durationMs: summary.endedAt - summary.startedAt, cachedSteps: summary.cachedSteps };
      return [{ type: 'build-failed', id: action.id, services, ...steps, error: errorJson(error) }];
    }
    case 'projectUp':
      for (const service of action.services) memory.awaitingReady.add(service);
      return [{ type: 'up', services: action.services }];
    case 'projectUpFailed':
      return [{ type: 'error', services: action.services, error: errorJson(action.error) }];
    case 'containerReplaced':
      memory.awaitingReady.add(action.service);
      return [{ type: 'replaced', service: action.service, oldId: action.oldId, newId: action.newId, imageId: action.imageId }];
    case 'containerReplaceFailed':
      return [{ type: 'error', service: action.service, error: errorJson(action.error), detail: 'the old container keeps running' }];
    case 'containerRestarted':
      memory.awaitingReady.add(action.service);
      return [{ type: 'restarted', service: action.service }];
    case 'containerRestartFailed':
      return [{ type: 'error', service: action.service, error: errorJson(action.error) }];
    case 'containerExited': {
      const service = state.services[action.service];
      if (service === undefined) return [];
      // A stop dockstage made is no crash: `--json` keeps the event, marked, with how long the stop took.
      if (action.intended === true) return [{ type: 'exited', service: action.service, exitCode: action.exitCode ?? null, intended: true, stopMs: action.stopMs ?? null }];
      if (action.exitCode === 0 || service.stoppedByUser) return [];
      return [{ type: 'exited', service: action.service, exitCode: action.exitCode ?? null, crashLooping: isCrashLooping(service, action.at), exitsInLastMinute: recentExits(service, action.at), logTail: action.logTail }];
    }
    case 'containerStopSlow': {
      // Once per service and run: the first slow stop says why and what to do; later ones would only repeat it.
      if (state.services[action.service]?.slowStops !== 1) return [];
      const { message, hint } = slowStopMessage(action.service);
      return [{ type: 'slow-stop', service: action.service, containerId: action.containerId, afterMs: SLOW_STOP_MS, message, hint }];
    }
    case 'imagePruned':
      return [{ type: 'pruned', service: action.service, imageId: action.imageId }];
    case 'environmentSwitched':
      for (const service of [...action.recreated, ...action.restarted]) memory.awaitingReady.add(service);
      return [{ type: 'environment', environment: action.environment, recreated: action.recreated, restarted: action.restarted }];
    case 'environmentSwitchFailed':
      return [{ type: 'error', error: errorJson(action.error) }];
    case 'watchFailed':
      return [{ type: 'error', error: errorJson(action.error) }];
    case 'engineDisconnected':
      return [{ type: 'disconnected', message: action.message }];
    case 'engineConnected':
      return [
        {
          type: 'connected',
          version: action.version,
          host: action.host,
          ...(action.endpoint === undefined ? {} : remoteFields(action.endpoint, state)),
        },
      ];
    case 'bindMountCopied':
      return [
        {
          type: 'bind-synced',
          service: action.service,
          source: action.source,
          target: action.target,
          full: action.full,
          paths: action.paths,
          written: action.written,
          removed: action.removed,
          durationMs: action.durationMs,
          ...(action.reload === undefined ? {} : { reload: action.reload }),
          ...(action.error === undefined ? {} : { error: { message: action.error, file: null, line: null, hint: 'the next time the container runs, it gets the whole folder again' } }),
        },
      ];
    default:
      return [];
  }
}

/** `connected`'s endpoint, whether it is remote, and there, per service with project bind mounts, `synced` or `unreachable`. */
function remoteFields(endpoint: string, state: EngineState): Record<string, unknown> {
  const remote = engineIsRemote(endpoint, state.workspace?.config.remote);
  const modes = remote && state.workspace !== undefined ? bindMountModes(state.workspace, true) : {};
  return { endpoint, remote, ...(Object.keys(modes).length === 0 ? {} : { bindMounts: modes }) };
}

function servicesOfBuild(state: EngineState, id: string): string[] {
  return Object.values(state.services)
    .filter((service) => service.lastBuild?.id === id)
    .map((service) => service.name)
    .sort();
}

function blockedMap(workspace: Workspace): Map<string, string> {
  return new Map(workspace.services.filter((s) => s.blocked.length > 0).map((s) => [s.name, s.blocked.map((e) => e.message).join('\n')]));
}

/** An error as JSON: message, file, line, hint, and for builds the stage and instruction. */
export function errorJson(error: DockstageError): Record<string, unknown> {
  const base = { message: error.message, file: error.location.file ?? null, line: error.location.line ?? null, hint: error.hint ?? null };
  if (!(error instanceof BuildFailedError)) return base;
  return { ...base, stage: error.stage ?? null, instruction: error.instruction ?? null, logTail: error.logTail };
}

/** The human log's line for an event (without its time), or undefined for events it does not show. Exported for tests. */
export function humanLine(event: WatchEvent): string | undefined {
  const list = (value: unknown) => (Array.isArray(value) ? value.join(', ') : String(value));
  const error = event['error'] as { message: string; file: string | null; line: number | null; hint: string | null } | undefined;
  const where = error === undefined ? '' : location(error);
  switch (event.type) {
    case 'watching':
      return `watching ${event['paths']} paths in ${event['environment']}`;
    case 'change':
      return `change ${list(event['paths'])}`;
    case 'plan': {
      const services = event['services'] as { name: string; action: string; reasons: { rule: string; message?: string }[] }[];
      if (event['reload'] === true) return 'the project changed: loading it again';
      const why = services.find((s) => s.reasons[0]?.rule === 'sync-not-possible')?.reasons[0]?.message;
      if (why !== undefined) return `${services.map((s) => s.name).join(', ')}: rebuild (no live sync: ${why})`;
      const blocked = (event['blocked'] as { name: string; error: { message: string; file: string | null; line: number | null } }[] | undefined) ?? [];
      if (blocked.length > 0) return blocked.map((b) => `${b.name}: not rebuilt, blocked: ${b.error.message}${location(b.error)}`).join('\n');
      if (services.length === 0) return 'nothing to do';
      // A rebuild is said by its build's own line (or, when live sync takes it, by the synced lines), in that order:
      // saying "rebuild" first would read as a contradiction when the change is then synced.
      const others = services.filter((s) => s.action !== 'rebuild' && s.action !== 'sync');
      return others.length === 0 ? undefined : others.map((s) => `${s.name}: ${s.action}`).join(', ');
    }
    case 'build-start':
      return `${list(event['services'])}: ${event['check'] === true ? 'checking' : 'building'} ${event['target']}`;
    case 'build-done':
      return event['upToDate'] === true
        ? `${list(event['services'])}: up to date`
        : `${list(event['services'])}: built in ${((event['durationMs'] as number) / 1000).toFixed(1)}s (${event['cachedSteps']} of ${event['totalSteps']} steps cached)`;
    case 'build-failed': {
      const services = list(event['services']);
      // The message names the services already when it comes from the build; the step's last output says why.
      const message = error?.message.startsWith(`${services}: `) === true ? error.message.slice(services.length + 2) : error?.message;
      const tail = tailLines((event['error'] as { logTail?: string[] } | undefined)?.logTail ?? []);
      return `${services}: build FAILED: ${message}${where}${tail}${error?.hint == null ? '' : `\n  hint: ${error.hint}`}`;
    }
    case 'replaced':
      return `${event['service']}: replaced ${(event['oldId'] as string).slice(0, 12)} → ${(event['newId'] as string).slice(0, 12)}`;
    case 'restarted':
      return `${event['service']}: restarted`;
    case 'ready':
      return `${event['service']}: ready${event['health'] === 'healthy' ? ' (healthy)' : ''}`;
    case 'bind-synced': {
      const mount = `${event['source']} → ${event['target']}`;
      if (error !== undefined) return `${event['service']}: could not copy the bind mount ${mount}: ${error.message}`;
      const counts = `${event['written']} written, ${event['removed']} removed`;
      const reload = event['reload'] === undefined || event['reload'] === 'none' ? '' : `; reload: ${event['reload']}`;
      return event['full'] === true ? `${event['service']}: bind mount ${mount} copied in full (${counts}${reload})` : `${event['service']}: bind mount ${mount}: ${list(event['paths'])} (${counts})`;
    }
    case 'synced':
      return `${event['service']}: synced ${list(event['paths'])} (${event['reload'] === 'none' ? 'the app reloads itself' : `reload: ${event['reload']}`}); rebuilding the image behind`;
    case 'up':
      return `up: ${list(event['services'])}`;
    case 'blocked':
      return `${event['service']}: blocked: ${error?.message}${where}${error?.hint == null ? '' : `\n  hint: ${error.hint}`}`;
    case 'unblocked':
      return `${event['service']}: unblocked`;
    case 'exited': {
      if (event['intended'] === true) return undefined;
      const tail = tailLines(event['logTail'] as string[]);
      const loop = event['crashLooping'] === true ? ` (crash-looping: ${event['exitsInLastMinute']} exits in the last minute; fix the code and save, nothing is rebuilt meanwhile)` : '';
      return `${event['service']}: exited with code ${event['exitCode']}${loop}${tail}`;
    }
    case 'slow-stop':
      return `${event['message']}\n  hint: ${event['hint']}`;
    case 'pruned':
      return `${event['service']}: removed superseded image ${(event['imageId'] as string).slice(7, 19)}`;
    case 'environment':
      return `switched to ${event['environment']}`;
    case 'error':
      return `error: ${error?.message}${where}${event['detail'] === undefined ? '' : ` (${event['detail']})`}`;
    case 'disconnected':
      return `engine disconnected: ${event['message']}; reconnecting`;
    case 'connected':
      return undefined;
    case 'idle':
      return undefined;
    default:
      return undefined;
  }
}

/** ` (file:line)` for an error that names a file, else nothing. */
function location(error: { readonly file: string | null; readonly line: number | null }): string {
  return error.file == null ? '' : ` (${error.file}${error.line == null ? '' : `:${error.line}`})`;
}

/** A process's last lines, each on its own indented line under the message. */
function tailLines(lines: readonly string[]): string {
  return lines.map((line) => `\n  │ ${line}`).join('');
}
