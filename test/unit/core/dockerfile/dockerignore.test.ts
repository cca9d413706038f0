import { describe, expect, test } from 'vitest';
import { createIgnoreMatcher, IgnorePatternError, parseDockerignore } from '../../../../src/core/dockerfile/dockerignore.js';
import { cleanSlashPath, matchGlob } from '../../../../src/core/dockerfile/go-path.js';
import { chooseIgnoreFile } from '../../../../src/core/ignore-file.js';

const excluded = (patterns: string[], paths: string[]): string[] => {
  const matcher = createIgnoreMatcher(patterns);
  return paths.filter((p) => matcher.excludes(p));
};

describe('parseDockerignore', () => {
  test('a # in the first column is a comment but an indented one is a pattern', () => {
    expect(parseDockerignore('# build output\n  #keep\ndist\n')).toEqual(['#keep', 'dist']);
  });

  test('a leading slash is dropped and each pattern is cleaned', () => {
    expect(parseDockerignore('/node_modules/\n/a/./b/../c\n')).toEqual(['node_modules', 'a/c']);
  });

  test('an exception keeps its ! and has the rest trimmed and cleaned', () => {
    expect(parseDockerignore('*.md\n!  /docs/README.md\n')).toEqual(['*.md', '!docs/README.md']);
  });

  test('a lone ! survives parsing so that compiling can reject it', () => {
    expect(parseDockerignore('!\n! \n')).toEqual(['!', '!']);
  });

  test('a BOM, CRLF line ends, blank lines and surrounding spaces go', () => {
    expect(parseDockerignore('\uFEFFdist\r\n\r\n   \n  .git  \r\n')).toEqual(['dist', '.git']);
  });

  test('empty text has no patterns', () => {
    expect(parseDockerignore('')).toEqual([]);
  });
});

describe('createIgnoreMatcher', () => {
  test('a directory pattern excludes everything below it', () => {
    expect(excluded(['node_modules'], ['node_modules', 'node_modules/a/index.js', 'src/node_modules/x', 'node_modules2'])).toEqual([
      'node_modules',
      'node_modules/a/index.js',
    ]);
  });

  test('*.log excludes a.log at the root but not logs/a.log', () => {
    expect(excluded(['*.log'], ['a.log', 'logs/a.log'])).toEqual(['a.log']);
  });

  test('**/*.log excludes .log files at any depth', () => {
    expect(excluded(['**/*.log'], ['a.log', 'logs/a.log', 'logs/x/a.log', 'a.txt'])).toEqual(['a.log', 'logs/a.log', 'logs/x/a.log']);
  });

  test('the last matching pattern wins, so !keep.log re-includes after *.log', () => {
    expect(excluded(['*.log', '!keep.log'], ['a.log', 'keep.log'])).toEqual(['a.log']);
    expect(excluded(['!keep.log', '*.log'], ['a.log', 'keep.log'])).toEqual(['a.log', 'keep.log']);
  });

  test('an exception re-includes one file under an excluded directory', () => {
    expect(excluded(['docs', '!docs/README.md'], ['docs/README.md', 'docs/guide.md'])).toEqual(['docs/guide.md']);
  });

  test('matching is case-sensitive', () => {
    expect(excluded(['Dockerfile'], ['Dockerfile', 'dockerfile'])).toEqual(['Dockerfile']);
  });

  test('character classes, negated classes and escapes follow Go', () => {
    expect(excluded(['file[0-9].txt'], ['file1.txt', 'filea.txt'])).toEqual(['file1.txt']);
    expect(excluded(['file[^0-9].txt'], ['file1.txt', 'filea.txt'])).toEqual(['filea.txt']);
    expect(excluded(['a\\*b'], ['a*b', 'axb'])).toEqual(['a*b']);
  });

  test('regular-expression characters in a pattern are literal', () => {
    expect(excluded(['dist/app+v1.(min).js'], ['dist/app+v1.(min).js', 'dist/appv1Xmin.js'])).toEqual(['dist/app+v1.(min).js']);
  });

  test('a lone ! is rejected with an error naming the pattern', () => {
    expect(() => createIgnoreMatcher(['dist', '!'])).toThrow(IgnorePatternError);
    expect(() => createIgnoreMatcher(['dist', '!'])).toThrow(
      '"!" is not a valid pattern: a lone "!" excepts nothing; write the path to re-include after it',
    );
  });

  test('an unterminated character class is rejected with an error naming the pattern', () => {
    expect(() => createIgnoreMatcher(['src/[ab'])).toThrow(
      '"src/[ab" is not a valid pattern: unterminated character class: "]" is missing',
    );
  });

  test('an unescaped - at the start of a class is rejected', () => {
    expect(() => createIgnoreMatcher(['[-x]'])).toThrow(
      '"[-x]" is not a valid pattern: "-" must be escaped (\\-) where a class character is expected',
    );
  });

  test('a reversed range compiles but fails when BuildKit would first evaluate it', () => {
    const matcher = createIgnoreMatcher(['*.log', '![z-a].log']);
    expect(matcher.excludes('a.txt')).toBe(false);
    expect(() => matcher.excludes('a.log')).toThrow(
      '"![z-a].log" is not a valid pattern: invalid character class range: z-a is out of order',
    );
  });

  test('blank patterns are dropped and exceptions are reported', () => {
    const matcher = createIgnoreMatcher(['dist', '  ', ' !dist/keep ']);
    expect(matcher.patterns).toEqual([
      { pattern: 'dist', exception: false },
      { pattern: 'dist/keep', exception: true },
    ]);
    expect(matcher.hasExceptions).toBe(true);
  });

  test('excludes follows the walk where MatchesOrParentMatches differs', () => {
    // The walk never evaluates `a/b` for a/b itself (a/b was already excluded by
    // `a`), so nothing carries it down to a/b/c after the exception.
    const matcher = createIgnoreMatcher(['a', '!a/b/c', 'a/b']);
    expect(matcher.excludes('a/b/c')).toBe(false);
    expect(matcher.matchesOrParentMatches('a/b/c')).toBe(true);
  });

  test('legacy matches checks only the parent at the pattern depth', () => {
    const matcher = createIgnoreMatcher(['**/y']);
    expect(matcher.matches('x/a/y/z')).toBe(false);
    expect(matcher.matchesOrParentMatches('x/a/y/z')).toBe(true);
    expect(matcher.matches('.')).toBe(false);
  });

  test('matchesUsingParentResults hands per-pattern results to children', () => {
    const matcher = createIgnoreMatcher(['a', '!a/keep']);
    const a = matcher.matchesUsingParentResults('a');
    expect(a).toEqual({ matched: true, results: [true, false] });
    expect(matcher.matchesUsingParentResults('a/keep', a.results)).toEqual({ matched: false, results: [true, true] });
    expect(matcher.matchesUsingParentResults('a/other', a.results)).toEqual({ matched: true, results: [true, false] });
  });
});

describe('matchGlob', () => {
  test('* and ? stop at a slash', () => {
    expect(matchGlob('src/*.js', 'src/a.js')).toBe(true);
    expect(matchGlob('src/*.js', 'src/lib/a.js')).toBe(false);
    expect(matchGlob('a?b', 'a/b')).toBe(false);
  });

  test('a malformed pattern throws even when the name fails to match first', () => {
    expect(() => matchGlob('a[', 'b')).toThrow('unterminated character class: "]" is missing');
    expect(() => matchGlob('x\\', 'x')).toThrow('a trailing "\\" escapes nothing');
  });
});

describe('cleanSlashPath', () => {
  test('cleans like Go path.Clean', () => {
    expect(cleanSlashPath('./src//a/../b/')).toBe('src/b');
    expect(cleanSlashPath('/../x')).toBe('/x');
    expect(cleanSlashPath('../x')).toBe('../x');
    expect(cleanSlashPath('')).toBe('.');
  });

  test('a path that is clean already comes back as it is; any other is cleaned, whatever its characters', () => {
    for (const clean of ['/', 'a', '/a/b', '...', '.a', 'a/.b/c..', '..', '../..', 'a\n/b', '😀/x'])
      expect(cleanSlashPath(clean)).toBe(clean);
    // Line breaks and surrogate pairs before a trailing slash, a `.` or `..` element, or an empty one
    expect(cleanSlashPath('a\r/')).toBe('a\r');
    expect(cleanSlashPath('a\n/')).toBe('a\n');
    expect(cleanSlashPath('x/\u2028/')).toBe('x/\u2028');
    expect(cleanSlashPath('😀/')).toBe('😀');
    expect(cleanSlashPath('a/./b')).toBe('a/b');
    expect(cleanSlashPath('a//b')).toBe('a/b');
    expect(cleanSlashPath('a/..')).toBe('.');
    expect(cleanSlashPath('.')).toBe('.');
  });
});

describe('dockerignore file choice (chooseIgnoreFile)', () => {
  // Measured with buildx 0.13 on engine 20.10: <Dockerfile>.dockerignore wins whenever it exists,
  // even empty or comments only; the context's .dockerignore then does not apply at all.
  const files = (entries: Record<string, string>) => new Map<string, string | null>(Object.entries(entries));

  test('the file beside the Dockerfile, named after it, wins over the context one', () => {
    expect(
      chooseIgnoreFile(
        '/c/docker/web.Dockerfile',
        '/c',
        files({ '/c/docker/web.Dockerfile.dockerignore': 'a\n', '/c/.dockerignore': 'b\n' }),
      ),
    ).toBe('/c/docker/web.Dockerfile.dockerignore');
  });

  test('an empty Dockerfile-specific file still wins', () => {
    expect(chooseIgnoreFile('/c/Dockerfile', '/c', files({ '/c/Dockerfile.dockerignore': '', '/c/.dockerignore': 'b\n' }))).toBe(
      '/c/Dockerfile.dockerignore',
    );
  });

  test('without it, the context root file applies; without both, none', () => {
    expect(chooseIgnoreFile('/c/Dockerfile', '/c', files({ '/c/.dockerignore': 'b\n' }))).toBe('/c/.dockerignore');
    expect(chooseIgnoreFile('/c/Dockerfile', '/c', files({}))).toBeUndefined();
  });
});

describe('createIgnoreMatcher in linear time (RE2 never backtracks; a JavaScript RegExp does)', () => {
  // Each of these took minutes through the translated RegExp: plan and stages hung on such an ignore file.
  test('repeated ** against a deep path', { timeout: 5_000 }, () => {
    const deep = `${'a/'.repeat(30)}y`;
    expect(excluded(['**/**/**/**/**/**/**/**/**/**/x'], [deep, `${'a/'.repeat(30)}x`])).toEqual([`${'a/'.repeat(30)}x`]);
  });

  test('stars separated by one letter against a long name', { timeout: 5_000 }, () => {
    expect(excluded(['*a*a*a*a*a*a*a*a*a*a*a*a*b'], ['a'.repeat(40), `${'a'.repeat(40)}b`])).toEqual([`${'a'.repeat(40)}b`]);
  });

  test('wildcards keep their meaning: * and ? stop at /, ** spans directories, a trailing ** takes the rest', () => {
    expect(excluded(['src/*.j?'], ['src/a.js', 'src/x/a.js', 'src/a.jsx'])).toEqual(['src/a.js']);
    expect(excluded(['**/test/*.js'], ['test/a.js', 'a/b/test/c.js', 'a/test/b/c.js'])).toEqual(['test/a.js', 'a/b/test/c.js']);
    expect(excluded(['a*/**'], ['ab/c/d', 'a', 'b/a/c'])).toEqual(['ab/c/d']);
  });
});
