/**
 * Heredocs (`RUN <<EOF … EOF`) as BuildKit's parser reads them
 * (parser/parser_heredoc.go): the markers an instruction line names, and the
 * `<<-` rule for their bodies. The bodies themselves are read by the parser's
 * line loop (parse.ts). Pure.
 */
import { ExpansionError, lexShellWord } from './expand.js';
import { GO_REGEX_SPACE } from './go-strings.js';

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

/** A heredoc named on an instruction line, before its body is read. */
export type HeredocMarker = Omit<DockerfileHeredoc, 'content'>;

const HEREDOC_WORD = new RegExp(`^(\\d*)<<(-?)${GO_REGEX_SPACE}*([^<]*)$`);

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

function noVariables(): undefined {
  return undefined;
}

function countQuotes(word: string): number {
  let count = 0;
  for (const ch of word) if (ch === "'" || ch === '"') count++;
  return count;
}
