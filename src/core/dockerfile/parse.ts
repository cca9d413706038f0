/**
 * The Dockerfile parser: text in, instructions out, with BuildKit's rules
 * (frontend/dockerfile/parser): directives, escape token, line continuations,
 * comments inside continuations, JSON vs shell form, flags, heredocs.
 *
 * Like BuildKit's parser this only shapes the text: it splits arguments the way
 * BuildKit's dispatch table does and leaves meaning (stage names, flag values,
 * unknown instructions, variable expansion) to later layers.
 */
import { DockerfileParseError } from '../errors.js';
import { ExpansionError, isGoSpace, lexShellWord, type EscapeToken } from './expand.js';

/** A heredoc attached to RUN/COPY/ADD (`RUN <<EOF … EOF`), as BuildKit's parser records it. */
export interface DockerfileHeredoc {
  readonly name: string;
  /** The body exactly as written, line endings included; `<<-` tabs are not stripped here (see `chompHeredocContent`). */
  readonly content: string;
  /** false when the delimiter was quoted (`<<"EOF"`): no variable expansion in the body. */
  readonly expand: boolean;
  /** true for `<<-EOF`: leading tabs are stripped from the body. */
  readonly chomp: boolean;
  readonly fileDescriptor: number;
}

/** One instruction, shaped like BuildKit's AST node: keyword, flags, arguments, lines. */
export interface DockerfileInstruction {
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
  /** 1-based line numbers of the first and last line of the instruction (heredoc bodies included). */
  readonly startLine: number;
  readonly endLine: number;
  readonly heredocs: readonly DockerfileHeredoc[];
  /** ENV/LABEL only: true for the deprecated `ENV key value` form (BuildKit's empty separator). */
  readonly legacyKeyValue?: boolean;
  /** ONBUILD only: the instruction it registers, with the ONBUILD's lines and heredocs. */
  readonly trigger?: DockerfileInstruction;
}

/** Something BuildKit's parser accepts but warns about, e.g. empty continuation lines. */
export interface DockerfileWarning {
  readonly message: string;
  readonly line: number;
  /** A longer explanation, when BuildKit gives one. */
  readonly detail?: string;
  /** Where the rule is documented. */
  readonly url?: string;
}

/** The result of `parseDockerfile`: instructions in file order plus what the file header set. */
export interface ParsedDockerfile {
  readonly instructions: readonly DockerfileInstruction[];
  readonly escapeToken: '\\' | '`';
  /** Parser directives found at the top of the file (`# syntax=`, `# escape=`, `# check=`). */
  readonly directives: Readonly<Record<string, string>>;
  readonly warnings: readonly DockerfileWarning[];
}

/** Options for `parseDockerfile`. */
export interface ParseOptions {
  /** The file name used in errors (as the user would type it, e.g. `web/Dockerfile`). */
  readonly file: string;
}

/** A heredoc named on an instruction line, before its body is read. */
export type HeredocMarker = Omit<DockerfileHeredoc, 'content'>;

/** A parser directive at the top of a file. */
export interface DockerfileDirective {
  /** Lower-cased: `syntax`, `escape` or `check`. */
  readonly name: string;
  readonly value: string;
  /** 1-based. */
  readonly line: number;
}

/** What `detectSyntax` / `findDirective` found. */
export interface DirectiveMatch {
  /** The value up to the first space, e.g. `docker/dockerfile:1` for the syntax directive. */
  readonly value: string;
  /** The whole value, e.g. `docker/dockerfile:1 // comment`. */
  readonly cmdline: string;
  /** 1-based line of the directive; 0 for the JSON form. */
  readonly line: number;
}

/** BuildKit's scanner refuses lines longer than this many bytes (bufio.MaxScanTokenSize - 1). */
const MAX_LINE_BYTES = 65535;
const DIRECTIVE_NAMES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_INSTRUCTIONS = new Set(['ADD', 'COPY', 'RUN']);
/** BuildKit's reWhitespace / tokenWhitespace: ASCII blanks only, not newlines or Unicode spaces. */
const BLANKS = /[\t\v\f\r ]+/;
const GO_REGEX_SPACE = '[\\t\\n\\f\\r ]';
const HEREDOC_WORD = new RegExp(`^(\\d*)<<(-?)${GO_REGEX_SPACE}*([^<]*)$`);
const EMPTY_CONTINUATION_DETAIL = 'Empty continuation lines will become errors in a future release';
const EMPTY_CONTINUATION_URL = 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/';
const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * Parses Dockerfile text. Throws `DockerfileParseError` (file, line, hint) when BuildKit would.
 * Never reads files or the environment; `options.file` only names the file in errors.
 */
export function parseDockerfile(text: string, options: ParseOptions): ParsedDockerfile {
  const file = options.file;
  const lines = physicalLines(text);
  const directives: Record<string, string> = {};
  let escapeToken: EscapeToken = '\\';
  let directivesDone = false;
  const instructions: DockerfileInstruction[] = [];
  const warnings: DockerfileWarning[] = [];
  let next = 0;
  let currentLine = 0;

  const readLine = (): string | undefined => {
    const raw = lines[next];
    if (raw === undefined) return undefined;
    next++;
    if (exceedsLineLimit(raw.endsWith('\n') ? raw.slice(0, -1) : raw)) {
      throw new DockerfileParseError(
        `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`,
        file,
        currentLine + 1,
        `Split the line with a trailing ${escapeToken} continuation, or move the long content into a file that you COPY.`,
      );
    }
    return raw;
  };

  /** BuildKit's possibleParserDirective: the first line that is not a known directive ends the block. */
  const checkDirective = (token: string, line: number): void => {
    if (directivesDone) return;
    const match = directiveRegex('#').exec(token);
    const name = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (name === undefined || value === undefined || !DIRECTIVE_NAMES.has(name)) {
      directivesDone = true;
      return;
    }
    if (Object.hasOwn(directives, name)) {
      throw new DockerfileParseError(
        `only one ${name} parser directive can be used`,
        file,
        line,
        `Remove the repeated "# ${name}=" line; each parser directive may appear once, at the very top of the file.`,
      );
    }
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new DockerfileParseError(
          `invalid escape token '${value}' does not match \` or \\`,
          file,
          line,
          'Use "# escape=\\" (the default) or "# escape=`".',
        );
      }
      escapeToken = value;
    }
    directives[name] = value;
  };

  for (let raw = readLine(); raw !== undefined; raw = readLine()) {
    const firstRaw = currentLine === 0 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    const token = trimLeadingSpace(trimNewline(firstRaw));
    checkDirective(token, currentLine + 1);
    currentLine++;
    const startLine = currentLine;

    let [line, endOfInstruction] = trimContinuation(isComment(token) ? '' : token, escapeToken);
    if (endOfInstruction && line === '') continue;

    let hasEmptyContinuationLine = false;
    while (!endOfInstruction) {
      const continuation = readLine();
      if (continuation === undefined) break;
      const body = trimNewline(continuation);
      checkDirective(body, currentLine + 1);
      currentLine++;
      if (isComment(continuation)) continue;
      if (trimLeadingSpace(body) === '') {
        hasEmptyContinuationLine = true;
        continue;
      }
      const [joined, end] = trimContinuation(body, escapeToken);
      line += joined;
      endOfInstruction = end;
    }

    if (hasEmptyContinuationLine) {
      warnings.push({
        message: `Empty continuation line found in: ${line}`,
        line: currentLine,
        detail: EMPTY_CONTINUATION_DETAIL,
        url: EMPTY_CONTINUATION_URL,
      });
    }

    let parsed: LineParse;
    try {
      parsed = parseLine(line, escapeToken);
    } catch (error) {
      throw asParseError(error, file, startLine);
    }

    const heredocs: DockerfileHeredoc[] = [];
    if (canContainHeredoc(parsed) && line.includes('<<')) {
      let markers: HeredocMarker[];
      try {
        markers = heredocsFromLine(line);
      } catch (error) {
        throw asParseError(error, file, startLine);
      }
      for (const marker of markers) {
        let content = '';
        let terminated = false;
        for (let bodyLine = readLine(); bodyLine !== undefined; bodyLine = readLine()) {
          currentLine++;
          const candidate = trimNewline(bodyLine);
          if ((marker.chomp ? candidate.replace(/^\t+/, '') : candidate) === marker.name) {
            terminated = true;
            break;
          }
          content += bodyLine;
        }
        if (!terminated) {
          throw new DockerfileParseError(
            'unterminated heredoc',
            file,
            startLine,
            `Add a line that is exactly "${marker.name}"${marker.chomp ? ' (leading tabs allowed with <<-)' : ''} to end the heredoc opened here.`,
          );
        }
        heredocs.push({ ...marker, content });
      }
    }
    instructions.push(toInstruction(parsed, startLine, currentLine, heredocs));
  }

  if (instructions.length === 0) {
    throw new DockerfileParseError(
      'file with no instructions',
      file,
      Math.max(currentLine, 1),
      'Add at least a FROM instruction; comments, blank lines and parser directives do not count.',
    );
  }
  return { instructions, escapeToken, directives, warnings };
}

/**
 * Renders instructions the way BuildKit's `AST.Dump()` does: one S-expression
 * per line, keyword lower-cased, flags as a leading list, every argument
 * Go-quoted, e.g. `(copy ["--user=me"] "foo" "/tmp/")`. No trailing newline
 * (BuildKit's `result` files are this plus "\n").
 */
export function dumpAst(parsed: Pick<ParsedDockerfile, 'instructions'>): string {
  return parsed.instructions.map((instruction) => `(${dumpInstruction(instruction)})`).join('\n');
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

/**
 * Reads a heredoc word such as `<<EOF`, `<<-'EOF'` or `3<<"EOF"` (BuildKit's
 * ParseHeredoc). Returns undefined for words that are not heredocs; throws
 * `ExpansionError` for mismatched quotes (`<<'EOF`).
 */
export function parseHeredoc(word: string): HeredocMarker | undefined {
  const match = HEREDOC_WORD.exec(word);
  const rest = match?.[3];
  if (match === null || rest === undefined || rest === '') return undefined;
  const plain = lexShellWord(rest, noVariables, { skipUnsetEnv: true });
  const name = plain.words[0];
  if (name === undefined || plain.words.length !== 1) return undefined;
  const raw = lexShellWord(rest, noVariables, { skipUnsetEnv: true, rawQuotes: true }).words;
  if (raw.length !== 1) throw new ExpansionError(rest, 'internal lexing of heredoc produced inconsistent results');
  const fileDescriptor = match[1] === '' ? 0 : Number.parseInt(match[1] ?? '0', 10);
  return {
    name,
    // Quotes that did their job vanish from the plain lexing only; escaped quotes stay in both.
    expand: countQuotes(name) === countQuotes(raw[0] ?? ''),
    chomp: match[2] === '-',
    fileDescriptor: Number.isSafeInteger(fileDescriptor) ? fileDescriptor : 0,
  };
}

/**
 * The heredocs named on an instruction line, in order (BuildKit's
 * heredocsFromLine). Quoted `"<<EOF"` is not a heredoc; a line the shell lexer
 * cannot read has none. Always lexes with `\` as escape token, as BuildKit does.
 */
export function heredocsFromLine(line: string): HeredocMarker[] {
  let words: readonly string[];
  try {
    words = lexShellWord(line, noVariables, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    return [];
  }
  const markers: HeredocMarker[] = [];
  for (const word of words) {
    const marker = parseHeredoc(word);
    if (marker !== undefined) markers.push(marker);
  }
  return markers;
}

/** Strips leading tabs from every line of a `<<-` heredoc body (BuildKit's ChompHeredocContent). */
export function chompHeredocContent(content: string): string {
  return content.replace(/(^|\n)\t+/g, '$1');
}

/**
 * The parser directives at the top of `text` (BuildKit's DirectiveParser.ParseAll):
 * `# name=value` lines for syntax, escape and check, until the first other line.
 * A repeated directive ends the list (`parseDockerfile` reports it as an error).
 */
export function parseDirectives(text: string): DockerfileDirective[] {
  return scanDirectives(text, '#', 0);
}

/**
 * Finds the `syntax` directive the way BuildKit picks a frontend (DetectSyntax):
 * `# syntax=…` after an optional BOM and `#!` line, else `// syntax=…`, else a
 * JSON document `{"syntax": "…"}`.
 */
export function detectSyntax(text: string): DirectiveMatch | undefined {
  return matchDirective('syntax', text, true);
}

/** Finds one `# key=value` directive, e.g. `check` (BuildKit's ParseDirective; `#` form only). */
export function findDirective(key: string, text: string): DirectiveMatch | undefined {
  return matchDirective(key, text, false);
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

/** An instruction line before lines and heredocs are attached. */
interface LineParse {
  readonly keyword: string;
  readonly flags: readonly string[];
  readonly args: readonly string[];
  readonly json: boolean;
  readonly original: string;
  readonly legacyKeyValue?: boolean;
  readonly trigger?: LineParse;
}

type ArgumentParse = Pick<LineParse, 'args' | 'json' | 'legacyKeyValue' | 'trigger'>;

/** A problem with one instruction line; the caller adds file and line. */
class LineError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** BuildKit's dispatch table: how each keyword's arguments are split. */
const ARGUMENT_PARSERS: Readonly<Record<string, (rest: string, escapeToken: EscapeToken) => ArgumentParse>> = {
  ADD: parseMaybeJsonToList,
  ARG: (rest, escapeToken) => ({ args: splitQuotedWords(rest, escapeToken), json: false }),
  CMD: parseMaybeJson,
  COPY: parseMaybeJsonToList,
  ENTRYPOINT: parseMaybeJson,
  ENV: (rest, escapeToken) => parseKeyValues(rest, 'ENV', escapeToken),
  EXPOSE: (rest) => ({ args: splitBlanks(rest), json: false }),
  FROM: (rest) => ({ args: splitBlanks(rest), json: false }),
  HEALTHCHECK: parseHealthcheck,
  LABEL: (rest, escapeToken) => parseKeyValues(rest, 'LABEL', escapeToken),
  MAINTAINER: parseWholeString,
  ONBUILD: parseOnbuild,
  RUN: parseMaybeJson,
  SHELL: parseMaybeJson,
  STOPSIGNAL: parseWholeString,
  USER: parseWholeString,
  VOLUME: parseMaybeJsonToList,
  WORKDIR: parseWholeString,
};

/**
 * ONBUILD's trigger is parsed as an instruction of its own. A chained `ONBUILD
 * ONBUILD` is refused here, with the message BuildKit gives when it reads the
 * instructions: recursing into it would let one 64 KB line of repeated ONBUILDs
 * overflow the stack.
 */
function parseOnbuild(rest: string, escapeToken: EscapeToken): ArgumentParse {
  if (rest === '') return { args: [], json: false };
  if (/^onbuild$/i.test(trimSpace(rest).split(BLANKS)[0] ?? '')) {
    throw new LineError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', 'Write the trigger once: ONBUILD <instruction>.');
  }
  return { args: [rest], json: false, trigger: parseLine(rest, escapeToken) };
}

/** BuildKit's newNodeFromLine: keyword, flags, then the keyword's own argument rules. */
function parseLine(line: string, escapeToken: EscapeToken): LineParse {
  const trimmed = trimSpace(line);
  const separator = BLANKS.exec(trimmed);
  const keyword = (separator === null ? trimmed : trimmed.slice(0, separator.index)).toUpperCase();
  const { flags, rest } =
    separator === null ? { flags: [], rest: '' } : extractFlags(trimmed.slice(separator.index + separator[0].length));
  const parser = ARGUMENT_PARSERS[keyword];
  // Unknown keywords parse (BuildKit rejects them later, in its instructions layer).
  const parsed = parser === undefined ? { args: [], json: false } : parser(trimSpace(rest), escapeToken);
  return { keyword, flags, original: line, ...parsed };
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

function parseWholeString(rest: string): ArgumentParse {
  return { args: rest === '' ? [] : [rest], json: false };
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text as one shell command. */
function parseMaybeJson(rest: string): ArgumentParse {
  if (rest === '') return { args: [], json: false };
  const items = parseJsonArray(rest);
  return items === undefined ? { args: [rest], json: false } : { args: items, json: true };
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
function parseMaybeJsonToList(rest: string): ArgumentParse {
  const items = parseJsonArray(rest);
  return items === undefined ? { args: splitBlanks(rest), json: false } : { args: items, json: true };
}

/** HEALTHCHECK: the first word is the type (CMD, NONE, …), the rest parses like CMD. */
function parseHealthcheck(rest: string): ArgumentParse {
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
function parseKeyValues(rest: string, keyword: 'ENV' | 'LABEL', escapeToken: EscapeToken): ArgumentParse {
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
      throw new LineError(
        NOT_STRING_ARRAY,
        'Quote every item, e.g. CMD ["echo", "hi"], or write the command in shell form: CMD echo hi.',
      );
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

function splitBlanks(rest: string): string[] {
  return rest === '' ? [] : rest.split(BLANKS);
}

function canContainHeredoc(parsed: LineParse): boolean {
  const target = parsed.keyword === 'ONBUILD' && parsed.trigger !== undefined ? parsed.trigger : parsed;
  return HEREDOC_INSTRUCTIONS.has(target.keyword) && !target.json;
}

function toInstruction(
  parsed: LineParse,
  startLine: number,
  endLine: number,
  heredocs: readonly DockerfileHeredoc[],
): DockerfileInstruction {
  return {
    keyword: parsed.keyword,
    flags: parsed.flags,
    args: parsed.args,
    json: parsed.json,
    original: parsed.original,
    startLine,
    endLine,
    heredocs,
    ...(parsed.legacyKeyValue === undefined ? {} : { legacyKeyValue: parsed.legacyKeyValue }),
    ...(parsed.trigger === undefined ? {} : { trigger: toInstruction(parsed.trigger, startLine, endLine, heredocs) }),
  };
}

function dumpInstruction(instruction: DockerfileInstruction): string {
  let out = instruction.keyword.toLowerCase();
  if (instruction.flags.length > 0) out += ` [${instruction.flags.map(goQuote).join(' ')}]`;
  if (instruction.trigger !== undefined) {
    out += ` (${dumpInstruction(instruction.trigger)})`;
  } else if (instruction.keyword === 'ENV' || instruction.keyword === 'LABEL') {
    // BuildKit stores key, value, separator triples; the separator is "" for the legacy form.
    const separator = goQuote(instruction.legacyKeyValue === true ? '' : '=');
    for (let i = 0; i < instruction.args.length; i += 2) {
      out += ` ${goQuote(instruction.args[i] ?? '')} ${goQuote(instruction.args[i + 1] ?? '')} ${separator}`;
    }
  } else if (ARGUMENT_PARSERS[instruction.keyword] === undefined) {
    out += ' ""'; // BuildKit gives unknown instructions one empty argument node
  } else {
    for (const arg of instruction.args) out += ` ${goQuote(arg)}`;
  }
  return out.trim();
}

function asParseError(error: unknown, file: string, line: number): unknown {
  if (error instanceof LineError) return new DockerfileParseError(error.message, file, line, error.hint);
  if (error instanceof ExpansionError) return new DockerfileParseError(error.message, file, line, error.hint);
  return error;
}

/**
 * BuildKit's line-continuation rule: a trailing escape token (blanks after it
 * allowed) continues the line unless it is itself escaped (`\\`).
 */
function trimContinuation(line: string, escapeToken: EscapeToken): [string, boolean] {
  const continuation = escapeToken === '\\' ? /([^\\])\\[ \t]*$|^\\[ \t]*$/ : /([^`])`[ \t]*$|^`[ \t]*$/;
  const match = continuation.exec(line);
  if (match === null) return [line, true];
  return [line.slice(0, match.index) + (match[1] ?? ''), false];
}

/** The file's lines, each with its `\n` (heredoc bodies keep their line endings). */
function physicalLines(text: string): string[] {
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

function scanDirectives(text: string, comment: '#' | '//', firstLine: number): DockerfileDirective[] {
  const pattern = directiveRegex(comment);
  const found: DockerfileDirective[] = [];
  const seen = new Set<string>();
  let line = firstLine;
  for (const raw of physicalLines(text)) {
    line++;
    const match = pattern.exec(trimNewline(raw));
    const name = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (name === undefined || value === undefined || !DIRECTIVE_NAMES.has(name) || seen.has(name)) break;
    seen.add(name);
    found.push({ name, value, line });
  }
  return found;
}

function matchDirective(key: string, text: string, anyFormat: boolean): DirectiveMatch | undefined {
  let data = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 0;
  const newline = data.indexOf('\n');
  if ((newline < 0 ? data : data.slice(0, newline)).startsWith('#!')) {
    data = newline < 0 ? '' : data.slice(newline + 1);
    line = 1;
  }
  const comments: ReadonlyArray<'#' | '//'> = anyFormat ? ['#', '//'] : ['#'];
  for (const comment of comments) {
    const directive = scanDirectives(data, comment, line).find((d) => d.name === key);
    if (directive !== undefined) {
      const space = directive.value.indexOf(' ');
      return {
        value: space < 0 ? directive.value : directive.value.slice(0, space),
        cmdline: directive.value,
        line: directive.line,
      };
    }
  }
  if (!anyFormat) return undefined;
  try {
    const document: unknown = JSON.parse(data);
    if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
      const value: unknown = (document as Record<string, unknown>)[key];
      if (typeof value === 'string') return { value, cmdline: value, line };
    }
  } catch {
    // not JSON either
  }
  return undefined;
}

function directiveRegex(comment: '#' | '//'): RegExp {
  const s = GO_REGEX_SPACE;
  return new RegExp(`^${comment}${s}*([a-zA-Z][a-zA-Z0-9]*)${s}*=${s}*([^\\n]+?)${s}*$`);
}

function noVariables(): undefined {
  return undefined;
}

function countQuotes(word: string): number {
  let count = 0;
  for (const ch of word) if (ch === "'" || ch === '"') count++;
  return count;
}

function isComment(line: string): boolean {
  return trimLeadingSpace(line).startsWith('#');
}

function isAsciiSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === '\n' || line[end - 1] === '\r')) end--;
  return line.slice(0, end);
}

function trimLeadingSpace(text: string): string {
  let start = 0;
  while (start < text.length && isGoSpace(text[start] ?? '')) start++;
  return text.slice(start);
}

function trimSpace(text: string): string {
  let end = text.length;
  while (end > 0 && isGoSpace(text[end - 1] ?? '')) end--;
  return trimLeadingSpace(text.slice(0, end));
}

/** True when `text` is longer than BuildKit's line limit, which counts UTF-8 bytes. */
function exceedsLineLimit(text: string): boolean {
  if (text.length * 3 <= MAX_LINE_BYTES) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes > MAX_LINE_BYTES;
}
