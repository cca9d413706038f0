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

/** The head a wrapped line's continuation lines line up under: indentation, then a mark such as `✗ `, `hint: ` or `│ `. */
const HANGING_HEAD = /^\s*(?:✗ |│ |--> |hint: |why: |for: |waits: )?/;

/**
 * `text` on lines of at most `width` columns, nothing cut: broken at spaces, and inside a word only when the word
 * alone is wider than a line (a path, a URL). Continuation lines hang under the text after the line's head
 * (`  hint: ` → 8 spaces; a `│ ` bar is repeated), so a wrapped error still reads as one entry.
 */
export function wrapHanging(text: string, width: number): string[] {
  if (textWidth(text) <= width) return [text];
  const head = HANGING_HEAD.exec(text)![0];
  const hang = head.replace(/[^│]/g, ' ');
  // A head that leaves no room for text hangs nothing.
  const indent = textWidth(hang) * 2 > width ? '' : hang;
  const lines: string[] = [];
  let line = head;
  let room = width - textWidth(head);
  const push = () => {
    lines.push(line.trimEnd());
    line = indent;
    room = width - textWidth(indent);
  };
  for (const word of text.slice(head.length).split(' ')) {
    const chars = Array.from(word);
    const fresh = line === head || line === indent;
    if (chars.length + (fresh ? 0 : 1) <= room) {
      line += `${fresh ? '' : ' '}${word}`;
      room -= chars.length + (fresh ? 0 : 1);
      continue;
    }
    if (!fresh && chars.length <= width - textWidth(indent)) {
      push();
      line += word;
      room -= chars.length;
      continue;
    }
    // Wider than a line: cut it across lines, starting on this one when there is room after a space.
    let rest = chars;
    if (!fresh) {
      if (room > 1) {
        line += ' ';
        room -= 1;
      } else push();
    }
    while (rest.length > 0) {
      if (room <= 0) push();
      line += rest.slice(0, room).join('');
      const taken = Math.min(room, rest.length);
      rest = rest.slice(taken);
      room -= taken;
    }
  }
  lines.push(line.trimEnd());
  return lines;
}
