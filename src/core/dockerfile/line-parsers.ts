/**
 * How each instruction's arguments are split, as BuildKit's
 * parser/line_parsers.go splits them: whole string, JSON or shell form, words
 * with their quotes kept (ENV, LABEL, ARG), key=value pairs, HEALTHCHECK.
 * Meaning is left to later layers. Pure.
 */
import { isGoSpace, type EscapeToken } from './expand.js';
import { goQuote, trimLeadingSpace } from './go-strings.js';

/** BuildKit's reWhitespace / tokenWhitespace: ASCII blanks only, not newlines or Unicode spaces. */
export const BLANKS = /[\t\v\f\r ]+/;
const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** An instruction line as BuildKit's parser shapes it (its AST node: keyword, flags, arguments), before its lines and heredocs are known. */
export interface LineParse {
  /** Upper-case keyword, e.g. `COPY`. */
  readonly keyword: string;
  /** Flags as written before the arguments, e.g. `--from=builder` (BuildKit's node.Flags). */
  readonly flags: readonly string[];
  /**
   * The arguments after the flags, as BuildKit's parser splits them (node.Next):
   * JSON form gives the array items; shell-form RUN/CMD/ENTRYPOINT one string;
   * FROM/COPY/ADD whitespace-separated words; ENV/LABEL key, value pairs; ARG one word per name.
   * HEALTHCHECK gives the type (`CMD`, `NONE`) then the command like CMD does;
   * ONBUILD the trigger text as one string (parsed in `trigger`); unknown keywords nothing.
   * Quotes and escapes are kept where BuildKit keeps them (ENV/LABEL/ARG values, shell form).
   */
  readonly args: readonly string[];
  /** True when the arguments were written in JSON (exec) form. */
  readonly json: boolean;
  /** The instruction's text as written, continuation lines joined. */
  readonly original: string;
  /** ENV/LABEL only: true for the deprecated `ENV key value` form (BuildKit's empty separator). */
  readonly legacyKeyValue?: boolean;
  /** ONBUILD only: the instruction it registers. */
  readonly trigger?: LineParse;
}

/** What a keyword's argument rule returns. */
export type ArgumentParse = Pick<LineParse, 'args' | 'json' | 'legacyKeyValue' | 'trigger'>;

/** A problem with one instruction line; the caller adds file and line. */
export class LineError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * Splits `text` on unquoted whitespace but keeps quotes and escapes in the
 * words (BuildKit's parseWords, used for ENV, LABEL and ARG): `a "b c"` → `a`, `"b c"`.
 */
export function splitQuotedWords(text: string, escapeToken: EscapeToken = '\\'): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  const chars = Array.from(text);
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOk || word !== '') words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (blankOk || word !== '') words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue; // an escape token at the very end is dropped
        // Outside quotes the escape token and the character after it are both kept, even a quote.
        word += ch;
        pos++;
        ch = chars[pos] ?? '';
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    // Inside single quotes the escape token is an ordinary character.
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      pos++;
      ch = chars[pos] ?? '';
    }
    word += ch;
  }
  return words;
}

/** MAINTAINER, STOPSIGNAL, USER, WORKDIR: the rest of the line as one argument. */
export function parseWholeString(rest: string): ArgumentParse {
  return { args: rest === '' ? [] : [rest], json: false };
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text as one shell command. */
export function parseMaybeJson(rest: string): ArgumentParse {
  if (rest === '') return { args: [], json: false };
  const items = parseJsonArray(rest);
  return items === undefined ? { args: [rest], json: false } : { args: items, json: true };
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
export function parseMaybeJsonToList(rest: string): ArgumentParse {
  const items = parseJsonArray(rest);
  return items === undefined ? { args: splitBlanks(rest), json: false } : { args: items, json: true };
}

/** HEALTHCHECK: the first word is the type (CMD, NONE, …), the rest parses like CMD. */
export function parseHealthcheck(rest: string): ArgumentParse {
  let end = 0;
  while (end < rest.length && !isGoSpace(rest[end] ?? '')) end++;
  if (end === 0) return { args: [], json: false };
  let start = end;
  while (start < rest.length && isGoSpace(rest[start] ?? '')) start++;
  const command = parseMaybeJson(rest.slice(start));
  return { args: [rest.slice(0, end), ...command.args], json: command.json };
}

/**
 * ENV and LABEL: `key=value …`, or the legacy `key value` form when the first
 * word has no `=` (then the value is the rest of the line, quotes and all).
 */
export function parseKeyValues(rest: string, keyword: 'ENV' | 'LABEL', escapeToken: EscapeToken): ArgumentParse {
  const words = splitQuotedWords(rest, escapeToken);
  const first = words[0];
  if (first === undefined) return { args: [], json: false };
  if (!first.includes('=')) {
    const separator = BLANKS.exec(rest);
    if (separator === null) {
      throw new LineError(
        `${keyword} must have two arguments`,
        `Give ${first} a value: "${keyword} ${first}=value" (use ${first}="" for an empty value).`,
      );
    }
    return {
      args: [rest.slice(0, separator.index), rest.slice(separator.index + separator[0].length)],
      json: false,
      legacyKeyValue: true,
    };
  }
  const args: string[] = [];
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals < 0) {
      throw new LineError(
        `Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`,
        `Write every ${keyword} entry as name=value and quote values that contain spaces, e.g. ${keyword} A=1 B="two words".`,
      );
    }
    args.push(word.slice(0, equals), word.slice(equals + 1));
  }
  return { args, json: false, legacyKeyValue: false };
}

/**
 * The JSON array at the start of `rest`, or undefined when it is not valid
 * JSON (BuildKit then falls back to shell form). Like Go's json.Decoder, text
 * after the array is ignored. Non-string items are an error, not a fallback.
 */
function parseJsonArray(rest: string): string[] | undefined {
  const text = trimLeadingSpace(rest);
  if (!text.startsWith('[')) return undefined;
  const end = jsonValueEnd(text);
  if (end === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const items: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new LineError(NOT_STRING_ARRAY, 'Quote every item, e.g. CMD ["echo", "hi"], or write the command in shell form: CMD echo hi.');
    }
    items.push(item);
  }
  return items;
}

/** Index just past the bracket that closes the value opening at 0, or undefined if it never closes. */
function jsonValueEnd(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** FROM, EXPOSE and the shell form of COPY/ADD/VOLUME: words between blanks. */
export function splitBlanks(rest: string): string[] {
  return rest === '' ? [] : rest.split(BLANKS);
}
