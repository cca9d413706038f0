/** A build's progress per stage, folded from the builder's step events (the state's view of a running build). */
import type { ActionOf } from './actions.js';
import type { StageProgress } from './engine-state.js';

/** Folds one step event into the stage list (BuildKit may report a completed step twice: counted once by vertex). */
export function foldStage(
  stages: readonly StageProgress[],
  event: Exclude<ActionOf<'buildProgressed'>['event'], { type: 'build-warning' }>,
): readonly StageProgress[] {
  if (event.stage === null || event.type === 'step-log') return stages;
  const index = stages.findIndex((s) => s.stage === event.stage);
  const current: StageProgress =
    index === -1
      ? {
          stage: event.stage,
          done: 0,
          cached: 0,
          total: event.total,
          current: undefined,
          failed: false,
          startedAt: undefined,
          endedAt: undefined,
          vertices: [],
        }
      : stages[index]!;
  let next: StageProgress;
  if (event.type === 'step-started') {
    next = { ...current, total: event.total ?? current.total, current: event.instruction, startedAt: current.startedAt ?? event.at };
  } else {
    if (current.vertices.includes(event.vertex)) return stages;
    next = {
      ...current,
      total: event.total ?? current.total,
      done: current.done + 1,
      cached: current.cached + (event.cached ? 1 : 0),
      failed: current.failed || event.error !== undefined,
      startedAt: current.startedAt ?? event.at - (event.durationMs ?? 0),
      endedAt: event.at,
      current: current.total !== null && current.done + 1 >= current.total ? undefined : current.current,
      vertices: [...current.vertices, event.vertex],
    };
  }
  return index === -1 ? [...stages, next] : stages.map((stage, i) => (i === index ? next : stage));
}
