import { describe, expect, test } from 'vitest';
import { translateGoRegexp } from '../../../../src/core/dockerfile/go-regexp.js';

describe('translateGoRegexp', () => {
  test('POSIX and Perl classes mean their ASCII sets, as in RE2', () => {
    expect(translateGoRegexp('^a[[:digit:]]+$').test('a12')).toBe(true);
    expect(translateGoRegexp('^\\d$').test('5')).toBe(true);
    expect(translateGoRegexp('^\\d$').test('٣')).toBe(false);
    expect(translateGoRegexp('^\\w+$').test('é')).toBe(false);
  });

  test('Unicode categories match by code point', () => {
    expect(translateGoRegexp('^\\pL$').test('é')).toBe(true);
    expect(translateGoRegexp('^\\p{Lu}$').test('a')).toBe(false);
  });

  test('a dot does not match a newline', () => {
    expect(translateGoRegexp('^a.b$').test('a-b')).toBe(true);
    expect(translateGoRegexp('^a.b$').test('a\nb')).toBe(false);
  });

  test('characters JavaScript would read as syntax are literal where Go reads them so', () => {
    expect(translateGoRegexp('^a{$').test('a{')).toBe(true);
    expect(translateGoRegexp('^a{2}$').test('aa')).toBe(true);
  });

  test('what RE2 refuses throws with its reason', () => {
    expect(() => translateGoRegexp('*a')).toThrow('missing argument to repetition operator: *');
    expect(() => translateGoRegexp('a**')).toThrow(/invalid nested repetition operator/);
    expect(() => translateGoRegexp('(a')).toThrow('missing ")"');
    expect(() => translateGoRegexp('a)')).toThrow('unexpected ")"');
  });
});
