/**
 * BuildKit's shell-word lexer (frontend/dockerfile/shell): quotes, the escape
 * token and `$VAR` / `${VAR…}` expansion, the way BuildKit applies them to FROM,
 * COPY/ADD sources, `--from`, ARG defaults and ENV values. It is not a shell:
 * no command substitution, globbing or arithmetic. Pure: variables come from a
 * `Lookup`, never from `process.env`.
 */
import { DockstageError } from '../errors.js';

/** The Dockerfile escape token: `\` by default, or a backtick after `# escape=\``. */
export type EscapeToken = '\\' | '`';

/**
 * Returns a variable's value, or `undefined` when it is unset. An empty string
 * means "set but empty", which `${VAR:-d}` and `${VAR-d}` tell apart.
 */
export type Lookup = (name: string) => string | undefined;

/** How to lex; the defaults are what BuildKit uses to expand instruction arguments. */
export interface ShellLexOptions {
  readonly escapeToken?: EscapeToken;
  /** Keep quote characters in the output (BuildKit's RawQuotes). */
  readonly rawQuotes?: boolean;
  /** Keep escape tokens in the output (BuildKit's RawEscapes). */
  readonly rawEscapes?: boolean;
  /** Treat `'` and `"` as ordinary characters, e.g. for heredoc bodies (SkipProcessQuotes). */
  readonly skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to "" (SkipUnsetEnv). */
  readonly skipUnsetEnv?: boolean;
}

/** What `lexShellWord` produced from one input. */
export interface ShellLexResult {
  /** The whole input, expanded, with quotes and escapes removed (unless kept by the options). */
  readonly word: string;
  /** The expanded input split on unquoted whitespace; whitespace that came from a `$VAR` value also splits. */
  readonly words: readonly string[];
  /** Variables that were referenced and set, in first-use order. */
  readonly matched: readonly string[];
  /** Variables that were referenced but unset, in first-use order (BuildKit lints these as UndefinedVar). */
  readonly unmatched: readonly string[];
}

/**
 * A word that BuildKit cannot expand: an unterminated quote, a bad `${…}`, or
 * `${VAR:?message}` with VAR unset. It has no file or line; callers that know
 * them rethrow it as a `DockerfileParseError`.
 */
export class ExpansionError extends DockstageError {
  /** The text that was being expanded. */
  readonly source: string;

  constructor(source: string, reason: string) {
    super(`failed to process ${JSON.stringify(shortened(source))}: ${reason}`, {
      hint: 'Check the quotes and ${…} references in this value; ${VAR:?message} fails on purpose when VAR is unset.',
    });
    this.source = source;
  }
}

/**
 * Lexes `text` with BuildKit's rules and returns both the expanded text and its
 * words. Throws `ExpansionError` where BuildKit's lexer returns an error.
 */
export function lexShellWord(text: string, lookup: Lookup, options: ShellLexOptions = {}): ShellLexResult {
  const lexer = new ShellLexer(text, lookup, options);
  try {
    const { result, words } = lexer.processStopOn(undefined, options.rawEscapes ?? false);
    return { word: result, words, matched: [...lexer.matched], unmatched: [...lexer.unmatched] };
  } catch (error) {
    if (error instanceof LexFailure) throw new ExpansionError(text, error.message);
    throw error;
  }
}

/**
 * Expands one word (BuildKit's ProcessWord): variables substituted, quotes and
 * escapes removed, whitespace kept. `expandWord('"$A"-b', n => n === 'A' ? 'x y' : undefined)` is `'x y-b'`.
 */
export function expandWord(word: string, lookup: Lookup, escapeToken: EscapeToken = '\\'): string {
  return lexShellWord(word, lookup, { escapeToken }).word;
}

/**
 * Expands `text` and splits it into words on unquoted whitespace (BuildKit's
 * ProcessWords). Empty quoted words (`""`) are dropped, as BuildKit does.
 */
export function expandWords(text: string, lookup: Lookup, escapeToken: EscapeToken = '\\'): string[] {
  return [...lexShellWord(text, lookup, { escapeToken }).words];
}

/** Go's unicode.IsSpace, which BuildKit uses everywhere it splits on whitespace. */
export function isGoSpace(ch: string): boolean {
  switch (ch) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case '\u0085':
    case '\u00a0':
    case '\u1680':
    case '\u2028':
    case '\u2029':
    case '\u202f':
    case '\u205f':
    case '\u3000':
      return true;
    default:
      return ch >= '\u2000' && ch <= '\u200a';
  }
}

/** How deep `${…}` may nest inside `${…}` before the lexer gives up (see processBraceWord). */
const MAX_NESTING = 200;

/** At most `max` characters of `text`, with `…` when cut, so one pathological word cannot flood an error line. */
export function shortened(text: string, max = 80): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** An internal lexing failure, turned into an `ExpansionError` naming the whole input. */
class LexFailure extends Error {}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** Collects words: unquoted whitespace ends a word, raw text never does. */
class WordCollector {
  private buffer = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.buffer.length > 0) {
        this.words.push(this.buffer);
        this.buffer = '';
        this.inWord = false;
      }
      return;
    }
    this.addRaw(ch);
  }

  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRaw(text: string): void {
    this.buffer += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.buffer.length > 0) {
      this.words.push(this.buffer);
      this.buffer = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** One pass over one input; holds the cursor, so it is created per call. */
class ShellLexer {
  private readonly chars: string[];
  private pos = 0;
  private depth = 0;
  private readonly escapeToken: EscapeToken;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    text: string,
    private readonly lookup: Lookup,
    private readonly options: ShellLexOptions,
  ) {
    this.chars = Array.from(text);
    this.escapeToken = options.escapeToken ?? '\\';
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    const words = new WordCollector();
    const quotesAreSpecial = !(this.options.skipProcessQuotes ?? false);
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return { result, words: words.finish() };
      }
      if (ch === '$') {
        const value = this.processDollar();
        result += value;
        words.addString(value);
      } else if (ch === '<') {
        const value = this.processPossibleHeredoc();
        result += value;
        words.addRaw(value);
      } else if (quotesAreSpecial && (ch === "'" || ch === '"')) {
        const value = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote(rawEscapes);
        result += value;
        words.addRaw(value);
      } else {
        this.next();
        if (ch === this.escapeToken) {
          if (rawEscapes) {
            words.addRaw(ch);
            result += ch;
          }
          const escaped = this.next();
          if (escaped === undefined) break;
          words.addRaw(escaped);
          result += escaped;
        } else {
          words.addChar(ch);
          result += ch;
        }
      }
    }
    if (stop !== undefined) throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
    return { result, words: words.finish() };
  }

  private processSingleQuote(): string {
    const keep = this.options.rawQuotes ?? false;
    const open = this.next() ?? '';
    let result = keep ? open : '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexFailure('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return keep ? result + ch : result;
      result += ch;
    }
  }

  private processDoubleQuote(rawEscapes: boolean): string {
    const keep = this.options.rawQuotes ?? false;
    const open = this.next() ?? '';
    let result = keep ? open : '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexFailure('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return keep ? result + ch : result;
      }
      if (ch === '$') {
        result += this.processDollar();
        continue;
      }
      let out = this.next() ?? '';
      if (out === this.escapeToken) {
        if (rawEscapes) result += out;
        const following = this.peek();
        if (following === undefined) continue;
        // Inside double quotes the escape token only escapes ", $ and itself.
        if (following === '"' || following === '$' || following === this.escapeToken) out = this.next() ?? '';
      }
      result += out;
    }
  }

  /** `<<` keeps the blanks after it in the same word, so `<< EOF` stays one heredoc word. */
  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let result = '<<';
    for (let ch = this.peek(); ch === ' ' || ch === '\t' || ch === '\r'; ch = this.peek()) {
      result += ch;
      this.next();
    }
    return result;
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && (this.options.skipUnsetEnv ?? false)) return `$${name}`;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new LexFailure("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexFailure('syntax error: bad substitution');
    const name = this.processName();
    let op = this.next();
    if (op === undefined) throw new LexFailure("syntax error: missing '}'");
    if (op === '}') {
      const value = this.getEnv(name);
      if (value === undefined && (this.options.skipUnsetEnv ?? false)) return `\${${name}}`;
      return value ?? '';
    }
    if (op === '/') return this.processReplacement(name);

    let modifier = op;
    const nullIsUnset = op === ':';
    if (nullIsUnset) {
      op = this.next();
      if (op === undefined) throw new LexFailure("syntax error: missing '}'");
      modifier += op;
    }
    if (!['+', '-', '?', '#', '%'].includes(op) && !nullIsUnset) {
      throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }
    const isPattern = op === '#' || op === '%';
    if (nullIsUnset && isPattern) throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    const word = this.processBraceWord('}', isPattern, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && (this.options.skipUnsetEnv ?? false)) return `\${${name}${modifier}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (op) {
      case '-':
        return unset ? word : (value ?? '');
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) throw new LexFailure(`${name}: ${word === '' ? 'is not allowed to be unset' : word}`);
        if (unset) throw new LexFailure(`${name}: ${word === '' ? 'is not allowed to be empty' : word}`);
        return value;
      case '#':
      case '%': {
        const greedy = word.startsWith(op);
        const pattern = greedy ? word.slice(1) : word;
        return op === '#' ? trimPrefix(pattern, value ?? '', greedy) : trimSuffix(pattern, value ?? '', greedy);
      }
      default:
        throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** `${VAR/pattern/replacement}` and `${VAR//pattern/replacement}` (all matches). */
  private processReplacement(name: string): string {
    const replaceAll = this.peek() === '/';
    if (replaceAll) this.next();
    const pattern = this.processBraceWord('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.processBraceWord('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && (this.options.skipUnsetEnv ?? false)) return `\${${name}/${pattern}/${replacement}}`;
    const re = shellPatternToRegex(pattern, true, false, replaceAll);
    return (value ?? '').replace(re, () => replacement);
  }

  /** The word inside `${…}` up to `stop`; `${` at the end of input is reported as a missing brace. */
  private processBraceWord(stop: string, rawEscapes: boolean, missing: string): string {
    // BuildKit (Go, growable stacks) has no limit; a JS stack has one, and no real Dockerfile nests this deep.
    if (++this.depth > MAX_NESTING) throw new LexFailure(`\${…} nested more than ${MAX_NESTING} deep`);
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (error) {
      if (error instanceof LexFailure && this.peek() === undefined) throw new LexFailure(missing);
      throw error;
    } finally {
      this.depth--;
    }
  }

  /** A name: letters, digits and `_`; or a run of digits; or one special parameter like `$@`. */
  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && DIGIT.test(ch)) {
        for (let digit = this.peek(); digit !== undefined && DIGIT.test(digit); digit = this.peek()) {
          name += digit;
          this.next();
        }
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) {
        this.next();
        return ch;
      }
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += ch;
      this.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }
}

/**
 * A shell pattern (`*`, `?`, `\` escapes; no bracket expressions, as in
 * BuildKit) as a regular expression. Like Go's RE2 without flags, `.` does not
 * cross a newline.
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let source = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '*') {
      source += greedy ? '[^\\n]*' : '[^\\n]*?';
    } else if (ch === '?') {
      source += '[^\\n]';
    } else if (ch === '\\') {
      const escaped = chars[i + 1];
      // `\}` and `\/` only protect the `${…}` syntax; the escape is not part of the pattern.
      if (escaped === '}' || escaped === '/') continue;
      if (escaped !== '*' && escaped !== '?' && escaped !== '\\') {
        throw new LexFailure(`invalid pattern (${pattern}) in substitution: invalid escape '\\${escaped ?? ''}'`);
      }
      source += `\\${escaped}`;
      i++;
    } else if ('[]{}.+()|^$'.includes(ch)) {
      source += `\\${ch}`;
    } else {
      source += ch;
    }
  }
  return new RegExp(source, global ? 'gu' : 'u');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const match = shellPatternToRegex(pattern, greedy, true).exec(value);
  return match === null ? value : value.slice(match[0].length);
}

/** Suffix trimming reverses value and pattern so the regex can search from the left. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const reversed = trimPrefix(reversePattern(pattern), Array.from(value).reverse().join(''), greedy);
  return Array.from(reversed).reverse().join('');
}

/** Reverses a pattern but keeps each `\x` escape pair in order: `a\*c` → `c\*a`. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const tokens: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    const escaped = chars[i + 1];
    if (ch === '\\' && escaped !== undefined) {
      tokens.push(ch + escaped);
      i++;
    } else {
      tokens.push(ch);
    }
  }
  return tokens.reverse().join('');
}
