/**
 * Fitting text into a terminal's width: measure it, cut it with an ellipsis,
 * or wrap it. Widths are terminal columns: East Asian wide characters and
 * emoji take two, combining marks none, everything else (ASCII, the
 * box-drawing characters dockstage prints) one; an approximation of wcwidth
 * good enough to keep lines inside a pane. Pure; shared by the CLI's tables
 * and the TUI's panes and logs.
 */

/** The narrowest width dockstage lays text out for; a smaller terminal gets lines this long. */
export const MIN_WIDTH = 40;

const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1faff],
  [0x20000, 0x3fffd],
];

/** Columns one character takes. */
function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if ((code >= 0x300 && code <= 0x36f) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  if (code < 0x1100) return 1;
  for (const [from, to] of WIDE) if (code >= from && code <= to) return 2;
  return 1;
}

/** Display width of `text` in columns. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** `text` cut to at most `width` columns, ending in `…` when cut; whole when it fits. */
export function ellipsize(text: string, width: number): string {
  if (width <= 0) return '';
  // Most lines are short ASCII: no need to measure them character by character.
  if (text.length <= width && !/[^\u0000-\u02ff]/.test(text)) return text;
  if (textWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
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
    const wordWidth = textWidth(word);
    const fresh = line === head || line === indent;
    if (wordWidth + (fresh ? 0 : 1) <= room) {
      line += `${fresh ? '' : ' '}${word}`;
      room -= wordWidth + (fresh ? 0 : 1);
      continue;
    }
    if (!fresh && wordWidth <= width - textWidth(indent)) {
      push();
      line += word;
      room -= wordWidth;
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
      if (room < charWidth(rest[0]!)) push();
      let taken = 0;
      while (taken < rest.length && charWidth(rest[taken]!) <= room) {
        line += rest[taken];
        room -= charWidth(rest[taken]!);
        taken++;
      }
      rest = rest.slice(taken);
    }
  }
  lines.push(line.trimEnd());
  return lines;
}
