/**
 * The stage graph as a small text tree (FROM parents above their children),
 * shared by `dockstage stages` and the TUI's Dockerfile pane. Pure.
 */
import type { StageGraph } from '../../core/dockerfile/stage-graph.js';

/** One line of the tree; `stage` indexes graph.stages so callers can add columns (line, base image) beside the drawing. */
export interface StageTreeRow {
  /** Tree drawing plus the stage name, e.g. `│  └─ test`. */
  readonly label: string;
  readonly stage: number;
  readonly inTarget: boolean;
  readonly isTarget: boolean;
  /** What else the stage needs besides its FROM parent: `copies from builder`, `mounts from deps`. */
  readonly extra: string;
}

/** One row per stage, depth-first from each root (a stage built FROM an image), children in file order. */
export function stageTree(graph: StageGraph, closure: readonly number[], target: number | undefined): StageTreeRow[] {
  const inClosure = new Set(closure);
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const stage of graph.stages) {
    if (stage.base.kind === 'stage') {
      const list = children.get(stage.base.stage) ?? [];
      list.push(stage.index);
      children.set(stage.base.stage, list);
    } else {
      roots.push(stage.index);
    }
  }
  const rows: StageTreeRow[] = [];
  const visit = (index: number, prefix: string, connector: string) => {
    const stage = graph.stages[index]!;
    const needs = graph.edges
      .filter((edge) => edge.stage === index && edge.kind !== 'from')
      .map((edge) => `${edge.kind === 'copy' ? 'copies from' : 'mounts from'} ${graph.stages[edge.dependsOn]!.displayName}`);
    rows.push({
      label: `${prefix}${connector}${stage.displayName}`,
      stage: index,
      inTarget: inClosure.has(index),
      isTarget: index === target,
      extra: [...new Set(needs)].join(', '),
    });
    const kids = children.get(index) ?? [];
    const childPrefix = connector === '' ? prefix : prefix + (connector === '└─ ' ? '   ' : '│  ');
    kids.forEach((kid, i) => visit(kid, childPrefix, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of roots) visit(root, '', '');
  return rows;
}
