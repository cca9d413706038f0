/**
 * The benchmark's view of `dockstage watch --json`: which of its features this
 * build has, and the events it printed (one JSON object per stdout line, each
 * with a string `type`; other lines are ignored).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { LineProcess } from './line-process.js';

const run = promisify(execFile);

/** One `watch --json` line. Only `type` is required; the benchmark reads `service`/`services` where present. */
export interface WatchEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What the built CLI offers: each field is undefined when available, else the reason it is not. */
export interface WatchSupport {
  readonly watch: string | undefined;
  readonly sync: string | undefined;
}

/**
 * Asks the built CLI: `watch --help` must exit 0 and print the watch command's own usage (commander answers an
 * unknown command's `--help` with the program's help and exit 0) for the watch rows, and mention `--no-sync`
 * (issue 9's switch) for the sync rows.
 */
export async function watchSupport(cli: string): Promise<WatchSupport> {
  if (!existsSync(cli)) return { watch: `${cli} is not built (npm run build)`, sync: 'no watch' };
  const noWatch = { watch: 'no `watch` command in this build (`watch --help` does not print its usage)', sync: 'no watch' };
  try {
    const { stdout } = await run(process.execPath, [cli, 'watch', '--help'], { timeout: 30_000 });
    if (!/^Usage: \S+ watch\b/m.test(stdout)) return noWatch;
    return {
      watch: undefined,
      sync: stdout.includes('--no-sync') ? undefined : '`watch --help` has no --no-sync (live sync not built yet)',
    };
  } catch {
    return noWatch;
  }
}

/** The events among a process's stdout lines, from line index `from` on. */
export function watchEvents(process: LineProcess, from = 0): WatchEvent[] {
  const events: WatchEvent[] = [];
  for (const line of process.lines.slice(from)) {
    if (line.stream !== 'stdout' || !line.text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line.text);
      if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string')
        events.push(value as WatchEvent);
    } catch {
      // a human line that happens to start with a brace
    }
  }
  return events;
}

/** The services an event is about: its `services` array, else its `service`, else none. */
export function eventServices(event: WatchEvent): string[] {
  if (Array.isArray(event['services'])) return event['services'].filter((s): s is string => typeof s === 'string');
  return typeof event['service'] === 'string' ? [event['service']] : [];
}

/** Builds started minus builds finished (`build-done` or `build-failed`) among `events`. */
export function buildsInFlight(events: readonly WatchEvent[]): number {
  const started = events.filter((e) => e.type === 'build-start').length;
  const finished = events.filter((e) => e.type === 'build-done' || e.type === 'build-failed').length;
  return started - finished;
}
