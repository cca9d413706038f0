/**
 * The logs subscriber: follows the output of every running container of the
 * project into a sink (the TUI's LogBuffer, the headless watch's printer),
 * and writes each build's output there too (kept apart as the `build`
 * source). A replaced container has a new id: its
 * follow ends and the new one is followed. A container that stopped and
 * started again (a restart keeps the id) is followed again from the last line
 * seen. Everything stops on `stopRequested`.
 */
import { errorLines } from '../../core/error-description.js';
import type { EngineAction } from '../../core/state/actions.js';
import type { EngineState } from '../../core/state/engine-state.js';
import { slowStopMessage } from '../../core/state/stops.js';
import type { ContainerRuntime, LogLine } from '../../ports/container-runtime.js';
import type { LogBuffer } from '../log-buffer.js';
import type { Subscriber } from '../store.js';

/** Where followed lines go: the TUI's LogBuffer, or the headless watch's printer (`cli/output/app-logs.ts`). */
export type LogSink = Pick<LogBuffer, 'append'>;

/** What the logs subscriber needs. */
export interface LogsSubscriberOptions {
  readonly runtime: ContainerRuntime;
  readonly buffer: LogSink;
  readonly now: () => number;
  /** Lines of a container's past output shown when following starts (default 200). */
  readonly tail?: number;
  /**
   * Instead of a tail: only lines from this time on (Unix ms), so a container found running shows no old output and
   * one started during the run shows all of its own (the headless watch, as `docker compose up` attaches).
   */
  readonly since?: number;
  /** dockstage's own lines into the sink too: build output, replacements, a slow stop (default true; the headless watch prints its own). */
  readonly buildLines?: boolean;
  /** Hears a follow that failed (the container vanished, the engine went away); the next listing follows again. */
  readonly onError?: (service: string, error: unknown) => void;
}

interface Follow {
  readonly containerId: string;
  readonly abort: AbortController;
  done: boolean;
  /** The engine's timestamp of the last line received, to resume after it. */
  lastTimestamp: string | undefined;
  promise: Promise<void>;
}

/** Creates the subscriber; `dispose` ends every follow. */
export function logsSubscriber(options: LogsSubscriberOptions): Subscriber {
  const { runtime, buffer, now } = options;
  const follows = new Map<string, Follow>();
  let stopped = false;

  const start = (service: string, containerId: string, resumeAfter: string | undefined) => {
    const abort = new AbortController();
    const follow: Follow = { containerId, abort, done: false, lastTimestamp: resumeAfter, promise: Promise.resolve() };
    const resumeMs = resumeAfter === undefined ? undefined : Date.parse(resumeAfter);
    const onLine = (line: LogLine) => {
      // `since` has whole-line granularity at best: skip what was already shown when resuming.
      if (resumeAfter !== undefined && (line.timestamp === resumeAfter || Date.parse(line.timestamp) < resumeMs!)) return;
      follow.lastTimestamp = line.timestamp;
      const time = Date.parse(line.timestamp);
      buffer.append(service, 'app', line.stream, line.text, Number.isNaN(time) ? now() : time);
    };
    const first = options.since === undefined ? { follow: true, tail: options.tail ?? 200 } : { follow: true, since: options.since / 1000 };
    const logOptions = resumeAfter === undefined ? first : { follow: true, since: resumeAfter };
    follow.promise = runtime
      .logs(containerId, logOptions, onLine, abort.signal)
      .catch((error: unknown) => {
        if (!abort.signal.aborted) options.onError?.(service, error);
      })
      .finally(() => {
        follow.done = true;
      });
    follows.set(service, follow);
  };

  /** Follows what runs now; a follow of a container that is gone or replaced ends. */
  const sync = (state: EngineState) => {
    for (const [name, service] of Object.entries(state.services)) {
      const running = service.containers.find((c) => c.state === 'running');
      const current = follows.get(name);
      if (running === undefined) {
        if (current !== undefined && !service.containers.some((c) => c.id === current.containerId)) {
          current.abort.abort();
          follows.delete(name);
        }
        continue;
      }
      if (current === undefined) start(name, running.id, undefined);
      else if (current.containerId !== running.id) {
        current.abort.abort();
        start(name, running.id, undefined);
      } else if (current.done) start(name, running.id, current.lastTimestamp);
    }
    for (const [name, follow] of follows) {
      if (state.services[name] === undefined) {
        follow.abort.abort();
        follows.delete(name);
      }
    }
  };

  const buildLines = (
    state: EngineState,
    action: EngineAction,
  ): { services: readonly string[]; stream: 'stdout' | 'stderr'; text: string }[] => {
    switch (action.type) {
      case 'buildStarted': {
        const build = state.builds[action.id];
        if (build === undefined) return [];
        return [{ services: build.services, stream: 'stdout', text: `── checking ${build.target} (${build.services.join(', ')})` }];
      }
      case 'buildkitStarted': {
        const build = state.builds[action.id];
        return build === undefined
          ? []
          : [{ services: build.services, stream: 'stdout', text: `── building ${build.target} → ${action.tags.join(', ')}` }];
      }
      case 'buildProgressed': {
        const build = state.builds[action.id];
        const event = action.event;
        if (build === undefined) return [];
        if (event.type === 'build-warning') return [{ services: build.services, stream: 'stderr', text: `warning: ${event.message}` }];
        if (event.type === 'step-log') return [{ services: build.services, stream: event.stream, text: event.text }];
        if (event.type === 'step-started' && event.step !== null) {
          const where = event.stage === null ? '' : `${event.stage} `;
          return [
            { services: build.services, stream: 'stdout', text: `[${where}${event.step}/${event.total ?? '?'}] ${event.instruction}` },
          ];
        }
        if (event.type === 'step-completed' && event.error !== undefined)
          return [{ services: build.services, stream: 'stderr', text: `✗ ${event.instruction}: ${event.error}` }];
        return [];
      }
      case 'buildCompleted': {
        const services = servicesOf(state, action.id);
        const text = action.upToDate
          ? `── up to date (checked in ${Math.round(action.durationMs)} ms)`
          : `── built in ${(action.durationMs / 1000).toFixed(1)}s (${action.cachedSteps} of ${action.totalSteps} steps cached)`;
        return [{ services, stream: 'stdout', text }];
      }
      case 'buildFailed': {
        const services = servicesOf(state, action.id);
        if (action.cancelled) return [{ services, stream: 'stderr', text: '── cancelled' }];
        return errorLines(action.error, { label: '── FAILED: ', location: 'inline', indent: '' }).map((text) => ({
          services,
          stream: 'stderr' as const,
          text,
        }));
      }
      case 'environmentSwitched': {
        const lines = action.recreated.map((service) => ({
          services: [service],
          stream: 'stdout' as const,
          text: `── switched to ${action.environment}: container recreated`,
        }));
        return [
          ...lines,
          ...action.restarted.map((service) => ({
            services: [service],
            stream: 'stdout' as const,
            text: `── switched to ${action.environment}: restarted`,
          })),
        ];
      }
      case 'containerReplaced':
        return [
          {
            services: [action.service],
            stream: 'stdout',
            text: `── container replaced (${action.oldId.slice(0, 12)} → ${action.newId.slice(0, 12)})`,
          },
        ];
      case 'containerReplaceFailed':
        return [{ services: [action.service], stream: 'stderr', text: `── replacing the container failed: ${action.error.message}` }];
      default:
        return [];
    }
  };

  /** dockstage's own lines: build output, and a slow stop also where the app's output is read (the default pane). */
  const ownLines = (state: EngineState, action: EngineAction) => {
    for (const line of buildLines(state, action))
      for (const service of line.services) buffer.append(service, 'build', line.stream, line.text, now());
    if (action.type !== 'containerStopSlow' || state.services[action.service]?.slowStops !== 1) return;
    const { message, hint } = slowStopMessage(action.service);
    for (const source of ['app', 'build'] as const) {
      buffer.append(action.service, source, 'stderr', `── ${message}`, now());
      buffer.append(action.service, source, 'stderr', `hint: ${hint}`, now());
    }
  };

  return {
    onChange(state, action) {
      if (stopped) return;
      if (action.type === 'stopRequested') {
        stopped = true;
        for (const follow of follows.values()) follow.abort.abort();
        return;
      }
      if (options.buildLines !== false) ownLines(state, action);
      // Containers are known from listings; a restart or replacement is always followed by one.
      if (action.type === 'containersListed') sync(state);
    },
    async dispose() {
      stopped = true;
      for (const follow of follows.values()) follow.abort.abort();
      await Promise.allSettled([...follows.values()].map((f) => f.promise));
    },
  };
}

function servicesOf(state: EngineState, id: string): string[] {
  return Object.values(state.services)
    .filter((service) => service.lastBuild?.id === id)
    .map((service) => service.name)
    .sort();
}
