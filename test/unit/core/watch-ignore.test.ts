import { describe, expect, test } from 'vitest';
import { alwaysIgnored } from '../../../src/core/watch-ignore.js';

describe('alwaysIgnored', () => {
  test.each([
    ['.git', true],
    ['.git/HEAD', false],
    ['.git/objects/ab/cdef', false],
    ['vendor/lib/.git', true],
    ['.dockstage', true],
    ['.dockstage/dev.compose.yaml', false],
  ])('the directory-or-file path %s under .git or .dockstage is skipped', (path, isDirectory) => {
    expect(alwaysIgnored(path, isDirectory)).toBe(true);
  });

  test.each(['src/.app.js.swp', 'src/app.js.swx', 'src/app.js~', 'src/.#app.js', '4913', 'src/4913', '.swp'])(
    'the editor temp file %s is skipped',
    (path) => {
      expect(alwaysIgnored(path, false)).toBe(true);
    },
  );

  test.each([
    'src/app.js',
    '.gitignore',
    '.github/workflows/ci.yml',
    '.dockerignore',
    'src/swp',
    'src/49130',
    'src/a#b',
    'git/x',
    'my.git/x',
  ])('the ordinary file %s is watched', (path) => {
    expect(alwaysIgnored(path, false)).toBe(false);
  });

  test('a file named .git (a worktree or submodule link) is watched; only the directory is skipped', () => {
    expect(alwaysIgnored('.git', false)).toBe(false);
    expect(alwaysIgnored('sub/.git', true)).toBe(true);
  });

  test('editor temp names are file rules: a directory named backup~ is descended into', () => {
    expect(alwaysIgnored('backup~', true)).toBe(false);
    expect(alwaysIgnored('backup~/a.js', false)).toBe(false);
  });
});
