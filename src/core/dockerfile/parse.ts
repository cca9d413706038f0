/**
 * The Dockerfile parser: text in, instructions out, with BuildKit's rules
 * (frontend/dockerfile/parser): directives, escape token, line continuations,
 * comments inside continuations, JSON vs shell form, flags, heredocs.
 *
 * Like BuildKit's parser this only shapes the text: it splits arguments the way
 * BuildKit's dispatch table does and leaves meaning (stage names, flag values,
 * unknown instructions, variable expansion) to later layers. Its parts follow
 * BuildKit's files: this one is parser.go (the line loop, the dispatch table,
 * the AST dump); directives.ts, heredoc.ts, split-command.ts and
 * line-parsers.ts are their namesakes; go-strings.ts holds the Go string
 * functions they are all written with.
 */
import { DockerfileParseError } from '../errors.js';
import { directiveOnLine } from './directives.js';
import { ExpansionError, type EscapeToken } from './expand.js';
import { goQuote, physicalLines, trimLeadingSpace, trimNewline } from './go-strings.js';
import { heredocsFromLine, type DockerfileHeredoc, type HeredocMarker } from './heredoc.js';
import {
  BLANKS,
  LineError,
  parseHealthcheck,
  parseKeyValues,
  parseMaybeJson,
  parseMaybeJsonToList,
  parseWholeString,
  splitBlanks,
  splitQuotedWords,
  type ArgumentParse,
  type LineParse,
} from './line-parsers.js';
import { splitCommand } from './split-command.js';

/** One instruction, shaped like BuildKit's AST node: keyword, flags, arguments (see LineParse), and where it stands. */
export interface DockerfileInstruction extends Omit<LineParse, 'trigger'> {
  /** 1-based line numbers of the first and last line of the instruction (heredoc bodies included). */
  readonly startLine: number;
  readonly endLine: number;
  readonly heredocs: readonly DockerfileHeredoc[];
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

/** The heredoc types live with their reader; an instruction carries them. */
export type { DockerfileHeredoc } from './heredoc.js';

/** BuildKit's scanner refuses lines longer than this many bytes (bufio.MaxScanTokenSize - 1). */
const MAX_LINE_BYTES = 65535;
const HEREDOC_INSTRUCTIONS = new Set(['ADD', 'COPY', 'RUN']);
const EMPTY_CONTINUATION_DETAIL = 'Empty continuation lines will become errors in a future release';
const EMPTY_CONTINUATION_URL = 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/';

/**
 * Parses Dockerfile text. Throws `DockerfileParseError` (file, line, hint) when BuildKit would.
 * Never reads files or the environment; `options.file` only names the file in errors.
 */
export function parseDockerfile(text: string, options: ParseOptions): ParsedDockerfile {
  const reader = new DockerfileReader(text, options.file);
  const instructions: DockerfileInstruction[] = [];
  const warnings: DockerfileWarning[] = [];
  for (let logical = readLogicalLine(reader); logical !== undefined; logical = readLogicalLine(reader)) {
    if (logical.emptyContinuation) warnings.push(emptyContinuationWarning(logical.text, reader.line));
    const parsed = atLine(options.file, logical.startLine, () => parseLine(logical.text, reader.escapeToken));
    const heredocs = canContainHeredoc(parsed) && logical.text.includes('<<') ? readHeredocs(reader, logical.text, logical.startLine) : [];
    instructions.push(toInstruction(parsed, logical.startLine, reader.line, heredocs));
  }
  if (instructions.length === 0) {
    throw new DockerfileParseError(
      'file with no instructions',
      options.file,
      Math.max(reader.line, 1),
      'Add at least a FROM instruction; comments, blank lines and parser directives do not count.',
    );
  }
  return { instructions, escapeToken: reader.escapeToken, directives: reader.directives, warnings };
}

/**
 * The file's physical lines, read one at a time as BuildKit's scanner does: it counts lines, refuses one over the
 * line limit, and takes in the parser directives of the file's top block (the escape token changes how every later
 * line continues).
 */
class DockerfileReader {
  readonly #lines: readonly string[];
  readonly #file: string;
  #next = 0;
  #line = 0;
  #directivesDone = false;
  readonly #directives: Record<string, string> = {};
  #escapeToken: EscapeToken = '\\';

  constructor(text: string, file: string) {
    this.#lines = physicalLines(text);
    this.#file = file;
  }

  /** The next line with its `\n`, or undefined at the end of the file. */
  read(): string | undefined {
    const raw = this.#lines[this.#next];
    if (raw === undefined) return undefined;
    this.#next++;
    if (exceedsLineLimit(raw.endsWith('\n') ? raw.slice(0, -1) : raw)) {
      throw new DockerfileParseError(
        `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`,
        this.#file,
        this.#line + 1,
        `Split the line with a trailing ${this.#escapeToken} continuation, or move the long content into a file that you COPY.`,
      );
    }
    this.#line++;
    return raw;
  }

  /** BuildKit's possibleParserDirective: the first line that is not a known directive ends the block. */
  takeDirective(token: string): void {
    if (this.#directivesDone) return;
    const directive = directiveOnLine(token);
    if (directive === undefined) {
      this.#directivesDone = true;
      return;
    }
    const { name, value } = directive;
    if (Object.hasOwn(this.#directives, name)) {
      throw new DockerfileParseError(
        `only one ${name} parser directive can be used`,
        this.#file,
        this.#line,
        `Remove the repeated "# ${name}=" line; each parser directive may appear once, at the very top of the file.`,
      );
    }
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new DockerfileParseError(
          `invalid escape token '${value}' does not match \` or \\`,
          this.#file,
          this.#line,
          'Use "# escape=\\" (the default) or "# escape=`".',
        );
      }
      this.#escapeToken = value;
    }
    this.#directives[name] = value;
  }

  /** Throws BuildKit's error for a heredoc whose closing line never came. */
  unterminatedHeredoc(marker: HeredocMarker, startLine: number): never {
    throw new DockerfileParseError(
      'unterminated heredoc',
      this.#file,
      startLine,
      `Add a line that is exactly "${marker.name}"${marker.chomp ? ' (leading tabs allowed with <<-)' : ''} to end the heredoc opened here.`,
    );
  }

  /** 1-based number of the last line read (0 before the first). */
  get line(): number {
    return this.#line;
  }

  /** The escape token in force (`# escape=` in the directive block, else `\\`). */
  get escapeToken(): EscapeToken {
    return this.#escapeToken;
  }

  /** The parser directives of the file's top block, by lower-cased name. */
  get directives(): Readonly<Record<string, string>> {
    return this.#directives;
  }

  get file(): string {
    return this.#file;
  }
}

/** One instruction's text: its first line and every continuation line joined, comments and blank lines left out. */
interface LogicalLine {
  readonly text: string;
  readonly startLine: number;
  /** A blank line inside the continuation (BuildKit warns about it). */
  readonly emptyContinuation: boolean;
}

/** The next instruction's text, skipping comment and blank lines; undefined at the end of the file. */
function readLogicalLine(reader: DockerfileReader): LogicalLine | undefined {
  for (let raw = reader.read(); raw !== undefined; raw = reader.read()) {
    const first = reader.line === 1 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    const token = trimLeadingSpace(trimNewline(first));
    reader.takeDirective(token);
    const startLine = reader.line;
    let [text, complete] = trimContinuation(isComment(token) ? '' : token, reader.escapeToken);
    if (complete && text === '') continue;
    let emptyContinuation = false;
    while (!complete) {
      const continuation = reader.read();
      if (continuation === undefined) break;
      const body = trimNewline(continuation);
      reader.takeDirective(body);
      if (isComment(continuation)) continue;
      if (trimLeadingSpace(body) === '') {
        emptyContinuation = true;
        continue;
      }
      const [joined, end] = trimContinuation(body, reader.escapeToken);
      text += joined;
      complete = end;
    }
    return { text, startLine, emptyContinuation };
  }
  return undefined;
}

/** The bodies of the heredocs the instruction line names, read from the lines after it, in order. */
function readHeredocs(reader: DockerfileReader, line: string, startLine: number): DockerfileHeredoc[] {
  const markers = atLine(reader.file, startLine, () => heredocsFromLine(line));
  return markers.map((marker) => {
    let content = '';
    for (let bodyLine = reader.read(); bodyLine !== undefined; bodyLine = reader.read()) {
      const candidate = trimNewline(bodyLine);
      if ((marker.chomp ? candidate.replace(/^\t+/, '') : candidate) === marker.name) return { ...marker, content };
      content += bodyLine;
    }
    return reader.unterminatedHeredoc(marker, startLine);
  });
}

function emptyContinuationWarning(text: string, line: number): DockerfileWarning {
  return { message: `Empty continuation line found in: ${text}`, line, detail: EMPTY_CONTINUATION_DETAIL, url: EMPTY_CONTINUATION_URL };
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
  if (/^onbuild$/i.test(rest.split(BLANKS)[0] ?? '')) {
    throw new LineError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 'Write the trigger once: ONBUILD <instruction>.');
  }
  return { args: [rest], json: false, trigger: parseLine(rest, escapeToken) };
}

/** BuildKit's newNodeFromLine: keyword, flags, then the keyword's own argument rules. */
function parseLine(line: string, escapeToken: EscapeToken): LineParse {
  const { keyword, flags, rest } = splitCommand(line);
  const parser = ARGUMENT_PARSERS[keyword];
  // Unknown keywords parse (BuildKit rejects them later, in its instructions layer).
  const parsed = parser === undefined ? { args: [], json: false } : parser(rest, escapeToken);
  return { keyword, flags, original: line, ...parsed };
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

/** Runs one step of reading the line that starts at `line`, turning its problems into errors naming file and line. */
function atLine<T>(file: string, line: number, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof LineError || error instanceof ExpansionError)
      throw new DockerfileParseError(error.message, file, line, error.hint);
    throw error;
  }
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

function isComment(line: string): boolean {
  return trimLeadingSpace(line).startsWith('#');
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
