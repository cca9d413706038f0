/**
 * The engine state: everything one dockstage run knows, in one immutable
 * value. Only the reducer makes a new one (one handler per action); the
 * subscribers read it, do I/O and dispatch what happened. The terminal UI and
 * the `--json` output are views of it.
 */
import type { DockstageError } from '../errors.js';
import type { Plan, PlanReason } from './plan.js';
import type { Workspace } from '../workspace.js';
import type { CheckState } from './check-state.js';

/**
 * What a run is for. `build` builds and stops; `up` builds, then starts the project; `switch` builds the new
 * environment and recreates what changed; `watch` is `up` that goes on reacting to changes until stopped.
 */
export type EngineMode = 'build' | 'up' | 'switch' | 'watch';

/** A container of a service as the engine shows it, in the core's own words (the runtime port maps to it). */
export interface ContainerSnapshot {
  readonly id: string;
  readonly name: string;
  readonly state: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
  readonly health: 'healthy' | 'unhealthy' | 'starting' | null;
  readonly imageId: string;
  readonly exitCode: number | undefined;
  /** Published ports as `hostPort→containerPort/protocol`. */
  readonly ports: readonly string[];
  /** The environment label dockstage put on it, when it made it. */
  readonly environment: string | undefined;
}

/** Progress of one stage of a build, folded from the builder's step events. */
export interface StageProgress {
  readonly stage: string;
  readonly done: number;
  readonly cached: number;
  readonly total: number | null;
  /** The instruction running now. */
  readonly current: string | undefined;
  readonly failed: boolean;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  /** Steps already counted (BuildKit can report a step completed twice). */
  readonly vertices: readonly string[];
}

/** One build of one shared target (services building the same image build once). */
export interface BuildState {
  readonly id: string;
  readonly services: readonly string[];
  readonly buildKey: string;
  readonly target: string;
  /** Why it runs: the reasons the planner gave each service, merged. */
  readonly reasons: readonly PlanReason[];
  readonly startedAt: number;
  /** The changed files behind it, when only files caused it (live sync may take them instead). */
  readonly paths: readonly string[];
  /** Only changed context files caused it. */
  readonly onlyFiles: boolean;
  /** Stages in the order they started. */
  readonly stages: readonly StageProgress[];
  readonly background: boolean;
  /** Live sync is being tried for it (the Dockerfile is asked, files written); a rebuild follows only when it cannot. */
  readonly syncing: boolean;
}

/** How the last build of a service ended; kept so the UI can say "built 4s ago in 0.8s (3 of 4 cached)". */
export interface BuildSummary {
  readonly id: string;
  readonly status: 'built' | 'up-to-date' | 'failed' | 'cancelled';
  readonly target: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly cachedSteps: number;
  readonly totalSteps: number;
  readonly stages: readonly StageProgress[];
  readonly reasons: readonly PlanReason[];
  readonly error: DockstageError | undefined;
}

/** A build the service needs and has not started: what asked for it and since when. */
export interface PendingBuild {
  readonly reasons: readonly PlanReason[];
  readonly since: number;
  /** `background`: a rebuild behind a live sync, which yields to every build a user waits on. */
  readonly background: boolean;
  /**
   * A background build waits while the synced services reload (an app restarting and BuildKit starting share the
   * CPUs, and the restart is what the user waits for); the builds subscriber releases it after a pause on the Clock.
   */
  readonly held: boolean;
  /** Asked for by the user (a key or a command): builds even when watching is paused. */
  readonly requested: boolean;
  /** The changed files behind it (absolute): what live sync would write. Empty when not only files caused it. */
  readonly paths: readonly string[];
  /** Something other than a changed context file asked for it (a check, a key, the Dockerfile): never synced. */
  readonly onlyFiles: boolean;
  /** A forced rebuild (`F`): BuildKit builds even when an image with these inputs exists, with its cache. */
  readonly force?: boolean;
}

/**
 * What the live container's files are: an image's (it was created from it, or the rebuild behind a live sync caught up
 * with what was synced into it), or its image plus files live sync wrote that no built image has yet.
 */
export type ContainerContent =
  | {
      readonly kind: 'image';
      readonly containerId: string;
      readonly imageId: string;
      /** When files were last synced into it, if ever (the build that caught up started after). */
      readonly syncedAt: number | undefined;
    }
  | {
      readonly kind: 'synced';
      readonly containerId: string;
      /** When the last sync into it finished (a build started before then does not match it). */
      readonly syncedAt: number;
    };

/** One service of the project in this run. Blocking problems live on the workspace's service model. */
export interface ServiceState {
  readonly name: string;
  readonly pending: PendingBuild | undefined;
  /** The id of the build in flight for it. */
  readonly building: string | undefined;
  /** The image built or confirmed for the current inputs. */
  readonly imageId: string | undefined;
  readonly freshness: 'unknown' | 'fresh' | 'failed' | 'synced';
  readonly lastBuild: BuildSummary | undefined;
  readonly containers: readonly ContainerSnapshot[];
  /** The container should move to this image (a build produced a different one). */
  readonly replaceWith: string | undefined;
  /**
   * Its compose definition changed (an edit of a compose file: environment, ports, command, …): compose recreates its
   * container (`up --no-deps`, which compares its config hash) once its builds are settled, instead of a replace.
   */
  readonly recreate: boolean;
  /** A restart is due (depends_on … restart: true, or a change under a bind mount), once these services are settled. */
  readonly restart:
    | {
        readonly reasons: readonly PlanReason[];
        readonly after: readonly string[];
        /** The user asked for it (a key): it waits for no other service, not even one served first (`priority.ts`). */
        readonly asked?: boolean;
      }
    | undefined;
  /** A container operation (create, replace, restart) is running. */
  readonly operation: 'replacing' | 'restarting' | 'starting' | undefined;
  /** Brought up by this run (or found running at start); a service the user stopped stays stopped. */
  readonly started: boolean;
  readonly stoppedByUser: boolean;
  /** Recent exits while it should be running, for crash-loop detection (Unix ms). Intended stops are not among them. */
  readonly exits: readonly number[];
  /**
   * Containers dockstage is stopping (a replace, a restart, a user's stop, compose's recreate) whose exit has not been
   * seen yet: that exit is intended, not a crash (see `stops.ts`).
   */
  readonly expectedStops: readonly ExpectedStop[];
  /** How many of its intended stops took longer than SLOW_STOP_MS in this run; the first one says why and what to do. */
  readonly slowStops: number;
  /** The last failure of a container operation on it. */
  readonly operationError: DockstageError | undefined;
  /** What the live container holds, for live sync: it may take a sync only when it holds the current image's files. */
  readonly content: ContainerContent | undefined;
  /** The last live sync: when, which files, where they went. */
  readonly lastSync:
    | { readonly at: number; readonly files: readonly { readonly path: string; readonly destination: string }[]; readonly reload: string }
    | undefined;
}

/** A container dockstage is stopping, since when (the Clock's time). */
export interface ExpectedStop {
  readonly containerId: string;
  readonly since: number;
}

/** The watcher's side of the state. */
export interface WatchState {
  /**
   * A watcher is starting (watch and the TUI): the start-up check waits until it is armed, so no edit can fall
   * between the files the check reads and the first change the watcher sees.
   */
  readonly expected: boolean;
  readonly active: boolean;
  readonly paused: boolean;
  readonly paths: number;
  /**
   * While paused: the services an edit would rebuild (the planner's names), each with the time of its latest such
   * edit, so the UI says "changes pending" instead of "up to date". Nothing is built for them; resuming checks every image.
   */
  readonly changedWhilePaused: Readonly<Record<string, number>>;
}

/** An environment switch under way: builds first, then the recreate of what changed. */
export interface SwitchState {
  readonly environment: string;
  readonly from: string;
  readonly phase: 'loading' | 'building' | 'recreating' | 'failed';
  readonly error: DockstageError | undefined;
}

/** A reload that is due or running. */
export interface Reload {
  /** The changed paths, planned against the new workspace once it is loaded. */
  readonly paths: readonly string[];
  readonly environment: string | undefined;
  /** The loader is reading the project now (`workspaceLoadStarted`). */
  readonly loading?: boolean;
  /** A model file changed while it read: the load may have missed it, so another one follows. */
  readonly again?: boolean;
}

/** The whole state of one run. */
export interface EngineState {
  readonly mode: EngineMode;
  /** The services this run works on (a command's SERVICE arguments with their dependencies); undefined for all. */
  readonly selected: readonly string[] | undefined;
  readonly workspace: Workspace | undefined;
  /** The files compose resolves the project from (`-f` or discovery, and the env files), whose edits reload it. */
  readonly composeFiles: readonly string[];
  /** A reload failed as a whole (compose refuses the file): the last good workspace stays in force. */
  readonly projectError: DockstageError | undefined;
  /** A reload is due (a compose file, Dockerfile or ignore file changed), with the changed paths to plan after it. */
  readonly reload: Reload | undefined;
  readonly services: Readonly<Record<string, ServiceState>>;
  /** Builds in flight, by id. */
  readonly builds: Readonly<Record<string, BuildState>>;
  readonly nextBuildId: number;
  /** Live sync is on (`x-dockstage.watch.sync` and not `watch --no-sync`); only `watch` syncs. */
  readonly sync: boolean;
  /** How many builds may run at once (CPU count). */
  readonly concurrency: number;
  readonly watch: WatchState;
  readonly engine: {
    readonly connected: boolean;
    readonly version: string | undefined;
    readonly host: string | undefined;
    readonly error: string | undefined;
  };
  /** The first `up` of the project (compose creates networks and volumes): waiting, running, done or failed. */
  readonly up: 'waiting' | 'running' | 'done' | 'failed' | 'not-needed';
  /** One-shot `up` brings nothing up when a build failed (compose would run a stale image). */
  readonly upNeedsEveryBuild: boolean;
  readonly switching: SwitchState | undefined;
  /** Superseded images are removed after a replacement (compose watch prunes too) unless `--no-prune`. */
  readonly prune: boolean;
  readonly stopping: boolean;
  /**
   * The last problem, for the one-line summary in the header. A failed build names its services: their next good
   * build (built, or found up to date) clears it.
   */
  readonly lastError: { readonly message: string; readonly at: number; readonly services?: readonly string[] } | undefined;
  /** The plan of the last batch of changes, as the reducer applied it (outputs show it instead of planning again). */
  readonly lastPlan: Plan | undefined;
  /** The service the user looks at (the TUI's selection): its container work goes first (`priority.ts`). */
  readonly focus: string | undefined;
  /** Containers whose healthcheck still says `starting` after READY_WAIT_MS: they hold the others back no longer. */
  readonly readyWaitsEnded: readonly string[];
  /** Checks run in this run (`watch` and the TUI, unless `--no-checks`). */
  readonly checksEnabled: boolean;
  /** The check builds by key (core/state/check-handlers.ts); empty when checks are off. */
  readonly checks: Readonly<Record<string, CheckState>>;
}

/** What a run starts from. */
export interface EngineOptions {
  readonly mode: EngineMode;
  readonly selected?: readonly string[] | undefined;
  readonly concurrency: number;
  readonly prune?: boolean;
  readonly sync?: boolean;
  /** A watcher will report `watchStarted` (see WatchState.expected). */
  readonly watcher?: boolean;
  /** Build the checks in the background (`watch` only). */
  readonly checks?: boolean;
}

/** The state before anything is loaded. */
export function initialState(options: EngineOptions): EngineState {
  return {
    mode: options.mode,
    selected: options.selected === undefined || options.selected.length === 0 ? undefined : [...options.selected].sort(),
    workspace: undefined,
    composeFiles: [],
    projectError: undefined,
    reload: undefined,
    services: {},
    builds: {},
    nextBuildId: 1,
    sync: options.mode === 'watch' && options.sync !== false,
    concurrency: Math.max(1, options.concurrency),
    watch: {
      expected: options.mode === 'watch' && options.watcher === true,
      active: false,
      paused: false,
      paths: 0,
      changedWhilePaused: {},
    },
    engine: { connected: true, version: undefined, host: undefined, error: undefined },
    up: options.mode === 'up' || options.mode === 'watch' ? 'waiting' : 'not-needed',
    upNeedsEveryBuild: options.mode === 'up',
    switching: undefined,
    prune: options.prune ?? true,
    stopping: false,
    lastError: undefined,
    lastPlan: undefined,
    focus: undefined,
    readyWaitsEnded: [],
    checksEnabled: options.mode === 'watch' && options.checks === true,
    checks: {},
  };
}

/** A service as it starts in a run: nothing known yet. */
export function newServiceState(name: string): ServiceState {
  return {
    name,
    pending: undefined,
    building: undefined,
    imageId: undefined,
    freshness: 'unknown',
    lastBuild: undefined,
    containers: [],
    replaceWith: undefined,
    recreate: false,
    restart: undefined,
    operation: undefined,
    started: false,
    stoppedByUser: false,
    exits: [],
    expectedStops: [],
    slowStops: 0,
    operationError: undefined,
    content: undefined,
    lastSync: undefined,
  };
}

/** Is the service part of this run? */
export function isSelected(state: EngineState, service: string): boolean {
  return state.selected === undefined || state.selected.includes(service);
}

/** The running (or restarting) container of a service, if any. */
export function liveContainer(service: ServiceState): ContainerSnapshot | undefined {
  return service.containers.find((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
}
