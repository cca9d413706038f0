/**
 * Output of the one-shot commands that run the engine until idle (`build`,
 * `up`, `env`): the build lines people read (one per stage, from the stages the
 * reducer folded), or one JSON object per build event with `--json`, the same
 * events `build --push` streams.
 */
import { BuildFailedError, type DockstageError, withContainerKept } from '../../core/errors.js';
import type { EngineAction } from '../../core/state/actions.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { slowStopMessage, SLOW_STOP_MS } from '../../core/state/stops.js';
import { builtLine, StageLines, startedLine, upToDateLine } from './stage-lines.js';
import { formatBuildFailure } from '../../ui/text/build-failure.js';
import type { BuildRunEvent } from '../../operations/builds.js';
import type { Subscriber } from '../../engine/store.js';
import { describeError } from '../../core/error-description.js';

/** Where lines go: results on `out`, failures on `err`. */
export interface LineSink {
  out(line: string): void;
  err(line: string): void;
}

/** Creates the subscriber for `build`, `up` and `env`. */
export function buildOutputSubscriber(sink: LineSink, json: boolean): Subscriber {
  const stageLines = new StageLines();
  const builds = new Map<string, { services: readonly string[]; target: string }>();
  // --json: the build events as `build --push` streams them; for people, lines from the reducer's stages.
  const emit = (event: BuildRunEvent) => sink.out(JSON.stringify(buildEventToJson(event)));
  const summaryStages = (state: EngineState, id: string, services: readonly string[]) =>
    services.map((name) => state.services[name]?.lastBuild).find((last) => last?.id === id)?.stages ?? [];
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
          if (build === undefined) return;
          if (json) emit({ type: 'build-started', services: build.services, target: build.target, tags: action.tags });
          else sink.out(startedLine(build.services.join(', '), build.target, action.tags));
          return;
        }
        case 'buildProgressed': {
          const build = builds.get(action.id);
          if (build === undefined) return;
          if (json) emit({ type: 'build-step', services: build.services, event: action.event, line: action.line });
          else
            for (const line of stageLines.final(action.id, build.services.join(', '), state.builds[action.id]?.stages ?? []))
              sink.out(line);
          return;
        }
        case 'buildCompleted': {
          const build = builds.get(action.id);
          if (build === undefined) return;
          const job = build.services.join(', ');
          if (json) {
            if (action.upToDate)
              emit({
                type: 'build-up-to-date',
                services: build.services,
                target: build.target,
                imageId: action.imageId,
                tags: action.tags,
                checkMs: action.durationMs,
              });
            else
              emit({
                type: 'build-completed',
                services: build.services,
                target: build.target,
                imageId: action.imageId,
                durationMs: action.durationMs,
                cachedSteps: action.cachedSteps,
                totalSteps: action.totalSteps,
              });
            return;
          }
          if (action.upToDate) return sink.out(upToDateLine(job, build.target, action.tags[0], action.durationMs));
          for (const line of stageLines.final(action.id, job, summaryStages(state, action.id, build.services), 'built')) sink.out(line);
          sink.out(builtLine(job, build.target, action.durationMs, action.cachedSteps, action.totalSteps));
          return;
        }
        case 'buildFailed': {
          const build = builds.get(action.id);
          if (build === undefined || action.cancelled) return;
          if (json) {
            const error =
              action.error instanceof BuildFailedError
                ? action.error
                : new BuildFailedError(action.error.message, { service: build.services[0]! });
            emit({ type: 'build-failed', services: build.services, target: build.target, error });
            return;
          }
          for (const line of stageLines.final(
            action.id,
            build.services.join(', '),
            summaryStages(state, action.id, build.services),
            'failed',
          ))
            sink.out(line);
          reportFailure(sink, build.services, build.target, action.error, state);
          return;
        }
        case 'containerStopSlow': {
          // `env NAME`: compose's recreate waits for a container that ignores SIGTERM; said once per service.
          if (state.services[action.service]?.slowStops !== 1) return;
          const { message, hint } = slowStopMessage(action.service);
          if (json)
            sink.out(
              JSON.stringify({
                type: 'slow-stop',
                service: action.service,
                containerId: action.containerId,
                afterMs: SLOW_STOP_MS,
                message,
                hint,
              }),
            );
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
  return { ...event, error: describeError(event.error) };
}
