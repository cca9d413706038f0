/**
 * The headless watch's app output, as `docker compose up` interleaves it:
 * each line prefixed with its service, padded to the longest name
 * (`web    | listening on 3000`), the prefix coloured per service when asked
 * (a terminal without NO_COLOR); with `--json`, one `log` event per line. It
 * is the sink of the logs subscriber (which follows each container across
 * replacements and restarts), and keeps off the hot path: lines are gathered
 * and written in one go after the current turn, never one write per line
 * while the engine works.
 */
import type { Clock, TimerId } from '../../ports/clock.js';
import type { LogSink } from '../../engine/subscribers/logs.js';

/** What the printer needs. */
export interface LogOutputOptions {
  /** Writes a chunk of whole lines to stdout. */
  readonly write: (text: string) => void;
  readonly json: boolean;
  /** Colour the prefixes (stdout is a terminal, and neither NO_COLOR nor FORCE_COLOR=0 says otherwise). */
  readonly colors: boolean;
  /** The project's service names, for the padding and the colour of each. */
  readonly services: () => readonly string[];
  readonly clock: Clock;
}

/** Prefix colours in the order compose uses them (cyan, yellow, green, magenta, blue, then the bright ones). */
const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** A sink printing app lines (build lines are the watch log's business and are dropped). */
export function logOutput(options: LogOutputOptions): LogSink & { flush(): void } {
  let pending: string[] = [];
  let timer: TimerId | undefined;
  const flush = () => {
    if (timer !== undefined) options.clock.clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const text = `${pending.join('\n')}\n`;
    pending = [];
    options.write(text);
  };
  return {
    append(service, source, stream, text, time) {
      if (source !== 'app') return;
      pending.push(
        options.json
          ? jsonLine(service, stream, text, time, options.clock.now())
          : prefixedLine(service, text, options.services(), options.colors),
      );
      timer ??= options.clock.setTimeout(flush, 0);
    },
    flush,
  };
}

/** `{"type":"log","time":…,"service":…,"stream":…,"line":…,"at":…}`: `at` is when the app wrote it (the engine's time). */
function jsonLine(service: string, stream: 'stdout' | 'stderr', text: string, time: number, now: number): string {
  return JSON.stringify({ type: 'log', time: new Date(now).toISOString(), service, stream, line: text, at: new Date(time).toISOString() });
}

/** `web    | text`, as compose prints it; the prefix coloured per service. */
export function prefixedLine(service: string, text: string, services: readonly string[], colors: boolean): string {
  const width = Math.max(service.length, ...services.map((name) => name.length));
  const prefix = `${service.padEnd(width)}  |`;
  if (!colors) return `${prefix} ${text}`;
  const index = [...services].sort().indexOf(service);
  const color = COLORS[(index === -1 ? 0 : index) % COLORS.length];
  return `\u001b[${color}m${prefix}\u001b[0m ${text}`;
}
