/**
 * What `watch` prints: one JSON object per line with `--json` (each with `type`
 * and an ISO `time`), else a compact human log. Both come from the same events,
 * derived from the actions and the state after them:
 *
 *   watching · change · plan · build-start · stage · build-done · build-failed ·
 *   waiting (waiting-for-priority) · replaced · restarted · ready · exited (a crash; `intended` for dockstage's own stops, which the human log
 *   leaves out) · slow-stop (once per service) · blocked · unblocked · pruned · error · idle
 *
 * Paths are shown relative to the project directory; no environment value is
 * ever printed.
 */
import { errorLines, type ErrorDescription } from '../../core/error-description.js';
import { containerWaits, isIdle } from '../../core/state/due.js';
import { liveContainer } from '../../core/state/engine-state.js';
import type { Subscriber } from '../../engine/store.js';
import type { LineSink } from './build-lines.js';
import { blockedMap, eventsFor, type WatchEvent, type WatchEventOf } from './watch-events.js';

export type { WatchEvent } from './watch-events.js';

/** Creates the subscriber. `now` gives the time printed on each line. */
export function watchOutputSubscriber(sink: LineSink, json: boolean, now: () => number): Subscriber {
  let blocked = new Map<string, string>();
  const awaitingReady = new Set<string>();
  const unannounced = new Map<string, WatchEventOf<'build-start'>>();
  /** Services whose container work waits for services served first, with those services (said once per wait). */
  let waits = new Map<string, string>();
  let wasIdle = false;
  const emit = (event: WatchEvent) => {
    const time = new Date(now()).toISOString();
    if (json) {
      const { type, ...rest } = event;
      sink.out(JSON.stringify({ type, time, ...rest }));
    }
    if (!json) {
      const line = humanLine(event);
      if (line !== undefined)
        (event.type === 'build-failed' ||
          event.type === 'error' ||
          event.type === 'blocked' ||
          event.type === 'exited' ||
          event.type === 'slow-stop'
          ? sink.err
          : sink.out)(`${time.slice(11, 19)} ${line}`);
    }
  };

  return {
    onChange(state, action) {
      // Each batch of changes is new work: say `idle` again once it has settled, even when it planned nothing.
      if (action.type === 'filesChanged' || action.type === 'buildRequested' || action.type === 'environmentSwitchRequested')
        wasIdle = false;
      for (const event of eventsFor(state, action, { blocked, awaitingReady, unannounced })) emit(event);
      if (action.type === 'workspaceLoaded') blocked = blockedMap(state.workspace!);
      const waitingNow = new Map(Object.entries(containerWaits(state)).map(([name, before]) => [name, before.join(', ')]));
      for (const [name, before] of waitingNow) {
        if (waits.get(name) !== before) emit({ type: 'waiting', service: name, reason: 'waiting-for-priority', for: before.split(', ') });
      }
      waits = waitingNow;
      for (const name of [...awaitingReady]) {
        const service = state.services[name];
        const container = service === undefined ? undefined : liveContainer(service);
        // A restart still due (one left for after the services served first) is not ready yet.
        if (service?.operation !== undefined || service?.restart !== undefined || container === undefined || container.state !== 'running')
          continue;
        if (container.health === 'starting') continue;
        awaitingReady.delete(name);
        emit({ type: 'ready', service: name, containerId: container.id, health: container.health });
      }
      const idle = isIdle(state) && state.watch.active && awaitingReady.size === 0;
      if (idle && !wasIdle) emit({ type: 'idle' });
      wasIdle = idle;
    },
  };
}

/** The human log's line for an event (without its time), or undefined for events it does not show. Exported for tests. */
export function humanLine(event: WatchEvent): string | undefined {
  const list = (values: readonly string[]) => values.join(', ');
  switch (event.type) {
    case 'watching':
      return `watching ${event.paths} paths in ${event.environment}`;
    case 'change':
      return `change ${list(event.paths)}`;
    case 'plan': {
      if (event.reload === true) return 'the project changed: loading it again';
      const noSync = event.services.map((s) => s.reasons[0]).find((reason) => reason?.rule === 'sync-not-possible');
      if (noSync !== undefined && 'message' in noSync)
        return `${list(event.services.map((s) => s.name))}: rebuild (no live sync: ${noSync.message})`;
      const blocked = event.blocked ?? [];
      if (blocked.length > 0) return blocked.map((b) => errorText(b.error, `${b.name}: not rebuilt, blocked: `, false)).join('\n');
      if (event.services.length === 0) return 'nothing to do';
      // A rebuild is said by its build's own line (or, when live sync takes it, by the synced lines), in that order:
      // saying "rebuild" first would read as a contradiction when the change is then synced.
      const others = event.services.filter((s) => s.action !== 'rebuild' && s.action !== 'sync');
      return others.length === 0 ? undefined : others.map((s) => `${s.name}: ${s.action}`).join(', ');
    }
    case 'build-start':
      return `${list(event.services)}: ${event.check === true ? 'checking' : 'building'} ${event.target}`;
    case 'build-done':
      return event.upToDate
        ? `${list(event.services)}: up to date`
        : `${list(event.services)}: built in ${(event.durationMs / 1000).toFixed(1)}s (${event.cachedSteps} of ${event.totalSteps} steps cached)`;
    case 'build-failed': {
      const services = list(event.services);
      // The message names the services already when it comes from the build; the step's last output says why.
      const message = event.error.message.startsWith(`${services}: `)
        ? event.error.message.slice(services.length + 2)
        : event.error.message;
      return errorText({ ...event.error, message }, `${services}: build FAILED: `);
    }
    case 'replaced':
      return `${event.service}: replaced ${event.oldId.slice(0, 12)} → ${event.newId.slice(0, 12)}`;
    case 'restarted':
      return `${event.service}: restarted`;
    case 'ready':
      return `${event.service}: ready${event.health === 'healthy' ? ' (healthy)' : ''}`;
    case 'bind-synced': {
      const mount = `${event.source} → ${event.target}`;
      if (event.error !== undefined) return `${event.service}: could not copy the bind mount ${mount}: ${event.error.message}`;
      const counts = `${event.written} written, ${event.removed} removed`;
      const reload = event.reload === undefined || event.reload === 'none' ? '' : `; reload: ${event.reload}`;
      return event.full
        ? `${event.service}: bind mount ${mount} copied in full (${counts}${reload})`
        : `${event.service}: bind mount ${mount}: ${list(event.paths)} (${counts})`;
    }
    case 'waiting':
      return `${event.service}: waits for ${list(event.for)} (served first)`;
    case 'synced':
      return `${event.service}: synced ${list(event.paths)} (${event.reload === 'none' ? 'the app reloads itself' : `reload: ${event.reload}`}); rebuilding the image behind`;
    case 'up':
      return `up: ${list(event.services)}`;
    case 'blocked':
      return errorText(event.error, `${event.service}: blocked: `);
    case 'unblocked':
      return `${event.service}: unblocked`;
    case 'exited': {
      if (event.intended === true) return undefined;
      const tail = event.logTail.map((line) => `\n  │ ${line}`).join('');
      const loop = event.crashLooping
        ? ` (crash-looping: ${event.exitsInLastMinute} exits in the last minute; fix the code and save, nothing is rebuilt meanwhile)`
        : '';
      return `${event.service}: exited with code ${event.exitCode}${loop}${tail}`;
    }
    case 'slow-stop':
      return `${event.message}\n  hint: ${event.hint}`;
    case 'pruned':
      return `${event.service}: removed superseded image ${event.imageId.slice(7, 19)}`;
    case 'environment':
      return `switched to ${event.environment}`;
    case 'error': {
      const [first = '', ...rest] = errorLines(event.error, { label: 'error: ', location: 'inline' });
      return [`${first}${event.detail === undefined ? '' : ` (${event.detail})`}`, ...rest].join('\n');
    }
    case 'disconnected':
      return `engine disconnected: ${event.message}; reconnecting`;
    case 'connected':
    case 'idle':
    // Checks have their own lines (check-lines.ts).
    case 'check-start':
    case 'check-done':
      return undefined;
  }
}

/** An error in the log: the label, the message with ` (file:line)`, the step's output and the hint, on indented lines. */
function errorText(error: ErrorDescription, label: string, hint = true): string {
  return errorLines(hint ? error : { ...error, hint: null }, { label, location: 'inline' }).join('\n');
}
