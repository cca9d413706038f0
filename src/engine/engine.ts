/**
 * One engine run: the store, its subscribers, and the two ways commands use
 * it: run until idle (`build`, `up`, `env`) or until stopped (`watch`, the
 * TUI). Every command is a client of this one engine; a TUI key dispatches the
 * same actions a command does.
 */
import type { EngineAction } from '../core/state/actions.js';
import { isIdle } from '../core/state/due.js';
import { initialState, type EngineState } from '../core/state/engine-state.js';
import type { Workspace } from '../core/workspace.js';
import type { Clock } from '../ports/clock.js';
import type { ComposeCli, ComposeTarget } from '../ports/compose-cli.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { ContainerFiles } from '../ports/container-files.js';
import type { FileSystem } from '../ports/file-system.js';
import type { FileWatcher } from '../ports/file-watcher.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import { createStore, type Store, type Subscriber } from './store.js';
import type { RunSettings } from './settings.js';
import { buildsSubscriber } from './subscribers/builds.js';
import { containersSubscriber } from './subscribers/containers.js';
import { syncWritersSubscriber } from './subscribers/sync-writers.js';
import { bindMountsSubscriber } from './subscribers/bind-mounts.js';
import { filesSubscriber } from './subscribers/files.js';
import { loaderSubscriber } from './subscribers/loader.js';
import { checksSubscriber } from './subscribers/checks.js';
import { checkMemoryFile, fileCheckMemory } from '../operations/check-memory.js';

/** The ports an engine run uses. `watcher` is needed only when watching. */
export interface EnginePorts {
  readonly fs: FileSystem;
  readonly runtime: ContainerRuntime;
  readonly builder: ImageBuilder;
  readonly compose: ComposeCli;
  readonly clock: Clock;
  readonly watcher?: FileWatcher;
  /** Writes files into running containers (live sync); without it, every change rebuilds. */
  readonly containerFiles?: ContainerFiles;
  /** Writes the copies of bind mounts on a remote engine (`remote.bind_mounts: sync`); without it, they are not kept. */
  readonly bindMountFiles?: ContainerFiles;
}

/** What an engine run is asked to do, and what it needs from its command. */
export interface EngineRunOptions {
  readonly settings: RunSettings;
  /** How compose is called for this project (without the override), and where `.dockstage/` lives. */
  readonly composeTarget: ComposeTarget;
  readonly projectDir: string;
  /** Loads the project again in an environment (reloads and switches). */
  readonly load: (environment: string) => Promise<{ readonly workspace: Workspace; readonly composeFiles: readonly string[] }>;
  /** More subscribers (output, UI), told after the engine's own. */
  readonly subscribers?: readonly ((store: Store) => Subscriber)[];
  /** When the model's files were first read (ms since the epoch): edits after it, before the watcher is armed, count. */
  readonly modelReadSince?: number;
  /** A subscriber threw: a bug, reported rather than swallowed. */
  readonly onSubscriberError?: (error: unknown) => void;
}

/** A started engine. */
export interface EngineRun {
  readonly store: Store;
  dispatch(action: EngineAction): void;
  /** Resolves with the state once nothing more will happen without a new event. */
  idle(): Promise<EngineState>;
  /** Cancels builds, stops watching and following, waits for subscribers to finish (containers keep running). */
  stop(): Promise<void>;
}

/** Starts an engine on a loaded workspace. */
export function startEngine(
  ports: EnginePorts,
  workspace: Workspace,
  composeFiles: readonly string[],
  options: EngineRunOptions,
): EngineRun {
  const { settings } = options;
  const base = initialState({
    mode: settings.mode,
    selected: settings.services,
    concurrency: settings.concurrency,
    prune: settings.prune,
    sync: settings.sync && workspace.config.watch.sync && ports.containerFiles !== undefined,
    watcher: ports.watcher !== undefined,
    checks: settings.checks,
  });
  const initial: EngineState =
    settings.mode === 'switch'
      ? {
          ...base,
          switching: {
            environment: workspace.environment.name,
            from: settings.switchFrom ?? workspace.environment.name,
            phase: 'loading',
            error: undefined,
          },
        }
      : base;
  const store = createStore(initial, options.onSubscriberError);
  const now = () => ports.clock.now();
  const subscribers: Subscriber[] = [
    loaderSubscriber({ load: options.load, dispatch: store.dispatch, getState: store.getState, now }),
    buildsSubscriber({
      deps: { fs: ports.fs, runtime: ports.runtime, builder: ports.builder },
      ...(ports.containerFiles === undefined ? {} : { sync: { containerFiles: ports.containerFiles } }),
      dispatch: store.dispatch,
      getState: store.getState,
      now,
      clock: ports.clock,
      settings: settings.build,
    }),
  ];
  if (settings.mode !== 'build') {
    subscribers.push(
      containersSubscriber({
        runtime: ports.runtime,
        compose: ports.compose,
        fs: ports.fs,
        clock: ports.clock,
        dispatch: store.dispatch,
        getState: store.getState,
        composeTarget: options.composeTarget,
        projectDir: options.projectDir,
        // A switch follows too: compose's recreate is timed, so a container that ignores SIGTERM is said.
        follow: settings.mode === 'watch' || settings.mode === 'switch',
        ...(settings.wait ? { wait: true } : {}),
      }),
    );
  }
  if (settings.mode === 'watch' && ports.watcher !== undefined) {
    subscribers.push(
      filesSubscriber({
        watcher: ports.watcher,
        clock: ports.clock,
        dispatch: store.dispatch,
        fs: ports.fs,
        ...(options.modelReadSince === undefined ? {} : { modelReadSince: options.modelReadSince }),
      }),
    );
  }
  if (settings.mode === 'watch' && ports.containerFiles !== undefined) subscribers.push(syncWritersSubscriber(ports.containerFiles));
  if (settings.mode !== 'build' && ports.bindMountFiles !== undefined) {
    subscribers.push(
      bindMountsSubscriber({
        fs: ports.fs,
        runtime: ports.runtime,
        containerFiles: ports.bindMountFiles,
        dispatch: store.dispatch,
        getState: store.getState,
        now,
        watching: settings.mode === 'watch',
      }),
    );
  }
  if (base.checksEnabled) {
    subscribers.push(
      checksSubscriber({
        deps: { fs: ports.fs, runtime: ports.runtime, builder: ports.builder },
        memory: fileCheckMemory(ports.fs, checkMemoryFile(options.projectDir, workspace.project.name)),
        dispatch: store.dispatch,
        getState: store.getState,
        now,
        platform: settings.build.platform,
        builder: settings.build.builder,
      }),
    );
  }
  for (const make of options.subscribers ?? []) subscribers.push(make(store));
  for (const subscriber of subscribers) store.subscribe(subscriber);
  store.dispatch({ type: 'workspaceLoaded', workspace, composeFiles, at: now() });
  let stopping: Promise<void> | undefined;
  return {
    store,
    dispatch: store.dispatch,
    idle: () => store.until(isIdle),
    stop() {
      stopping ??= (async () => {
        store.dispatch({ type: 'stopRequested', at: now() });
        await Promise.allSettled(subscribers.map((subscriber) => subscriber.dispose?.()));
      })();
      return stopping;
    },
  };
}
