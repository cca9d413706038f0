import { describe, expect, test } from 'vitest';
import { ellipsize, textWidth, wrapHanging, wrapWords } from '../../../src/ui/text/fit-width.js';

describe('ellipsize', () => {
  test('text that fits is unchanged; longer text ends in … at exactly the width', () => {
    expect(ellipsize('COPY src/ ./src/', 16)).toBe('COPY src/ ./src/');
    expect(ellipsize('COPY src/ ./src/', 10)).toBe('COPY src/…');
    expect(textWidth(ellipsize('├─ develop ◀ target', 8))).toBe(8);
  });

  test('a width of zero or less leaves nothing', () => {
    expect(ellipsize('abc', 0)).toBe('');
  });
});

describe('wrapWords', () => {
  test('breaks at spaces, indents continuation lines, never exceeds the width', () => {
    const lines = wrapWords('hint: base, line 11: go downloads again on every rebuild', 24, '    ');
    expect(lines).toEqual(['hint: base, line 11: go', '    downloads again on', '    every rebuild']);
    expect(wrapWords(`a ${'x'.repeat(30)}`, 10, '  ')).toEqual(['a', '  xxxxxxx…']);
  });
});

describe('wrapHanging', () => {
  test('a line that fits is unchanged', () => {
    expect(wrapHanging('  hint: fix the test', 40)).toEqual(['  hint: fix the test']);
  });

  test('continuation lines hang under the text after the head, and no line is wider than the width', () => {
    const message = '✗ web, worker: RUN npm test exited with code 1: the test suite found 3 failing tests in src/format.test.js';
    const lines = wrapHanging(message, 40);
    expect(lines).toEqual([
      '✗ web, worker: RUN npm test exited with',
      '  code 1: the test suite found 3 failing',
      '  tests in src/format.test.js',
    ]);
    expect(wrapHanging('  hint: fix the failing step; the running container was left as it was', 40)).toEqual([
      '  hint: fix the failing step; the',
      '        running container was left as it',
      '        was',
    ]);
    expect(wrapHanging('  │ npm ERR! code ELIFECYCLE errno 1 in /app', 24)).toEqual([
      '  │ npm ERR! code',
      '  │ ELIFECYCLE errno 1',
      '  │ in /app',
    ]);
  });

  test('nothing is cut: a word wider than a line is split across lines', () => {
    const path = `/${'very-long-directory/'.repeat(4)}file.js`;
    const lines = wrapHanging(`  --> ${path}:12`, 30);
    expect(lines.every((line) => textWidth(line) <= 30)).toBe(true);
    expect(lines.map((line, i) => (i === 0 ? line.slice('  --> '.length) : line.trimStart())).join('')).toBe(`${path}:12`);
  });
});

describe('wide characters (one width module for the CLI and the TUI)', () => {
  test('East Asian wide characters and emoji take two columns, combining marks none', () => {
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('─ web ─')).toBe(7);
  });

  test('cutting and wrapping never pass the width in columns', () => {
    expect(ellipsize('日本語テキスト', 5)).toBe('日本…');
    const lines = wrapHanging(`  hint: ${'日本語'.repeat(20)} and more`, 40);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(40);
    expect(lines.join('').replace(/\s/g, '')).toBe(`hint:${'日本語'.repeat(20)}andmore`);
  });
});
