/** Merging the reasons of several changes or services into one list without repeats. */
import type { PlanReason } from './plan.js';

/** The reasons in order, each (rule, path, stage, line, detail) once: shared builds and repeated saves say it once. */
export function dedupeReasons(reasons: readonly PlanReason[]): PlanReason[] {
  const seen = new Set<string>();
  return reasons.filter((reason) => {
    const key = `${reason.rule}|${reason.path}|${reason.stage}|${reason.line}|${reason.detail ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
