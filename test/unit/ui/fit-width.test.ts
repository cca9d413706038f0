import { describe, expect, test } from 'vitest';
import { ellipsize, textWidth, wrapWords } from '../../../src/ui/text/fit-width.js';

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
