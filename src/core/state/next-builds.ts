/**
 * What to build now, and why everything else waits. One pure function of the
 * state (Tilt's "next build" rule): the build subscriber starts what it
 * returns, the UI shows the reasons of the rest.
 */
import type { PlanReason } from './plan.js';
import { isSelected, type EngineState } from './engine-state.js';
import { dedupeReasons } from './reasons.js';
import { containerWorkUnderWay, priorityOf } from './priority.js';

/** Why a service that needs a build is not building now. */
export type WaitReason =
  /** Its build (or the shared build it belongs to) is running; one follow-up build is queued. */
  | 'already-building'
  /** It reads another service's image (`additional_contexts: service:…`) that is not built yet. */
  | 'waiting-for-dependency'
  /** Its Dockerfile, target or ignore file has a problem; fixing the file unblocks it. */
  | 'blocked-by-error'
  /** Watching is paused; a build asked for explicitly still runs. */
  | 'paused'
  /** As many builds run as there are CPUs. */
  | 'waiting-for-slot'
  /** The project is being loaded again (a compose file, Dockerfile or ignore file changed). */
  | 'waiting-for-reload'
  /** A rebuild behind a live sync waits for the synced services to reload first. */
  | 'behind-sync'
  /** The file watcher is not armed yet: a check now could miss an edit made before it is. */
  | 'waiting-for-watcher'
  /**
   * The service waits for services served first (`priority.ts`): a rebuild behind a live sync waits while containers
   * are replaced, restarted or starting; a replacement or restart (`containerWaits` in due.ts) waits for better-ranked
   * services to be ready.
   */
  | 'waiting-for-priority';

/** A build to start: the services that share it (tagged together), the target, and why. */
export interface BuildToStart {
  readonly services: readonly string[];
  readonly buildKey: string;
  readonly target: string;
  readonly reasons: readonly PlanReason[];
  readonly background: boolean;
}

/** The builds to start now, in order, and the reason every other pending service waits. */
export interface NextBuilds {
  readonly start: readonly BuildToStart[];
  readonly waiting: Readonly<Record<string, WaitReason>>;
}

/**
 * Builds that user-facing changes wait on go first; background builds (behind a live sync) only take free slots.
 * One service never has two builds at once: a change during its build leaves it pending, and it builds once more
 * after (exactly one follow-up, however many changes arrived).
 */
export function nextBuilds(state: EngineState): NextBuilds {
  const waiting: Record<string, WaitReason> = {};
  const start: BuildToStart[] = [];
  const workspace = state.workspace;
  if (workspace === undefined || state.stopping) return { start, waiting };
  const pending = workspace.services
    .filter((model) => state.services[model.name]?.pending !== undefined && isSelected(state, model.name))
    .sort((a, b) => {
      const pa = state.services[a.name]!.pending!;
      const pb = state.services[b.name]!.pending!;
      if (pa.background !== pb.background) return pa.background ? 1 : -1;
      // What the user looks at first (only while watching; see priority.ts), then the oldest.
      return (
        priorityOf(state, a.name) - priorityOf(state, b.name) || pa.since - pb.since || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      );
    });
  let slots = state.concurrency - Object.keys(state.builds).length;
  const startedKeys = new Set<string>();
  const buildingKeys = new Set(Object.values(state.builds).map((build) => build.buildKey));
  for (const model of pending) {
    const service = state.services[model.name]!;
    const pendingBuild = service.pending!;
    if (model.blocked.length > 0 || model.build === undefined) {
      waiting[model.name] = 'blocked-by-error';
      continue;
    }
    if (state.reload !== undefined) {
      waiting[model.name] = 'waiting-for-reload';
      continue;
    }
    if (state.watch.expected && !state.watch.active) {
      waiting[model.name] = 'waiting-for-watcher';
      continue;
    }
    const key = model.build.buildKey;
    if (startedKeys.has(key)) continue;
    if (service.building !== undefined || buildingKeys.has(key)) {
      waiting[model.name] = 'already-building';
      continue;
    }
    if (pendingBuild.held) {
      waiting[model.name] = 'behind-sync';
      continue;
    }
    if (pendingBuild.background && containerWorkUnderWay(state)) {
      waiting[model.name] = 'waiting-for-priority';
      continue;
    }
    if (state.watch.paused && !pendingBuild.requested) {
      waiting[model.name] = 'paused';
      continue;
    }
    const needs = Object.values(model.build.compose.additionalContexts)
      .filter((value) => value.startsWith('service:'))
      .map((value) => value.slice('service:'.length));
    if (needs.some((name) => state.services[name]?.pending !== undefined || state.services[name]?.building !== undefined)) {
      waiting[model.name] = 'waiting-for-dependency';
      continue;
    }
    if (slots <= 0) {
      waiting[model.name] = 'waiting-for-slot';
      continue;
    }
    // Everyone on the same build is built (and tagged) together.
    const members = workspace.services.filter(
      (other) => other.build?.buildKey === key && other.blocked.length === 0 && isSelected(state, other.name),
    );
    const reasons = dedupeReasons(members.flatMap((member) => state.services[member.name]?.pending?.reasons ?? []));
    start.push({
      services: members.map((m) => m.name),
      buildKey: key,
      target: model.build.target,
      reasons,
      background: pendingBuild.background,
    });
    startedKeys.add(key);
    slots--;
  }
  return { start, waiting };
}
