/**
 * The Go string functions BuildKit's Dockerfile parser is written with
 * (strings.TrimSpace, strconv.Quote, bufio's line scanner…), with Go's idea of
 * white space, so that code ported from it reads alike. Pure.
 */
import { isGoSpace } from './expand.js';

/** Go's regexp `\s` (RE2: no `\v`), as text to put inside a `new RegExp`. */
export const GO_REGEX_SPACE = '[\\t\\n\\f\\r ]';

/** Go's unicode.IsSpace restricted to ASCII (BuildKit's flag splitter). */
export function isAsciiSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** The line without its trailing `\n` and `\r` characters. */
export function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return line.slice(0, end);
}

/** Go's strings.TrimLeftFunc(text, unicode.IsSpace). */
export function trimLeadingSpace(text: string): string {
  let start = 0;
  while (start < text.length && isGoSpace(text[start] ?? '')) start++;
  return text.slice(start);
}

/** Go's strings.TrimSpace. */
export function trimSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isGoSpace(text[end - 1] ?? '')) end--;
  return trimLeadingSpace(text.slice(0, end));
}

/** The file's lines, each with its `\n` (heredoc bodies keep their line endings). */
export function physicalLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

/** Go's strconv.Quote, which BuildKit's dump uses: printable runes as-is, the rest escaped. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const escaped = GO_ESCAPES[ch];
    if (escaped !== undefined) {
      out += escaped;
    } else if (ch === ' ' || PRINTABLE.test(ch)) {
      out += ch;
    } else {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};
/** Go's unicode.IsPrint minus the ASCII space: letters, marks, numbers, punctuation, symbols. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
