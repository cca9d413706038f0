/**
 * Output of the one-shot commands that run the engine until idle (`build`,
 * `up`, `env`): the build lines people read (one per stage), or one JSON
 * object per build event with `--json`. It folds actions back into the build
 * run events `BuildProgress` already words, so every command prints builds the
 * same way.
 */
import { BuildFailedError, DockstageError, withContainerKept } from '../../core/errors.js';
import type { EngineAction } from '../../core/state/actions.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { slowStopMessage, SLOW_STOP_MS } from '../../core/state/stops.js';
import { BuildProgress } from '../../ui/text/build-progress.js';
import { formatBuildFailure } from '../../ui/text/build-failure.js';
import type { BuildRunEvent } from '../../operations/builds.js';
import type { Subscriber } from '../../engine/store.js';

/** Where lines go: results on `out`, failures on `err`. */
export interface LineSink {
  out(line: string): void;
  err(line: string): void;
}

/** Creates the subscriber for `build`, `up` and `env`. */
export function buildOutputSubscriber(sink: LineSink, json: boolean): Subscriber {
  const progress = new BuildProgress();
  const builds = new Map<string, { services: readonly string[]; target: string }>();
  const emit = (event: BuildRunEvent) => {
    if (json) sink.out(JSON.stringify(buildEventToJson(event)));
    else for (const line of progress.apply(event)) sink.out(line);
  };
  return {
    onChange(state: EngineState, action: EngineAction) {
      switch (action.type) {
        case 'buildStarted': {
          const build = state.builds[action.id];
          if (build !== undefined) builds.set(action.id, { services: build.services, target: build.target });
          return;
        }
        case 'buildkitStarted': {
          const build = builds.get(action.id);
          if (build !== undefined) emit({ type: 'build-started', services: build.services, target: build.target, tags: action.tags });
          return;
        }
        case 'buildProgressed': {
          const build = builds.get(action.id);
          if (build !== undefined) emit({ type: 'build-step', services: build.services, event: action.event, line: action.line });
          return;
        }
        case 'buildCompleted': {
          const build = builds.get(action.id);
          if (build === undefined) return;
          if (action.upToDate) emit({ type: 'build-up-to-date', services: build.services, target: build.target, imageId: action.imageId, tags: action.tags, checkMs: action.durationMs });
          else emit({ type: 'build-completed', services: build.services, target: build.target, imageId: action.imageId, durationMs: action.durationMs, cachedSteps: action.cachedSteps, totalSteps: action.totalSteps });
          return;
        }
        case 'buildFailed': {
          const build = builds.get(action.id);
          if (build === undefined || action.cancelled) return;
          const error = action.error instanceof BuildFailedError ? action.error : new BuildFailedError(action.error.message, { service: build.services[0]! });
          emit({ type: 'build-failed', services: build.services, target: build.target, error });
          if (!json) reportFailure(sink, build.services, build.target, action.error, state);
          return;
        }
        case 'containerStopSlow': {
          // `env NAME`: compose's recreate waits for a container that ignores SIGTERM; said once per service.
          if (state.services[action.service]?.slowStops !== 1) return;
          const { message, hint } = slowStopMessage(action.service);
          if (json) sink.out(JSON.stringify({ type: 'slow-stop', service: action.service, containerId: action.containerId, afterMs: SLOW_STOP_MS, message, hint }));
          else sink.err(`${message}\n  hint: ${hint}`);
          return;
        }
        default:
          return;
      }
    },
  };
}

/** One failure, one message (the progress line only marks the stage ✗); a running container left serving is said. */
function reportFailure(sink: LineSink, services: readonly string[], target: string, error: DockstageError, state: EngineState): void {
  const running = services.some((name) => state.services[name]?.containers.some((c) => c.state === 'running') === true);
  sink.err(formatBuildFailure(services, target, running && error instanceof BuildFailedError ? withContainerKept(error) : error));
}

/** The JSON line for a build event: the same fields, errors as plain objects. */
export function buildEventToJson(event: BuildRunEvent): Record<string, unknown> {
  if (event.type !== 'build-failed') return { ...event };
  const error = event.error;
  return {
    ...event,
    error: {
      message: error.message,
      service: error.service ?? null,
      stage: error.stage ?? null,
      instruction: error.instruction ?? null,
      file: error.location.file ?? null,
      line: error.location.line ?? null,
      logTail: error.logTail,
    },
  };
}
