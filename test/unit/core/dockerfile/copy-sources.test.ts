import { describe, expect, test } from 'vitest';
import { compileCopySource, filterContextFiles, walkContext } from '../../../../src/core/dockerfile/copy-sources.js';

const read = (source: string, paths: string[], options = {}): string[] => {
  const matcher = compileCopySource(source, options);
  return paths.filter((p) => matcher.reads(p));
};

describe('compileCopySource', () => {
  test('src/*.js reads src/a.js but not src/lib/b.js', () => {
    expect(read('src/*.js', ['src/a.js', 'src/lib/b.js', 'src/a.ts'])).toEqual(['src/a.js']);
  });

  test('*.js reads a.js at the root but not src/a.js', () => {
    expect(read('*.js', ['a.js', 'src/a.js'])).toEqual(['a.js']);
  });

  test('a wildcard that matches a directory reads everything under it', () => {
    expect(read('src/*', ['src/a.js', 'src/lib/b.js', 'src/lib/x/c.js', 'srcx/a.js'])).toEqual([
      'src/a.js',
      'src/lib/b.js',
      'src/lib/x/c.js',
    ]);
    expect(read('packages/*/src', ['packages/api/src/a.ts', 'packages/api/test/a.ts'])).toEqual(['packages/api/src/a.ts']);
  });

  test('a source without wildcards reads itself and everything below it', () => {
    expect(read('src', ['src', 'src/a.js', 'src/lib/b.js', 'srcx/a.js', 'src2'])).toEqual(['src', 'src/a.js', 'src/lib/b.js']);
    expect(read('package.json', ['package.json', 'package.json.bak'])).toEqual(['package.json']);
  });

  test('./src/, src and /src are the same source', () => {
    for (const source of ['./src/', 'src', '/src', 'src/.']) {
      expect(compileCopySource(source).prefix).toBe('src');
      expect(read(source, ['src/a.js', 'a.js'])).toEqual(['src/a.js']);
    }
  });

  test('. and / read the whole context', () => {
    for (const source of ['.', '/', './']) {
      expect(compileCopySource(source).prefix).toBe('');
      expect(read(source, ['a.js', 'src/lib/b.js'])).toEqual(['a.js', 'src/lib/b.js']);
    }
  });

  test('.. cannot leave the context', () => {
    expect(read('../app/src', ['app/src/a.js', 'src/a.js'])).toEqual(['app/src/a.js']);
  });

  test('character classes follow Go filepath.Match', () => {
    expect(read('file[0-9].txt', ['file1.txt', 'filea.txt'])).toEqual(['file1.txt']);
    expect(read('[*].txt', ['*.txt', 'a.txt'])).toEqual(['*.txt']);
  });

  test('** without --parents is a single-level *', () => {
    expect(read('src/**/*.js', ['src/a/b.js', 'src/a/b/c.js', 'src/b.js'])).toEqual(['src/a/b.js']);
  });

  test('a malformed wildcard reads nothing', () => {
    expect(read('src/[a-', ['src/a', 'src/[a-'])).toEqual([]);
  });

  test('prefix is the literal part before the first wildcard', () => {
    expect(compileCopySource('src/*.js').prefix).toBe('src');
    expect(compileCopySource('packages/*/src').prefix).toBe('packages');
    expect(compileCopySource('*.json').prefix).toBe('');
    expect(compileCopySource('src/app.js').prefix).toBe('src/app.js');
  });

  test('--parents lets ** match any number of directories', () => {
    expect(read('src/**/*.js', ['src/a.js', 'src/x/b.js', 'src/x/y/c.js', 'lib/a.js', 'src/x/b.ts'], { parents: true })).toEqual([
      'src/a.js',
      'src/x/b.js',
      'src/x/y/c.js',
    ]);
    expect(compileCopySource('src/**/*.js', { parents: true }).prefix).toBe('src');
  });

  test('--parents with a /./ pivot matches the pattern below the pivot', () => {
    const matcher = compileCopySource('apps/./web/*.json', { parents: true });
    expect(matcher.prefix).toBe('apps/web');
    expect(['apps/web/package.json', 'web/package.json', 'apps/api/package.json'].filter((p) => matcher.reads(p))).toEqual([
      'apps/web/package.json',
    ]);
  });

  test('--parents without wildcards reads the path and what is below it', () => {
    expect(read('./one/two', ['one/two/some.txt', 'one/three.txt'], { parents: true })).toEqual(['one/two/some.txt']);
  });

  test('--exclude patterns apply relative to the source', () => {
    expect(read('src', ['src/a.md', 'src/docs/b.md', 'src/a.js'], { exclude: ['*.md'] })).toEqual(['src/docs/b.md', 'src/a.js']);
    expect(read('.', ['dir1/a.png', 'dir1/b.txt', 'c.png'], { exclude: ['*/*.png'] })).toEqual(['dir1/b.txt', 'c.png']);
  });

  test('--exclude patterns apply relative to each directory a wildcard matches', () => {
    expect(read('dir*', ['dir1/a.mp3', 'dir1/b.txt', 'dir3/c.mp3'], { exclude: ['*.mp3'] })).toEqual(['dir1/b.txt']);
  });
});

describe('walkContext', () => {
  test('an include pattern brings in the parent directories of what it includes', () => {
    const walked = walkContext(
      [
        { path: 'bar/foo', type: 'file' },
        { path: 'bar/baz', type: 'file' },
        { path: 'foo2', type: 'file' },
      ],
      { include: ['bar/f*'] },
    );
    expect(walked).toEqual([
      { path: 'bar', type: 'dir' },
      { path: 'bar/foo', type: 'file' },
    ]);
  });

  test('an exception walks into an excluded directory and emits it only before what it re-includes', () => {
    const walked = walkContext(
      [
        { path: 'logs/keep.txt', type: 'file' },
        { path: 'logs/a.log', type: 'file' },
        { path: 'tmp/x', type: 'file' },
      ],
      { exclude: ['logs', 'tmp', '!logs/keep.txt'] },
    );
    expect(walked).toEqual([
      { path: 'logs', type: 'dir' },
      { path: 'logs/keep.txt', type: 'file' },
    ]);
  });

  test('followed symlinks add their targets to what is walked', () => {
    const walked = walkContext(
      [
        { path: 'app/config', type: 'symlink', linkTarget: '../shared/config.json' },
        { path: 'shared/config.json', type: 'file' },
        { path: 'shared/other.json', type: 'file' },
      ],
      { followPaths: ['app/config'] },
    );
    expect(walked).toEqual([
      { path: 'app', type: 'dir' },
      { path: 'app/config', type: 'symlink', linkTarget: '../shared/config.json' },
      { path: 'shared', type: 'dir' },
      { path: 'shared/config.json', type: 'file' },
    ]);
  });

  test('an invalid exclude pattern fails the walk', () => {
    expect(() => walkContext([{ path: 'a', type: 'file' }], { exclude: ['!'] })).toThrow('"!" is not a valid pattern');
  });
});

describe('filterContextFiles', () => {
  test('lists the files BuildKit sends, depth-first by name rather than in plain string order', () => {
    expect(filterContextFiles(['b', 'a/x', 'a-b', 'a/y.log'], { exclude: ['**/*.log'] })).toEqual(['a/x', 'a-b', 'b']);
  });

  test('an empty filter sends every file', () => {
    expect(filterContextFiles(['src/a.js', 'Dockerfile'])).toEqual(['Dockerfile', 'src/a.js']);
  });
});
