/**
 * Fitting the services table to the terminal's width: each column gets its
 * content's width within bounds; when the row is too wide, the least needed
 * columns go first (CPU and memory, then health, …), then the widest column is
 * cut. Pure.
 */

/** A column: its width bounds, and when it is dropped (higher goes first; 0 never). */
export interface ColumnSpec {
  readonly min: number;
  readonly max: number;
  readonly drop: number;
}

/**
 * Widths per column (0 for a dropped column) so the row fits `total` characters with `gap` between columns. Extras
 * (drop ≥ 5) go first, then columns are cut down to their minimum (the widest first), and only then do the other
 * droppable columns go.
 */
export function fitColumns(specs: readonly ColumnSpec[], content: readonly number[], total: number, gap = 2): number[] {
  const widths = specs.map((spec, i) => (content[i] === 0 && spec.drop > 0 ? 0 : Math.min(spec.max, Math.max(spec.min, content[i] ?? 0))));
  const used = () => widths.reduce((sum, w) => sum + w, 0) + gap * Math.max(0, widths.filter((w) => w > 0).length - 1);
  const dropOne = (atLeast: number) => {
    const next = specs
      .map((spec, i) => ({ i, drop: spec.drop }))
      .filter(({ i, drop }) => drop >= atLeast && widths[i]! > 0)
      .sort((a, b) => b.drop - a.drop)[0];
    if (next === undefined) return false;
    widths[next.i] = 0;
    return true;
  };
  const shrink = () => {
    let over = used() - total;
    while (over > 0) {
      const widest = widths.reduce((best, w, i) => (w - specs[i]!.min > widths[best]! - specs[best]!.min ? i : best), 0);
      const spare = widths[widest]! - specs[widest]!.min;
      if (spare <= 0 || widths[widest] === 0) return;
      const cut = Math.min(spare, over);
      widths[widest] = widths[widest]! - cut;
      over -= cut;
    }
  };
  const desired = [...widths];
  while (used() > total && dropOne(5));
  shrink();
  while (used() > total && dropOne(1)) shrink();
  // A drop may leave room that cut columns can take back, left to right.
  let spare = total - used();
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i] === 0 || widths[i]! >= desired[i]!) continue;
    const grow = Math.min(spare, desired[i]! - widths[i]!);
    widths[i] = widths[i]! + grow;
    spare -= grow;
  }
  return widths;
}

/** The text cut or padded to exactly `width` characters (`…` marks a cut). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}
