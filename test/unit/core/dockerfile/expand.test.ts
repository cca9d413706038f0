import { describe, expect, test } from 'vitest';
import { ExpansionError, expandWord, expandWords, lexShellWord, type Lookup } from '../../../../src/core/dockerfile/expand.js';

const env: Record<string, string> = {
  NODE_VERSION: '20',
  EMPTY: '',
  SPACED: 'a b',
  ARCHIVE: 'dist/app/bundle.tar.gz',
  BUILDPLATFORM: 'linux/amd64',
};
const lookup: Lookup = (name) => env[name];

function expansionError(word: string): ExpansionError {
  try {
    expandWord(word, lookup);
  } catch (error) {
    if (error instanceof ExpansionError) return error;
    throw error;
  }
  throw new Error('expected an ExpansionError');
}

describe('expandWord', () => {
  test.each([
    ['node:$NODE_VERSION-alpine', 'node:20-alpine'],
    ['node:${NODE_VERSION}-alpine', 'node:20-alpine'],
    ['$UNSET/x', '/x'],
    ['${UNSET:-18}', '18'],
    ['${EMPTY:-18}', '18'],
    ['${EMPTY-18}', ''],
    ['${UNSET-18}', '18'],
    ['${NODE_VERSION:-18}', '20'],
    ['${NODE_VERSION:+set}', 'set'],
    ['${EMPTY:+set}', ''],
    ['${EMPTY+set}', 'set'],
    ['${UNSET+set}', ''],
    ['${UNSET:-${NODE_VERSION}}', '20'],
    ['${ARCHIVE#*/}', 'app/bundle.tar.gz'],
    ['${ARCHIVE##*/}', 'bundle.tar.gz'],
    ['${ARCHIVE%.*}', 'dist/app/bundle.tar'],
    ['${ARCHIVE%%.*}', 'dist/app/bundle'],
    ['${ARCHIVE/app/web}', 'dist/web/bundle.tar.gz'],
    ['${ARCHIVE//a/_}', 'dist/_pp/bundle.t_r.gz'],
  ])('%s → %s', (word, expected) => {
    expect(expandWord(word, lookup)).toBe(expected);
  });

  test('single quotes are literal, double quotes expand, both are removed', () => {
    expect(expandWord(`'$NODE_VERSION' "$NODE_VERSION" "it's"`, lookup)).toBe(`$NODE_VERSION 20 it's`);
  });

  test('the escape token escapes $ and quotes, and is dropped', () => {
    expect(expandWord('\\$NODE_VERSION \\"x\\"', lookup)).toBe('$NODE_VERSION "x"');
    expect(expandWord('"a\\"b\\c"', lookup)).toBe('a"b\\c');
  });

  test('a backtick escape token leaves backslashes alone', () => {
    expect(expandWord('C:\\app\\`$NODE_VERSION', lookup, '`')).toBe('C:\\app\\$NODE_VERSION');
  });

  test('a lone $ and $ before a non-name stay literal', () => {
    expect(expandWord('cost: $ 5 $/', lookup)).toBe('cost: $ 5 $/');
  });
});

describe('expandWord errors', () => {
  test('${VAR:?message} fails with the message when VAR is unset or empty', () => {
    expect(expansionError('${UNSET:?set UNSET first}').message).toBe(
      'failed to process "${UNSET:?set UNSET first}": UNSET: set UNSET first',
    );
    expect(expansionError('${EMPTY:?}').message).toBe('failed to process "${EMPTY:?}": EMPTY: is not allowed to be empty');
    expect(expandWord('${EMPTY?}', lookup)).toBe('');
    expect(expansionError('${UNSET?}').message).toContain('UNSET: is not allowed to be unset');
  });

  test('unterminated quotes and bad substitutions fail', () => {
    expect(expansionError('"abc').message).toContain('looking for matching double-quote');
    expect(expansionError("'abc").message).toContain('looking for matching single-quote');
    expect(expansionError('${NODE_VERSION').message).toContain("syntax error: missing '}'");
    expect(expansionError('${}').message).toContain('bad substitution');
    expect(expansionError('${A:=b}').message).toContain('unsupported modifier (:=) in substitution');
  });

  test('an expansion error carries a hint and no location', () => {
    const error = expansionError('${UNSET:?}');
    expect(error.hint).toBeTruthy();
    expect(error.location).toEqual({});
    expect(error.source).toBe('${UNSET:?}');
  });
});

describe('expandWords', () => {
  test('splits on unquoted whitespace, including whitespace from variable values', () => {
    expect(expandWords('cp $SPACED "c d" e\\ f', lookup)).toEqual(['cp', 'a', 'b', 'c d', 'e f']);
  });

  test('drops empty quoted words, as BuildKit does', () => {
    expect(expandWords(`a "" '' b`, lookup)).toEqual(['a', 'b']);
  });

  test('keeps a quoted variable value as one word', () => {
    expect(expandWords('"$SPACED" x', lookup)).toEqual(['a b', 'x']);
  });
});

describe('lexShellWord', () => {
  test('reports matched and unmatched variables in first-use order', () => {
    const result = lexShellWord('$B ${NODE_VERSION} $A ${B:-x}', lookup);
    expect(result.matched).toEqual(['NODE_VERSION']);
    expect(result.unmatched).toEqual(['B', 'A']);
  });

  test('skipUnsetEnv leaves unset references as written', () => {
    expect(lexShellWord('$BUILDPLATFORM $TARGETPLATFORM ${TARGETARCH:-amd64}', lookup, { skipUnsetEnv: true }).word).toBe(
      'linux/amd64 $TARGETPLATFORM ${TARGETARCH:-amd64}',
    );
  });

  test('rawQuotes and rawEscapes keep quotes and escapes', () => {
    expect(lexShellWord(`'a' "b" \\c`, lookup, { rawQuotes: true, rawEscapes: true }).word).toBe(`'a' "b" \\c`);
  });

  test('skipProcessQuotes expands variables but leaves quotes alone, as for heredoc bodies', () => {
    expect(lexShellWord(`echo '$NODE_VERSION'`, lookup, { skipProcessQuotes: true }).word).toBe(`echo '20'`);
  });

  test('blanks after << stay in the same word, so heredoc words survive splitting', () => {
    expect(lexShellWord('cat <<  EOF', lookup).words).toEqual(['cat', '<<  EOF']);
  });
});

describe('expandWord on pathological input (found by the property test)', () => {
  test('${…} nested thousands deep fails with an ExpansionError, not a stack overflow', () => {
    const word = `${'${A:-'.repeat(10_000)}x${'}'.repeat(10_000)}`;
    const error = expansionError(word);
    expect(error.message).toMatch(/: \$\{…\} nested more than 200 deep$/);
    // The message quotes at most 80 characters of the word, not all 60,000.
    expect(error.message.length).toBeLessThan(200);
    expect(error.source).toBe(word);
  });

  test('nesting a real Dockerfile uses still expands', () => {
    expect(expandWord(`${'${UNSET:-'.repeat(50)}deep${'}'.repeat(50)}`, lookup)).toBe('deep');
  });
});
