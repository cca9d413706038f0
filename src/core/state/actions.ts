/**
 * Everything that can happen to the engine, as past-tense events. Subscribers
 * dispatch them after the fact (a build completed, a file changed, a key was
 * pressed); the reducer folds them into the state. `at` is the Clock's time.
 */
import type { BuildEvent } from '../dockerfile/build-steps.js';
import type { DockstageError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import type { ContextLinks } from '../dockerfile/follow-links.js';
import type { ContainerSnapshot } from './engine-state.js';
import type { CheckResult } from './check-state.js';

/** A container of the project as listed by the engine, with the service it belongs to. */
export interface ListedContainer extends ContainerSnapshot {
  readonly service: string;
}

/** A file live sync wrote (or removed), with the COPY that puts it there. */
export interface SyncedFile {
  /** Relative to the project directory. */
  readonly path: string;
  /** Absolute path in the container. */
  readonly destination: string;
  readonly deleted: boolean;
  readonly instruction: string;
  readonly line: number;
  readonly stage: string;
}

/**
 * One service's part in a live sync. `deferred`: its restart was left for later, so that a service served first
 * (`priority.ts`) restarts alone; it is due as a restart once those are ready.
 */
export interface SyncedService {
  readonly name: string;
  readonly containerId: string;
  readonly reload: string;
  readonly files: readonly SyncedFile[];
  readonly deferred?: boolean;
}

/** Every action, discriminated by `type`. */
export type EngineAction =
  /** The loader began reading the project: model files that change from now on need another load. */
  | { readonly type: 'workspaceLoadStarted'; readonly at: number }
  | { readonly type: 'workspaceLoaded'; readonly workspace: Workspace; readonly composeFiles: readonly string[]; readonly at: number }
  | { readonly type: 'workspaceLoadFailed'; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'filesChanged'; readonly paths: readonly string[]; readonly at: number }
  /** The symlinks on the builds' source paths differ from the workspace's (looked at again before a batch that touched them), by absolute context directory. */
  | { readonly type: 'contextLinksChanged'; readonly links: ReadonlyMap<string, ContextLinks>; readonly at: number }
  /** A build asked for (a key, a command); `force`: BuildKit builds even when an image with these inputs exists (its cache is still used). */
  | {
      readonly type: 'buildRequested';
      readonly services: readonly string[] | 'stale' | 'all';
      readonly force?: boolean;
      readonly at: number;
    }
  /** The service is building: its image is checked against the sources first (an image with these inputs is reused). */
  | { readonly type: 'buildStarted'; readonly id: string; readonly services: readonly string[]; readonly at: number }
  /** The check found no image with these inputs: BuildKit builds. */
  | { readonly type: 'buildkitStarted'; readonly id: string; readonly tags: readonly string[]; readonly at: number }
  /** One step event, with the Dockerfile line it maps to. */
  | { readonly type: 'buildProgressed'; readonly id: string; readonly event: BuildEvent; readonly line: number | undefined }
  | {
      readonly type: 'buildCompleted';
      readonly id: string;
      readonly imageId: string;
      /** An image with these inputs already existed: nothing was built. */
      readonly upToDate: boolean;
      readonly cachedSteps: number;
      readonly totalSteps: number;
      /** The whole build, or for `upToDate` the time the check took. */
      readonly durationMs: number;
      readonly tags: readonly string[];
      readonly at: number;
    }
  | { readonly type: 'buildFailed'; readonly id: string; readonly error: DockstageError; readonly cancelled: boolean; readonly at: number }
  /** The build's changes may be synced: the Dockerfile is asked first (a rebuild follows only when it says so). */
  | { readonly type: 'syncStarted'; readonly id: string; readonly at: number }
  /** Live sync took the build's changes: the files are in the containers, each service reloaded its way. */
  | {
      readonly type: 'serviceSynced';
      readonly id: string;
      readonly services: readonly SyncedService[];
      readonly at: number;
    }
  /** The rebuilds behind these services' live syncs may start now. */
  | { readonly type: 'backgroundBuildsReleased'; readonly services: readonly string[]; readonly at: number }
  /** Live sync could not take the build's changes (the reason names the instruction and line): it builds instead. */
  | {
      readonly type: 'syncSkipped';
      readonly id: string;
      readonly reason: {
        readonly message: string;
        readonly instruction: string | null;
        readonly line: number | null;
        readonly path: string | null;
      };
      readonly at: number;
    }
  | { readonly type: 'containersListed'; readonly containers: readonly ListedContainer[]; readonly at: number }
  /**
   * A container stopped. `intended`: dockstage stopped it (a replace, a restart, a user's stop, compose's recreate, as
   * `isIntendedStop` said when the engine reported it), so it is no crash whatever its code. `stopMs`: how long the stop
   * took, from the engine's first kill to the exit, when it was stopped. `logTail` holds its last lines when it failed.
   */
  | {
      readonly type: 'containerExited';
      readonly service: string;
      readonly containerId: string;
      readonly exitCode: number | undefined;
      readonly logTail: readonly string[];
      readonly intended?: boolean;
      readonly stopMs?: number | undefined;
      readonly at: number;
    }
  /** An intended stop of the container has lasted SLOW_STOP_MS and it has not exited yet (the app does not stop on its stop signal). */
  | { readonly type: 'containerStopSlow'; readonly service: string; readonly containerId: string; readonly at: number }
  | { readonly type: 'projectUpStarted'; readonly services: readonly string[]; readonly at: number }
  | { readonly type: 'projectUp'; readonly services: readonly string[]; readonly at: number }
  | { readonly type: 'projectUpFailed'; readonly services: readonly string[]; readonly error: DockstageError; readonly at: number }
  /** `containerId`: the container being replaced (its stop is intended). */
  | { readonly type: 'containerReplaceStarted'; readonly service: string; readonly containerId?: string; readonly at: number }
  | {
      readonly type: 'containerReplaced';
      readonly service: string;
      readonly oldId: string;
      readonly newId: string;
      readonly imageId: string;
      readonly at: number;
    }
  | { readonly type: 'containerReplaceFailed'; readonly service: string; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'containerRestartStarted'; readonly service: string; readonly at: number }
  | { readonly type: 'containerRestarted'; readonly service: string; readonly at: number }
  | { readonly type: 'containerRestartFailed'; readonly service: string; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'serviceStopped'; readonly service: string; readonly at: number }
  | { readonly type: 'serviceStartRequested'; readonly service: string; readonly at: number }
  /** The user asked to restart the service's container (a key in the TUI): due at once, waiting for no other service. */
  | { readonly type: 'restartRequested'; readonly service: string; readonly at: number }
  /** Stopping the container of a service the user stopped failed; it may still run. */
  | { readonly type: 'containerStopFailed'; readonly service: string; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'imagePruned'; readonly service: string; readonly imageId: string; readonly at: number }
  | { readonly type: 'environmentSwitchRequested'; readonly environment: string; readonly at: number }
  | { readonly type: 'environmentSwitchStarted'; readonly at: number }
  | {
      readonly type: 'environmentSwitched';
      readonly environment: string;
      readonly recreated: readonly string[];
      readonly restarted: readonly string[];
      readonly at: number;
    }
  | { readonly type: 'environmentSwitchFailed'; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'watchStarted'; readonly paths: number; readonly at: number }
  | { readonly type: 'watchPathsChanged'; readonly paths: number; readonly at: number }
  | { readonly type: 'watchPaused'; readonly at: number }
  | { readonly type: 'watchResumed'; readonly at: number }
  | { readonly type: 'watchFailed'; readonly error: DockstageError; readonly at: number }
  | { readonly type: 'engineConnected'; readonly version: string; readonly host: string; readonly endpoint?: string; readonly at: number }
  | { readonly type: 'engineDisconnected'; readonly message: string; readonly at: number }
  | { readonly type: 'stopRequested'; readonly at: number }
  /** The user looks at this service now (the TUI's selection), or at none. */
  | { readonly type: 'serviceFocused'; readonly service: string | undefined; readonly at: number }
  /** The container's healthcheck still said `starting` READY_WAIT_MS after it was first seen so: it holds no service back any more. */
  | { readonly type: 'readyWaitEnded'; readonly service: string; readonly containerId: string; readonly at: number }
  /**
   * A bind mount kept as a copy on a remote engine (`remote.bind_mounts: sync`) was brought up to date: in `full` (a new
   * container) or for changed `paths` (relative to the project). `error`: the container could not take it.
   */
  | {
      readonly type: 'bindMountCopied';
      readonly service: string;
      readonly containerId: string;
      readonly source: string;
      readonly target: string;
      readonly full: boolean;
      readonly written: number;
      readonly removed: number;
      readonly paths: readonly string[];
      readonly error?: string;
      /** How long the copy took (listing, removals, writes). */
      readonly durationMs: number;
      /** After a full copy that changed the folder: how the service reloads next (`restart` stops the container: no crash). */
      readonly reload?: string;
      readonly at: number;
    }
  /** Run these services' checks now (a key): due even when their inputs did not change (a remembered pass still counts). */
  | { readonly type: 'checksRequested'; readonly services: readonly string[]; readonly at: number }
  /** A check build started (its inputs are hashed first: a remembered pass ends it at once). */
  | { readonly type: 'checkStarted'; readonly key: string; readonly id: string; readonly at: number }
  | { readonly type: 'checkFinished'; readonly key: string; readonly id: string; readonly result: CheckResult; readonly at: number }
  /** Cancelled: a new edit touched its inputs, or work a user waits on came first. It is due again. */
  | { readonly type: 'checkCancelled'; readonly key: string; readonly id: string; readonly at: number };

/** The action of one type. */
export type ActionOf<T extends EngineAction['type']> = Extract<EngineAction, { type: T }>;
