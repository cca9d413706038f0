/**
 * Fitting text into a terminal's width: cut with an ellipsis, or wrap at
 * spaces. Widths count code points, which is what a terminal shows for the
 * box-drawing characters and ASCII dockstage prints. Pure; shared by the CLI's
 * tables and (later) the TUI's panes.
 */

/** The narrowest width dockstage lays text out for; a smaller terminal gets lines this long. */
export const MIN_WIDTH = 40;

/** Display width of `text` in columns (one per code point). */
export function textWidth(text: string): number {
  let width = 0;
  for (const _ of text) width++;
  return width;
}

/** `text` cut to at most `width` columns, ending in `…` when cut; whole when it fits. */
export function ellipsize(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  if (width <= 0) return '';
  return `${Array.from(text).slice(0, width - 1).join('')}…`;
}

/**
 * `text` broken at spaces into lines of at most `width` columns; lines after the
 * first start with `indent`. A word longer than a line is cut with `…`, so no line
 * is ever wider than `width`.
 */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const prefix = lines.length === 0 ? '' : indent;
    const candidate = line === '' ? `${prefix}${word}` : `${line} ${word}`;
    if (textWidth(candidate) <= width || line === '') {
      line = candidate;
    } else {
      lines.push(line);
      line = `${indent}${word}`;
    }
  }
  lines.push(line);
  return lines.map((each) => ellipsize(each, width));
}
