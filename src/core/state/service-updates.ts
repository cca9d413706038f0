/** Small pure updates of the state's services, shared by the reducer's handlers. */
import type { PlanReason } from './plan.js';
import { liveContainer, type EngineState, type ServiceState } from './engine-state.js';
import { dedupeReasons } from './reasons.js';

/** The services with `update` applied to the named ones (unknown names are skipped). */
export function updateServices(
  state: EngineState,
  names: readonly string[],
  update: (service: ServiceState) => ServiceState,
): Record<string, ServiceState> {
  const services = { ...state.services };
  for (const name of names) {
    const service = services[name];
    if (service !== undefined) services[name] = update(service);
  }
  return services;
}

/** The service with a restart due after `after` settle, for these reasons as well as any it had. */
export function withRestart(service: ServiceState, reasons: readonly PlanReason[], after: readonly string[]): ServiceState {
  return { ...service, restart: { reasons: dedupeReasons([...(service.restart?.reasons ?? []), ...reasons]), after } };
}

/**
 * The image the service's live container should move to, when it runs another than the one built or confirmed for the
 * current inputs: compose created it from a tag that a build moved on meanwhile. Undefined when it runs the right
 * one, holds synced files, or the last build failed (the old container keeps serving then).
 */
export function imageBehind(service: ServiceState): string | undefined {
  const live = liveContainer(service);
  if (live === undefined || service.imageId === undefined || service.freshness !== 'fresh' || service.content?.kind === 'synced')
    return undefined;
  return live.imageId === service.imageId ? undefined : service.imageId;
}
