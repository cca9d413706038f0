/**
 * Intended stops: a container dockstage stops (a replace, a restart, a user's
 * stop, a live sync's restart, compose's recreate in a switch or a reload) exits
 * with whatever code its app gives a stop signal (143 after SIGTERM, 137 when
 * the engine had to kill it): that is not a crash, so it is neither reported
 * as one nor counted towards a crash loop. The reducer records which containers
 * it expects to stop; the containers subscriber asks `isIntendedStop` when the
 * engine reports an exit, and times each intended stop on the Clock: one that
 * lasts SLOW_STOP_MS is said once per service, with the fix.
 */
import { liveContainer, type EngineState, type ExpectedStop, type ServiceState } from './engine-state.js';

/** An intended stop still running after this long is slow: the app most likely ignores its stop signal. */
export const SLOW_STOP_MS = 2_000;

/** An expected stop whose exit was never seen is forgotten after this long (longer than any sane stop_grace_period). */
export const EXPECTED_STOP_MS = 5 * 60_000;

/**
 * Did dockstage stop this container (or is it stopping the whole run)? Decided when the engine reports the exit, from
 * the state at that moment: the containers dockstage is stopping, a service the user stopped, dockstage's own stop.
 */
export function isIntendedStop(state: EngineState, service: string, containerId: string, at: number): boolean {
  const current = state.services[service];
  if (current === undefined) return false;
  if (state.stopping || current.stoppedByUser) return true;
  return current.expectedStops.some((stop) => stop.containerId === containerId && at - stop.since < EXPECTED_STOP_MS);
}

/** The service expecting these containers to stop too (old expectations forgotten). */
export function expectStops(service: ServiceState, containerIds: readonly string[], at: number): ServiceState {
  const kept = service.expectedStops.filter((stop) => at - stop.since < EXPECTED_STOP_MS && !containerIds.includes(stop.containerId));
  const added: ExpectedStop[] = containerIds.map((containerId) => ({ containerId, since: at }));
  return containerIds.length === 0 ? service : { ...service, expectedStops: [...kept, ...added] };
}

/** The service's live container, as a list of ids to expect a stop of (none when nothing runs). */
export function liveIds(service: ServiceState): string[] {
  const live = liveContainer(service);
  return live === undefined ? [] : [live.id];
}

/**
 * After compose ran (an `up`, a switch) and the containers were listed again: a container still running under the
 * same id was not stopped, so its exit would no longer be intended. A recreated container's old id is gone for good.
 */
export function forgetStillRunning(service: ServiceState): ServiceState {
  const live = liveContainer(service);
  if (live === undefined || !service.expectedStops.some((stop) => stop.containerId === live.id)) return service;
  return { ...service, expectedStops: service.expectedStops.filter((stop) => stop.containerId !== live.id) };
}

/** The service once the exit of `containerId` has been seen. */
export function stopSeen(service: ServiceState, containerId: string): ServiceState {
  if (!service.expectedStops.some((stop) => stop.containerId === containerId)) return service;
  return { ...service, expectedStops: service.expectedStops.filter((stop) => stop.containerId !== containerId) };
}

/**
 * The once-per-service words for a slow stop: what happens and the ways out. It names nothing from the project but
 * the service.
 */
export function slowStopMessage(service: string): { readonly message: string; readonly hint: string } {
  return {
    message:
      `${service}: still stopping after ${SLOW_STOP_MS / 1000}s: its main process has not exited on the stop signal (SIGTERM), ` +
      'so every replace, restart and switch waits out the stop timeout (stop_grace_period, 10s by default) before the engine kills it (exit 137)',
    hint: "add 'init: true' to the service (Node or a shell as PID 1 ignores SIGTERM), set a STOPSIGNAL the app handles, handle SIGTERM in the app, or shorten stop_grace_period",
  };
}
