/** What a stopped engine run leaves behind, in the one line a signal gets (see interrupt.ts). */
import { liveContainer, type EngineState } from '../core/state/engine-state.js';

/** The services whose container runs, sorted: what a stopped dockstage leaves running. */
export function servicesRunning(state: EngineState): string[] {
  return Object.values(state.services)
    .filter((service) => liveContainer(service) !== undefined)
    .map((service) => service.name)
    .sort();
}

/**
 * The one line after a signal stopped an engine run: what was cancelled, what is left running and how to stop it,
 * e.g. `interrupted: the build of web, worker was cancelled; api, web left running; 'dockstage down' stops them`.
 */
export function interruptedLine(state: EngineState, cancelled: readonly string[], word: 'interrupted' | 'stopped' = 'interrupted'): string {
  const running = servicesRunning(state);
  const parts = [
    ...(cancelled.length === 0 ? [] : [`the build of ${cancelled.join(', ')} was cancelled`]),
    // `build` follows no container: it touched none, whatever runs.
    state.mode === 'build'
      ? 'no container was touched'
      : running.length === 0
        ? 'nothing left running'
        : `${running.join(', ')} left running; 'dockstage down' stops them`,
  ];
  return `${word}: ${parts.join('; ')}`;
}

/** The services with a build in flight (cancelled by a stop), sorted. */
export function servicesBuilding(state: EngineState): string[] {
  return [
    ...new Set(
      Object.values(state.builds)
        .filter((build) => !build.background)
        .flatMap((build) => build.services),
    ),
  ].sort();
}
