/**
 * An instruction line's keyword and flags, as BuildKit's
 * parser/split_command.go splits them: the keyword up to the first blank, then
 * leading `--flags` (extractBuilderFlags), then the rest for the keyword's own
 * argument rule. Pure.
 */
import { isAsciiSpace, trimSpace } from './go-strings.js';
import { BLANKS } from './line-parsers.js';

/** A line's keyword (upper-cased), its flags as written, and the text after them (trimmed). */
export interface SplitCommand {
  readonly keyword: string;
  readonly flags: readonly string[];
  readonly rest: string;
}

/** BuildKit's splitCommand followed by extractBuilderFlags. */
export function splitCommand(line: string): SplitCommand {
  const trimmed = trimSpace(line);
  const separator = BLANKS.exec(trimmed);
  const keyword = (separator === null ? trimmed : trimmed.slice(0, separator.index)).toUpperCase();
  const { flags, rest } = separator === null ? { flags: [], rest: '' } : extractFlags(trimmed.slice(separator.index + separator[0].length));
  return { keyword, flags, rest: trimSpace(rest) };
}

/**
 * BuildKit's extractBuilderFlags: leading `--words` (quotes removed, `\`
 * escapes applied) until the first word that does not start with `--`; a bare
 * `--` ends the flags and is dropped.
 */
function extractFlags(line: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    const ch = line[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isAsciiSpace(ch)) continue;
      if (ch !== '-' || line[pos + 1] !== '-') return { flags, rest: line.slice(pos) };
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOk || word !== '')) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isAsciiSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return { flags, rest: line.slice(pos) };
        if (blankOk || word !== '') flags.push(word);
        word = '';
        blankOk = false;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      } else if (ch === '\\') {
        if (pos + 1 < line.length) word += line[++pos] ?? '';
      } else {
        word += ch;
      }
      continue;
    }
    if (ch === quote) {
      phase = 'word';
    } else if (ch === '\\') {
      if (pos + 1 === line.length) phase = 'word';
      else word += line[++pos] ?? '';
    } else {
      word += ch;
    }
  }
  return { flags, rest: '' };
}
