/**
 * Go regular expressions (RE2 syntax, Perl flags) as JavaScript RegExps with
 * the `u` flag, for `.dockerignore` patterns: moby/patternmatcher turns a
 * pattern into a Go expression, and since a pattern's `[`, `]`, `^` and `\x`
 * pass through unchanged, most of RE2's syntax can reach it: classes with
 * ranges, POSIX and Perl classes, \p{…}, escapes, anchors and repetition.
 * Errors carry RE2's reason. Pure.
 */
type Range = readonly [number, number];

const MAX_RUNE = 0x10ffff;
const PERL_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};
const POSIX_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
const GO_CATEGORIES: ReadonlySet<string> = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** The JavaScript RegExp matching what `source` matches as a Go regular expression; throws with RE2's reason when Go would refuse it. */
export function translateGoRegexp(source: string): RegExp {
  const chars = Array.from(source);
  let at = 0;
  let out = '';
  let groups = 0;
  let last: 'none' | 'atom' | 'repeat' = 'none';
  const atom = (text: string): void => {
    out += text;
    last = 'atom';
  };
  const repeat = (operator: string): void => {
    if (last === 'none') throw new Error(`missing argument to repetition operator: ${operator}`);
    if (last === 'repeat') throw new Error(`invalid nested repetition operator: ${operator}`);
    out += operator;
    if (chars[at] === '?') {
      out += '?';
      at++;
    }
    last = 'repeat';
  };
  while (at < chars.length) {
    const ch = chars[at++]!;
    switch (ch) {
      case '(':
        if (chars[at] === '?') throw new Error('unsupported group syntax "(?"');
        out += '(?:';
        groups++;
        last = 'none';
        break;
      case ')':
        if (groups === 0) throw new Error('unexpected ")"');
        groups--;
        atom(')');
        break;
      case '|':
        out += '|';
        last = 'none';
        break;
      case '*':
      case '+':
      case '?':
        repeat(ch);
        break;
      case '{': {
        const counted = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(at - 1).join(''));
        if (counted === null) {
          atom(literal(0x7b));
          break;
        }
        at += Array.from(counted[0]).length - 1;
        repeat(counted[0]);
        break;
      }
      case '^':
        atom('(?:^)');
        break;
      case '$':
        atom('(?:$)');
        break;
      case '.':
        atom('[^\\n]');
        break;
      case '[': {
        const parsed = parseClass(chars, at);
        at = parsed.next;
        atom(parsed.source);
        break;
      }
      case '\\': {
        const parsed = parseTopLevelEscape(chars, at);
        at = parsed.next;
        atom(parsed.source);
        break;
      }
      default:
        atom(literal(ch.codePointAt(0)!));
    }
  }
  if (groups > 0) throw new Error('missing ")"');
  return new RegExp(out, 'u');
}

function parseTopLevelEscape(chars: readonly string[], at: number): { source: string; next: number } {
  const ch = chars[at];
  switch (ch) {
    case 'A':
      return { source: '(?:^)', next: at + 1 };
    case 'z':
      return { source: '(?:$)', next: at + 1 };
    case 'b':
    case 'B':
      return { source: `(?:\\${ch})`, next: at + 1 };
    case 'C':
      throw new Error('invalid escape sequence: \\C');
    case 'Q': {
      let end = at + 1;
      while (end < chars.length && !(chars[end] === '\\' && chars[end + 1] === 'E')) end++;
      const quoted = chars
        .slice(at + 1, end)
        .map((c) => literal(c.codePointAt(0)!))
        .join('');
      return { source: `(?:${quoted})`, next: Math.min(end + 2, chars.length) };
    }
  }
  const group = classEscape(chars, at);
  if (group !== undefined) return { source: `[${group.items}]`, next: group.next };
  const single = parseEscape(chars, at);
  return { source: literal(single.rune), next: single.next };
}

/** `\d \s \w` (and negations) or `\p{…}`/`\P{…}` at `at` (just after the backslash), as JS class items. */
function classEscape(chars: readonly string[], at: number): { items: string; next: number } | undefined {
  const ch = chars[at];
  if (ch === undefined) return undefined;
  const perl = PERL_CLASSES[ch.toLowerCase()];
  if (perl !== undefined && 'dswDSW'.includes(ch)) {
    return { items: rangesToItems(ch === ch.toLowerCase() ? perl : complement(perl)), next: at + 1 };
  }
  if (ch !== 'p' && ch !== 'P') return undefined;
  let negated = ch === 'P';
  let name: string;
  let next: number;
  if (chars[at + 1] === '{') {
    const close = chars.indexOf('}', at + 2);
    if (close < 0) throw new Error(`invalid character class range: ${chars.slice(at - 1).join('')}`);
    name = chars.slice(at + 2, close).join('');
    next = close + 1;
  } else {
    if (chars[at + 1] === undefined) throw new Error('invalid character class range: \\p');
    name = chars[at + 1]!;
    next = at + 2;
  }
  if (name.startsWith('^')) {
    negated = !negated;
    name = name.slice(1);
  }
  const property = name === 'Any' ? 'Any' : GO_CATEGORIES.has(name) ? name : `Script=${name}`;
  try {
    new RegExp(`\\p{${property}}`, 'u');
  } catch {
    throw new Error(`invalid character class range: \\p{${name}}`);
  }
  return { items: `\\${negated ? 'P' : 'p'}{${property}}`, next };
}

/** A character class starting after `[`; returns its JS source and the index after `]`. */
function parseClass(chars: readonly string[], start: number): { source: string; next: number } {
  let at = start;
  const negated = chars[at] === '^';
  if (negated) at++;
  const items: string[] = [];
  for (let first = true; at >= chars.length || chars[at] !== ']' || first; first = false) {
    if (at >= chars.length) throw new Error(`missing closing ]: [${chars.slice(start).join('')}`);
    if (chars[at] === '[' && chars[at + 1] === ':') {
      const rest = chars.slice(at + 2).join('');
      const close = rest.indexOf(':]');
      if (close >= 0) {
        let name = rest.slice(0, close);
        const negatedGroup = name.startsWith('^');
        if (negatedGroup) name = name.slice(1);
        const group = POSIX_CLASSES[name];
        if (group === undefined) throw new Error(`invalid character class range: [:${rest.slice(0, close)}:]`);
        items.push(rangesToItems(negatedGroup ? complement(group) : group));
        at += 2 + Array.from(rest.slice(0, close + 2)).length;
        continue;
      }
    }
    if (chars[at] === '\\') {
      const group = classEscape(chars, at + 1);
      if (group !== undefined) {
        items.push(group.items);
        at = group.next;
        continue;
      }
    }
    const lo = classChar(chars, at);
    let hi = lo;
    at = lo.next;
    if (chars.length - at >= 2 && chars[at] === '-' && chars[at + 1] !== ']') {
      hi = classChar(chars, at + 1);
      at = hi.next;
      if (hi.rune < lo.rune) {
        throw new Error(`invalid character class range: ${String.fromCodePoint(lo.rune)}-${String.fromCodePoint(hi.rune)} is out of order`);
      }
    }
    items.push(rangesToItems([[lo.rune, hi.rune]]));
  }
  return { source: `[${negated ? '^' : ''}${items.join('')}]`, next: at + 1 };
}

function classChar(chars: readonly string[], at: number): { rune: number; next: number } {
  const ch = chars[at];
  if (ch === undefined) throw new Error('missing closing ]');
  if (ch === '\\') return parseEscape(chars, at + 1);
  return { rune: ch.codePointAt(0)!, next: at + 1 };
}

/** RE2's single-character escapes, `at` just after the backslash. */
function parseEscape(chars: readonly string[], at: number): { rune: number; next: number } {
  const ch = chars[at];
  if (ch === undefined) throw new Error('trailing backslash at end of expression');
  const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
  if (ch >= '1' && ch <= '7' && !isOctal(chars[at + 1]))
    throw new Error(`invalid escape sequence: \\${ch} (backreferences are not supported)`);
  if (ch >= '0' && ch <= '7') {
    let rune = Number(ch);
    let next = at + 1;
    for (let digits = 1; digits < 3 && isOctal(chars[next]); digits++) rune = rune * 8 + Number(chars[next++]);
    return { rune, next };
  }
  if (ch === 'x') {
    if (chars[at + 1] === '{') {
      const close = chars.indexOf('}', at + 2);
      const hex = close < 0 ? '' : chars.slice(at + 2, close).join('');
      if (!/^[0-9A-Fa-f]+$/.test(hex) || Number.parseInt(hex, 16) > MAX_RUNE) throw new Error(`invalid escape sequence: \\x{${hex}`);
      return { rune: Number.parseInt(hex, 16), next: close + 1 };
    }
    const hex = chars.slice(at + 1, at + 3).join('');
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`invalid escape sequence: \\x${hex}`);
    return { rune: Number.parseInt(hex, 16), next: at + 3 };
  }
  const control = CONTROL_ESCAPES[ch];
  if (control !== undefined) return { rune: control, next: at + 1 };
  const code = ch.codePointAt(0)!;
  if (code < 0x80 && !/[0-9A-Za-z]/.test(ch)) return { rune: code, next: at + 1 };
  throw new Error(`invalid escape sequence: \\${ch}`);
}

function literal(rune: number): string {
  return rune < 0x80 && /[0-9A-Za-z_/]/.test(String.fromCharCode(rune)) ? String.fromCharCode(rune) : `\\u{${rune.toString(16)}}`;
}

function rangesToItems(ranges: readonly Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? `\\u{${lo.toString(16)}}` : `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`)).join('');
}

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}
