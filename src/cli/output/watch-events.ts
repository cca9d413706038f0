/**
 * The events of `watch`, derived from the engine's actions and the state after them. `--json` prints each as one
 * line (with `type` and an ISO `time`; `stopped` is the command's own last word); the human log words them
 * (watch-lines.ts). Errors are `ErrorDescription`s, the one JSON form of an error.
 */
import { BuildFailedError, DockstageError, withContainerKept } from '../../core/errors.js';
import { describeError, type ErrorDescription } from '../../core/error-description.js';
import type { EngineAction, SyncedFile } from '../../core/state/actions.js';
import { isCrashLooping, recentExits } from '../../core/state/reducer.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { slowStopMessage, SLOW_STOP_MS } from '../../core/state/stops.js';
import { relativeLabel, type Workspace } from '../../core/workspace.js';
import { bindMountModes, engineIsRemote } from '../../core/remote-engine.js';
import type { Action, PlanReason } from '../../core/state/plan.js';

/** A reason in a `plan` event: the planner's, a file live sync takes, or why it could not. */
export type PlanEventReason =
  | PlanReason
  | {
      readonly rule: 'sync';
      readonly path: string;
      readonly destination: string;
      readonly stage: string;
      readonly instruction: string;
      readonly line: number;
    }
  | {
      readonly rule: 'sync-not-possible';
      readonly path: string | null;
      readonly instruction: string | null;
      readonly line: number | null;
      readonly message: string;
    };

export interface PlannedService {
  readonly name: string;
  readonly action: Action | 'sync';
  readonly reasons: readonly PlanEventReason[];
}

/** One watch event, before it is printed. */
export type WatchEvent =
  | { readonly type: 'watching'; readonly paths: number; readonly environment: string | null }
  | { readonly type: 'change'; readonly paths: readonly string[] }
  | {
      readonly type: 'plan';
      readonly services: readonly PlannedService[];
      readonly reload?: true;
      readonly blocked?: readonly { readonly name: string; readonly error: ErrorDescription }[];
    }
  | {
      readonly type: 'build-start';
      readonly id: string;
      readonly services: readonly string[];
      readonly target: string;
      readonly reasons: readonly PlanReason[];
      readonly check?: boolean;
    }
  | {
      readonly type: 'stage';
      readonly id: string;
      readonly services: readonly string[];
      readonly stage: string;
      readonly step: number | null;
      readonly total: number | null;
      readonly cached: boolean;
      readonly instruction: string;
      readonly line: number | null;
    }
  | {
      readonly type: 'build-done';
      readonly id: string;
      readonly services: readonly string[];
      readonly imageId: string;
      readonly upToDate: boolean;
      readonly durationMs: number;
      readonly cachedSteps: number;
      readonly totalSteps: number;
    }
  | {
      readonly type: 'build-failed';
      readonly id: string;
      readonly services: readonly string[];
      readonly durationMs?: number;
      readonly cachedSteps?: number;
      readonly error: ErrorDescription;
    }
  | {
      readonly type: 'synced';
      readonly service: string;
      readonly paths: readonly string[];
      readonly files: readonly Pick<SyncedFile, 'path' | 'destination' | 'deleted'>[];
      readonly reload: string;
    }
  | { readonly type: 'up'; readonly services: readonly string[] }
  | { readonly type: 'replaced'; readonly service: string; readonly oldId: string; readonly newId: string; readonly imageId: string }
  | { readonly type: 'restarted'; readonly service: string }
  | { readonly type: 'waiting'; readonly service: string; readonly reason: 'waiting-for-priority'; readonly for: readonly string[] }
  | {
      readonly type: 'ready';
      readonly service: string;
      readonly containerId: string;
      readonly health: 'healthy' | 'unhealthy' | 'starting' | null;
    }
  | {
      readonly type: 'exited';
      readonly service: string;
      readonly exitCode: number | null;
      readonly intended: true;
      readonly stopMs: number | null;
    }
  | {
      readonly type: 'exited';
      readonly service: string;
      readonly exitCode: number | null;
      readonly intended?: undefined;
      readonly crashLooping: boolean;
      readonly exitsInLastMinute: number;
      readonly logTail: readonly string[];
    }
  | {
      readonly type: 'slow-stop';
      readonly service: string;
      readonly containerId: string;
      readonly afterMs: number;
      readonly message: string;
      readonly hint: string;
    }
  | { readonly type: 'blocked'; readonly service: string; readonly error: ErrorDescription }
  | { readonly type: 'unblocked'; readonly service: string }
  | { readonly type: 'pruned'; readonly service: string; readonly imageId: string }
  | {
      readonly type: 'environment';
      readonly environment: string;
      readonly recreated: readonly string[];
      readonly restarted: readonly string[];
    }
  | {
      readonly type: 'error';
      readonly error: ErrorDescription;
      readonly detail?: string;
      readonly service?: string;
      readonly services?: readonly string[];
    }
  | { readonly type: 'disconnected'; readonly message: string }
  | {
      readonly type: 'connected';
      readonly version: string;
      readonly host: string;
      readonly endpoint?: string;
      readonly remote?: boolean;
      /** On a remote engine, per service with project bind mounts: `synced` (kept as a copy) or `unreachable`. */
      readonly bindMounts?: Readonly<Record<string, string>>;
    }
  | {
      readonly type: 'bind-synced';
      readonly service: string;
      readonly source: string;
      readonly target: string;
      readonly full: boolean;
      readonly paths: readonly string[];
      readonly written: number;
      readonly removed: number;
      readonly durationMs: number;
      readonly reload?: string;
      readonly error?: ErrorDescription;
    }
  | { readonly type: 'idle' }
  /** Checks (check-lines.ts): one event per service of the check, all with the run's `id` and every service sharing it. */
  | {
      readonly type: 'check-start';
      readonly service: string;
      readonly id: string;
      readonly stage: string;
      readonly services: readonly string[];
    }
  | {
      readonly type: 'check-done';
      readonly service: string;
      readonly id: string;
      readonly stage: string;
      readonly services: readonly string[];
      readonly passed: boolean;
      readonly durationMs: number;
      readonly cached: boolean;
      readonly error?: ErrorDescription;
    };

export type WatchEventOf<T extends WatchEvent['type']> = Extract<WatchEvent, { type: T }>;

/** What the derivation remembers between actions (owned by the subscriber). */
export interface OutputMemory {
  readonly blocked: Map<string, string>;
  readonly awaitingReady: Set<string>;
  /** Builds that started but may still turn out to be a sync: `build-start` is said once BuildKit really runs. */
  readonly unannounced: Map<string, WatchEventOf<'build-start'>>;
}

/** The events an action makes, in order. */
export function eventsFor(state: EngineState, action: EngineAction, memory: OutputMemory): WatchEvent[] {
  const events = eventsOf(state, action, memory);
  // A build that did not sync is announced before its first other event.
  const id =
    'id' in action &&
    typeof action.id === 'string' &&
    action.type !== 'buildStarted' &&
    action.type !== 'syncStarted' &&
    action.type !== 'serviceSynced'
      ? action.id
      : undefined;
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
          events.push({ type: 'blocked', service, error: describeError(error) });
        }
      }
      for (const service of memory.blocked.keys()) if (!now.has(service)) events.push({ type: 'unblocked', service });
      return events;
    }
    case 'workspaceLoadFailed':
      return [
        {
          type: 'error',
          error: describeError(action.error),
          detail: 'the project could not be loaded again; the last good model stays in force',
        },
      ];
    case 'watchStarted':
      return [{ type: 'watching', paths: action.paths, environment: workspace?.environment.name ?? null }];
    case 'filesChanged': {
      if (workspace === undefined || state.watch.paused || state.stopping) return [];
      const events: WatchEvent[] = [{ type: 'change', paths: action.paths.map(label) }];
      if (state.reload !== undefined) return [...events, { type: 'plan', services: [], reload: true }];
      const services = (state.lastPlan?.services ?? [])
        .filter((s) => s.action !== 'none')
        .map((s) => ({ name: s.name, action: s.action, reasons: s.reasons }));
      // A change in the context of a service that cannot build says why nothing happens for it.
      const blocked = workspace.services
        .filter((model) => model.blocked.length > 0)
        .filter((model) => {
          const context = workspace.project.services.find((s) => s.name === model.name)?.build?.context;
          return context !== undefined && action.paths.some((p) => p.startsWith(`${context.replace(/\/+$/, '')}/`));
        })
        .map((model) => ({ name: model.name, error: describeError(model.blocked[0]!) }));
      return [...events, { type: 'plan', services, ...(blocked.length === 0 ? {} : { blocked }) }];
    }
    case 'buildStarted': {
      const build = state.builds[action.id];
      if (build === undefined) return [];
      memory.unannounced.set(action.id, {
        type: 'build-start',
        id: action.id,
        services: build.services,
        target: build.target,
        reasons: build.reasons,
      });
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
            reasons: service.files.map((file) => ({
              path: file.path,
              rule: 'sync',
              destination: file.destination,
              stage: file.stage,
              instruction: file.instruction,
              line: file.line,
            })),
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
      return [
        {
          type: 'plan',
          services: (build?.services ?? []).map((name) => ({
            name,
            action: 'rebuild',
            reasons: [
              {
                rule: 'sync-not-possible',
                path: action.reason.path,
                instruction: action.reason.instruction,
                line: action.reason.line,
                message: action.reason.message,
              },
            ],
          })),
        },
      ];
    }
    case 'buildProgressed': {
      const event = action.event;
      if (event.type !== 'step-completed' || event.stage === null) return [];
      const build = state.builds[action.id];
      return [
        {
          type: 'stage',
          id: action.id,
          services: build?.services ?? [],
          stage: event.stage,
          step: event.step,
          total: event.total,
          cached: event.cached,
          instruction: event.instruction,
          line: action.line ?? null,
        },
      ];
    }
    case 'buildCompleted': {
      const services = servicesOfBuild(state, action.id);
      return [
        {
          type: 'build-done',
          id: action.id,
          services,
          imageId: action.imageId,
          upToDate: action.upToDate,
          durationMs: Math.round(action.durationMs),
          cachedSteps: action.cachedSteps,
          totalSteps: action.totalSteps,
        },
      ];
    }
    case 'buildFailed':
      if (action.cancelled) return [];
      {
        const services = servicesOfBuild(state, action.id);
        const running = services.some((name) => state.services[name]?.containers.some((c) => c.state === 'running') === true);
        const error = running && action.error instanceof BuildFailedError ? withContainerKept(action.error) : action.error;
        const summary = services.map((name) => state.services[name]?.lastBuild).find((last) => last?.id === action.id);
        const steps = summary === undefined ? {} : { durationMs: summary.endedAt - summary.startedAt, cachedSteps: summary.cachedSteps };
        return [{ type: 'build-failed', id: action.id, services, ...steps, error: describeError(error) }];
      }
    case 'projectUp':
      for (const service of action.services) memory.awaitingReady.add(service);
      return [{ type: 'up', services: action.services }];
    case 'projectUpFailed':
      return [{ type: 'error', services: action.services, error: describeError(action.error) }];
    case 'containerReplaced':
      memory.awaitingReady.add(action.service);
      return [{ type: 'replaced', service: action.service, oldId: action.oldId, newId: action.newId, imageId: action.imageId }];
    case 'containerReplaceFailed':
      return [{ type: 'error', service: action.service, error: describeError(action.error), detail: 'the old container keeps running' }];
    case 'containerRestarted':
      memory.awaitingReady.add(action.service);
      return [{ type: 'restarted', service: action.service }];
    case 'containerRestartFailed':
      return [{ type: 'error', service: action.service, error: describeError(action.error) }];
    case 'containerExited': {
      const service = state.services[action.service];
      if (service === undefined) return [];
      // A stop dockstage made is no crash: `--json` keeps the event, marked, with how long the stop took.
      if (action.intended === true)
        return [
          { type: 'exited', service: action.service, exitCode: action.exitCode ?? null, intended: true, stopMs: action.stopMs ?? null },
        ];
      if (action.exitCode === 0 || service.stoppedByUser) return [];
      return [
        {
          type: 'exited',
          service: action.service,
          exitCode: action.exitCode ?? null,
          crashLooping: isCrashLooping(service, action.at),
          exitsInLastMinute: recentExits(service, action.at),
          logTail: action.logTail,
        },
      ];
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
      return [{ type: 'error', error: describeError(action.error) }];
    case 'watchFailed':
      return [{ type: 'error', error: describeError(action.error) }];
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
          ...(action.error === undefined
            ? {}
            : {
                error: describeError(
                  new DockstageError(action.error, {
                    hint: 'the next time the container runs, it gets the whole folder again',
                    exitCode: 1,
                  }),
                ),
              }),
        },
      ];
    default:
      return [];
  }
}

/** `connected`'s endpoint, whether it is remote, and there, per service with project bind mounts, `synced` or `unreachable`. */
function remoteFields(endpoint: string, state: EngineState): Pick<WatchEventOf<'connected'>, 'endpoint' | 'remote' | 'bindMounts'> {
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

/** The blocked services of a workspace and why, to tell a new block from one already said. */
export function blockedMap(workspace: Workspace): Map<string, string> {
  return new Map(workspace.services.filter((s) => s.blocked.length > 0).map((s) => [s.name, s.blocked.map((e) => e.message).join('\n')]));
}
