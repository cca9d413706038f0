/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a
 * Dockerfile, read as BuildKit's parser/directives.go reads them: a block of
 * `# name=value` lines that the first other line ends. Pure.
 */
import { GO_REGEX_SPACE, physicalLines, trimNewline } from './go-strings.js';

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

/** The directives BuildKit knows; any other `# name=value` line ends the block. */
const DIRECTIVE_NAMES = new Set(['syntax', 'escape', 'check']);
const DIRECTIVE_LINE: Readonly<Record<'#' | '//', RegExp>> = { '#': directiveRegex('#'), '//': directiveRegex('//') };

function directiveRegex(comment: '#' | '//'): RegExp {
  const s = GO_REGEX_SPACE;
  return new RegExp(`^${comment}${s}*([a-zA-Z][a-zA-Z0-9]*)${s}*=${s}*([^\\n]+?)${s}*$`);
}

/** The known directive a line holds (`name` lower-cased), or undefined when the line is anything else. */
export function directiveOnLine(line: string, comment: '#' | '//' = '#'): { readonly name: string; readonly value: string } | undefined {
  const match = DIRECTIVE_LINE[comment].exec(line);
  const name = match?.[1]?.toLowerCase();
  const value = match?.[2];
  if (name === undefined || value === undefined || !DIRECTIVE_NAMES.has(name)) return undefined;
  return { name, value };
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

function scanDirectives(text: string, comment: '#' | '//', firstLine: number): DockerfileDirective[] {
  const found: DockerfileDirective[] = [];
  const seen = new Set<string>();
  let line = firstLine;
  for (const raw of physicalLines(text)) {
    line++;
    const directive = directiveOnLine(trimNewline(raw), comment);
    if (directive === undefined || seen.has(directive.name)) break;
    seen.add(directive.name);
    found.push({ ...directive, line });
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
