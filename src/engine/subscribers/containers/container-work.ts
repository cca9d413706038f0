/**
 * The container work the state says is due, each started at once and tracked
 * until it ends: the first `up` (and a later start) through compose,
 * replacements on the engine API (the hot path: no compose process per edit),
 * restarts, a user's stop, the environment switch's recreate, and pruning the
 * images a replacement or a recreate left behind. Each dispatches its start
 * and its outcome, then lists the containers again.
 */
import { DockstageError } from '../../../core/errors.js';
import { upWithoutDependencies } from '../../../core/compose/up-scope.js';
import { liveContainer, type EngineState } from '../../../core/state/engine-state.js';
import type { ComposeCli, ComposeTarget } from '../../../ports/compose-cli.js';
import type { ContainerRuntime } from '../../../ports/container-runtime.js';
import type { FileSystem } from '../../../ports/file-system.js';
import { recreateChanged, rememberEnvironment, writeOverride } from '../../../operations/lifecycle.js';
import { removeIfDangling } from '../../../operations/builds.js';
import type { StoreAccess } from '../../store.js';

/** What the container work needs. */
export interface ContainerWorkOptions extends StoreAccess {
  readonly runtime: ContainerRuntime;
  readonly compose: ComposeCli;
  readonly fs: FileSystem;
  /** How compose is called for this project (without dockstage's override file). */
  readonly composeTarget: ComposeTarget;
  readonly projectDir: string;
  /** `up --wait`: compose waits for running/healthy. */
  readonly wait: boolean;
  /** Aborts a replacement that has not stopped the old container yet (the run stops). */
  readonly signal: AbortSignal;
  /** Keeps the work's promise until it ends, so the run can wait for it. */
  readonly track: (work: Promise<unknown>) => void;
  readonly relist: () => Promise<void>;
}

/** One function per kind of container work. */
export interface ContainerWork {
  bringUp(services: readonly string[]): void;
  replace(service: string, containerId: string, imageId: string): void;
  restart(service: string): void;
  stopService(service: string): void;
  switchEnvironment(): void;
}

/** Creates the container work of one run. */
export function createContainerWork(options: ContainerWorkOptions): ContainerWork {
  const { runtime, dispatch, now, track, relist } = options;
  const state = () => options.getState();

  /** Removes the image a replacement moved away from, when nothing names or uses it any more (see removeIfDangling). */
  const pruneImage = async (service: string, imageId: string) => {
    if (await removeIfDangling(runtime, imageId)) dispatch({ type: 'imagePruned', service, imageId, at: now() });
  };

  /** After compose recreated containers, the images they ran that nothing names or uses any more are removed. */
  const pruneLeftBehind = async (before: readonly { service: string; imageId: string }[]) => {
    if (!state().prune) return;
    const still = new Set(imagesInUse(state()).map((entry) => entry.imageId));
    for (const { service, imageId } of before) if (!still.has(imageId)) await pruneImage(service, imageId);
  };

  const loadedFrom = (current: EngineState) => {
    const workspace = current.workspace!;
    return {
      compose: options.composeTarget,
      projectDir: options.projectDir,
      project: workspace.project,
      config: workspace.config,
      workspace,
    };
  };

  return {
    bringUp(services) {
      dispatch({ type: 'projectUpStarted', services, at: now() });
      track(
        (async () => {
          try {
            const current = state();
            const target = await writeOverride(loadedFrom(current), options.fs);
            const before = imagesInUse(current);
            const noDeps = current.up === 'done' && upWithoutDependencies(current.workspace!, services);
            await options.compose.up(target, services, { ...(noDeps ? { noDeps: true } : {}), ...(options.wait ? { wait: true } : {}) });
            await relist();
            dispatch({ type: 'projectUp', services, at: now() });
            await pruneLeftBehind(before);
          } catch (error) {
            dispatch({ type: 'projectUpFailed', services, error: asError(error, `starting ${services.join(', ')} failed`), at: now() });
          }
        })(),
      );
    },

    replace(service, containerId, imageId) {
      dispatch({ type: 'containerReplaceStarted', service, containerId, at: now() });
      track(
        (async () => {
          const image = state().workspace?.services.find((s) => s.name === service)?.image ?? imageId;
          try {
            const oldImage = state().services[service]?.containers.find((c) => c.id === containerId)?.imageId;
            // A container that crashed (not one the user stopped) runs the fix at once: that is why it was rebuilt.
            const startAfterCrash = state().services[service]?.stoppedByUser !== true;
            const replaced = await runtime.replaceContainer(containerId, image, { signal: options.signal, startAfterCrash });
            dispatch({ type: 'containerReplaced', service, oldId: containerId, newId: replaced.id, imageId: replaced.imageId, at: now() });
            if (state().prune && oldImage !== undefined && oldImage !== replaced.imageId) await pruneImage(service, oldImage);
          } catch (error) {
            dispatch({
              type: 'containerReplaceFailed',
              service,
              error: asError(error, `replacing the container of ${service} failed`),
              at: now(),
            });
          }
          await relist().catch(() => undefined);
        })(),
      );
    },

    restart(service) {
      dispatch({ type: 'containerRestartStarted', service, at: now() });
      track(
        (async () => {
          const container = liveContainer(state().services[service]!);
          try {
            if (container !== undefined) await runtime.restartContainer(container.id);
            dispatch({ type: 'containerRestarted', service, at: now() });
          } catch (error) {
            dispatch({ type: 'containerRestartFailed', service, error: asError(error, `restarting ${service} failed`), at: now() });
          }
          await relist().catch(() => undefined);
        })(),
      );
    },

    /** The user stopped the service: its container stops (compose keeps it, so a start brings the same one back). */
    stopService(service) {
      const current = state().services[service];
      const container = current === undefined ? undefined : liveContainer(current);
      if (container === undefined) return;
      track(
        (async () => {
          try {
            await runtime.stopContainer(container.id);
          } catch (error) {
            dispatch({ type: 'containerStopFailed', service, error: asError(error, `stopping ${service} failed`), at: now() });
          }
          await relist().catch(() => undefined);
        })(),
      );
    },

    switchEnvironment() {
      dispatch({ type: 'environmentSwitchStarted', at: now() });
      track(
        (async () => {
          try {
            const current = state();
            const loaded = loadedFrom(current);
            const target = await writeOverride(loaded, options.fs);
            const before = imagesInUse(current);
            const result = await recreateChanged(loaded, { fs: options.fs, compose: options.compose, runtime }, target);
            await rememberEnvironment(options.projectDir, loaded.workspace.project.name, loaded.workspace.environment.name, options.fs);
            await relist();
            dispatch({
              type: 'environmentSwitched',
              environment: loaded.workspace.environment.name,
              recreated: result.recreated,
              restarted: result.restarted,
              at: now(),
            });
            await pruneLeftBehind(before);
          } catch (error) {
            dispatch({ type: 'environmentSwitchFailed', error: asError(error, 'the environment switch failed'), at: now() });
          }
        })(),
      );
    },
  };
}

/** The images the project's containers run now, by service (compose may recreate them onto new images). */
function imagesInUse(state: EngineState): { service: string; imageId: string }[] {
  return Object.values(state.services).flatMap((service) => service.containers.map((c) => ({ service: service.name, imageId: c.imageId })));
}

function asError(error: unknown, fallback: string): DockstageError {
  if (error instanceof DockstageError) return error;
  return new DockstageError(`${fallback}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1 });
}
