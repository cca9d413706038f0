/**
 * The builds subscriber: starts what `nextBuilds` says, one shared build at a
 * time per build key, and reports each build's check, progress and end as
 * actions. A stop request cancels every build in flight.
 */
import { BuildFailedError, DockstageError } from '../../core/errors.js';
import { nextBuilds } from '../../core/state/next-builds.js';
import { planBuildJobs, runBuildJob, type BuildDeps, type BuildRunEvent } from '../../operations/builds.js';
import type { StoreAccess, Subscriber } from '../store.js';
import type { BuildSettings } from '../settings.js';
import type { Clock } from '../../ports/clock.js';
import { syncTargets } from '../../core/state/sync-candidates.js';
import { deferredReloads } from '../../core/state/priority.js';
import { trySync, type LiveSyncPorts } from '../../operations/live-sync.js';

/** What the builds subscriber needs besides the ports: the clock's time, the builder and platform to use. */
export interface BuildSubscriberOptions extends StoreAccess {
  readonly deps: BuildDeps;
  /** Live sync's ports; without them every change rebuilds. */
  readonly sync?: Omit<LiveSyncPorts, 'runtime' | 'fs'>;
  /** Platform, builder, `--force`, `--no-cache`: the run's. */
  readonly settings: BuildSettings;
  /** Times the pause before a rebuild behind a live sync (without it, the rebuild starts at once). */
  readonly clock?: Clock;
  /** Hears failures that are not build failures (the engine went away mid-build). */
  readonly onUnexpected?: (error: unknown) => void;
}

/** How long a rebuild behind a live sync waits: the synced services restart or reload meanwhile, undisturbed. */
export const BEHIND_SYNC_MS = 1500;

/** Creates the subscriber; `dispose` cancels the builds in flight and waits for them to end. */
export function buildsSubscriber(options: BuildSubscriberOptions): Subscriber {
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  const { dispatch, now } = options;

  const start = (services: readonly string[]) => {
    const state = options.getState();
    const workspace = state.workspace!;
    const id = `b${state.nextBuildId}`;
    const targets = options.sync === undefined ? undefined : syncTargets(state, services);
    // A forced rebuild (`F`) skips the reuse of an image with the same inputs; BuildKit's cache still serves.
    const force = options.settings.force || services.some((name) => state.services[name]?.pending?.force === true);
    dispatch({ type: 'buildStarted', id, services, at: now() });
    const paths = options.getState().builds[id]?.paths ?? [];
    if (targets !== undefined) dispatch({ type: 'syncStarted', id, at: now() });
    const abort = new AbortController();
    const onEvent = (event: BuildRunEvent) => {
      switch (event.type) {
        case 'build-up-to-date':
          dispatch({
            type: 'buildCompleted',
            id,
            imageId: event.imageId,
            upToDate: true,
            cachedSteps: 0,
            totalSteps: 0,
            durationMs: event.checkMs,
            tags: event.tags,
            at: now(),
          });
          return;
        case 'build-started':
          dispatch({ type: 'buildkitStarted', id, tags: event.tags, at: now() });
          return;
        case 'build-step':
          dispatch({ type: 'buildProgressed', id, event: event.event, line: event.line });
          return;
        case 'build-completed':
          if (event.imageId === undefined) {
            dispatch({
              type: 'buildFailed',
              id,
              error: new DockstageError(`${services.join(', ')}: the build produced no image`, { exitCode: 1 }),
              cancelled: false,
              at: now(),
            });
          } else {
            const tags = state.workspace?.services.filter((s) => services.includes(s.name)).map((s) => s.image!) ?? [];
            dispatch({
              type: 'buildCompleted',
              id,
              imageId: event.imageId,
              upToDate: false,
              cachedSteps: event.cachedSteps,
              totalSteps: event.totalSteps,
              durationMs: event.durationMs,
              tags,
              at: now(),
            });
          }
          return;
        case 'build-failed':
          dispatch({ type: 'buildFailed', id, error: event.error, cancelled: abort.signal.aborted, at: now() });
      }
    };
    const done = (async () => {
      try {
        if (targets !== undefined && options.sync !== undefined) {
          // The services served first restart alone; the others' restarts wait for them (core/state/priority.ts).
          const deferred = deferredReloads(
            options.getState(),
            targets.map((target) => target.service),
          );
          const outcome = await trySync(
            workspace,
            targets,
            paths,
            { fs: options.deps.fs, runtime: options.deps.runtime, containerFiles: options.sync.containerFiles },
            deferred,
          );
          if (abort.signal.aborted) throw new Error('stopped');
          if (outcome.kind === 'synced') {
            dispatch({ type: 'serviceSynced', id, services: outcome.services, at: now() });
            const synced = outcome.services.map((service) => service.name);
            options.clock?.setTimeout(() => {
              if (!abort.signal.aborted) dispatch({ type: 'backgroundBuildsReleased', services: synced, at: now() });
            }, BEHIND_SYNC_MS);
            if (options.clock === undefined) dispatch({ type: 'backgroundBuildsReleased', services: synced, at: now() });
            return;
          }
          dispatch({ type: 'syncSkipped', id, reason: outcome.reason, at: now() });
        }
        const [job] = await planBuildJobs(workspace, options.deps, { services });
        if (job === undefined) throw new DockstageError(`nothing to build for ${services.join(', ')}`);
        await runBuildJob(
          workspace,
          job,
          options.deps,
          {
            platform: options.settings.platform,
            ...(options.settings.builder === undefined ? {} : { builder: options.settings.builder }),
            ...(force ? { force: true } : {}),
            ...(options.settings.noCache ? { noCache: true } : {}),
            signal: abort.signal,
          },
          onEvent,
        );
      } catch (error) {
        // Still building in the state means no outcome was dispatched: report it as this build's failure.
        if (options.onUnexpected !== undefined && !abort.signal.aborted && !(error instanceof DockstageError)) options.onUnexpected(error);
        if (options.getState().builds[id] === undefined) return;
        const failure =
          error instanceof DockstageError
            ? error
            : new BuildFailedError(`${services.join(', ')}: ${error instanceof Error ? error.message : String(error)}`, {
                service: services[0]!,
              });
        dispatch({ type: 'buildFailed', id, error: failure, cancelled: abort.signal.aborted, at: now() });
      } finally {
        running.delete(id);
      }
    })();
    running.set(id, { abort, done });
  };

  return {
    onChange(state, action) {
      if (action.type === 'stopRequested') {
        for (const build of running.values()) build.abort.abort(new Error('stopped'));
        return;
      }
      // Only actions that can free a slot or add work can start a build.
      if (action.type === 'buildProgressed' || action.type === 'buildkitStarted') return;
      // A rebuild behind a live sync gives way to a change the user waits on: cancelled, its work is redone anyway.
      for (const build of Object.values(state.builds)) {
        if (!build.background) continue;
        if (build.services.some((name) => state.services[name]?.pending?.background === false))
          running.get(build.id)?.abort.abort(new Error('superseded'));
      }
      // Each start changes the state (the services are building), so ask again after each one.
      for (let next = nextBuilds(state).start[0]; next !== undefined; next = nextBuilds(options.getState()).start[0]) start(next.services);
    },
    async dispose() {
      for (const build of running.values()) build.abort.abort(new Error('stopped'));
      await Promise.allSettled([...running.values()].map((build) => build.done));
    },
  };
}
