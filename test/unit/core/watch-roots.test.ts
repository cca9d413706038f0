import { describe, expect, test } from 'vitest';
import { createWatchTree, isWithin, type RootRule } from '../../../src/core/watch-roots.js';

const none = (): boolean => false;
/** A root whose ignore rule skips the listed top-level names (and everything below them). */
function root(path: string, skipped: readonly string[] = []): RootRule {
  return { path, ignored: (relative) => skipped.some((name) => relative === name || relative.startsWith(`${name}/`)) };
}

describe('isWithin', () => {
  test('a path is within itself and its ancestors, not within a sibling sharing a prefix', () => {
    expect(isWithin('/p/web', '/p/web')).toBe(true);
    expect(isWithin('/p/web/src/a.js', '/p/web')).toBe(true);
    expect(isWithin('/p/web2/a.js', '/p/web')).toBe(false);
    expect(isWithin('/p', '/p/web')).toBe(false);
    expect(isWithin('/anything', '/')).toBe(true);
  });
});

describe('createWatchTree', () => {
  test('bases are the outermost roots, deduplicated and sorted', () => {
    const tree = createWatchTree([root('/p/web/src'), root('/p/web'), root('/p/api'), root('/p/web'), root('/p/web2/')]);
    expect(tree.bases).toEqual(['/p/api', '/p/web', '/p/web2']);
  });

  test('a root and everything below it are watched unless its ignore rule or the always-ignored rule skips them', () => {
    const tree = createWatchTree([root('/p/web', ['node_modules'])]);
    expect(tree.place('/p/web', true)).toBe('watched');
    expect(tree.place('/p/web/src/app.js', false)).toBe('watched');
    expect(tree.place('/p/web/node_modules', true)).toBe('ignored');
    expect(tree.place('/p/web/.git', true)).toBe('ignored');
    expect(tree.place('/p/web/src/.app.js.swp', false)).toBe('ignored');
    expect(tree.place('/p/api/app.js', false)).toBe('ignored');
  });

  test('the ignore rule gets the path relative to its root, POSIX, and whether it is a directory', () => {
    const calls: Array<[string, boolean]> = [];
    const tree = createWatchTree([{ path: '/p/web', ignored: (relative, isDirectory) => (calls.push([relative, isDirectory]), false) }]);
    tree.place('/p/web/src/lib', true);
    tree.place('/p/web/src/lib/a.js', false);
    expect(calls).toEqual([
      ['src/lib', true],
      ['src/lib/a.js', false],
    ]);
  });

  test('a nested root brings back what the outer root ignores, and the folders leading to it are passages', () => {
    // web's .dockerignore excludes data/, but a bind mount of web/data/seed must still be watched.
    const tree = createWatchTree([root('/p/web', ['data']), root('/p/web/data/seed')]);
    expect(tree.bases).toEqual(['/p/web']);
    expect(tree.place('/p/web/data', true)).toBe('passage');
    expect(tree.place('/p/web/data/other', true)).toBe('ignored');
    expect(tree.place('/p/web/data/dump.sql', false)).toBe('ignored');
    expect(tree.place('/p/web/data/seed', true)).toBe('watched');
    expect(tree.place('/p/web/data/seed/users.csv', false)).toBe('watched');
  });

  test('a path two roots contain is watched when either wants it', () => {
    const tree = createWatchTree([root('/p/shared', ['docs']), root('/p/shared', ['test'])]);
    expect(tree.place('/p/shared/docs/a.md', false)).toBe('watched');
    expect(tree.place('/p/shared/test/a.js', false)).toBe('watched');
  });

  test('the parents of a root are passages, other directories outside every root are ignored', () => {
    const tree = createWatchTree([root('/p/web/nginx.conf')]);
    expect(tree.place('/p/web', true)).toBe('passage');
    expect(tree.place('/p', true)).toBe('passage');
    expect(tree.place('/p/web/nginx.conf', false)).toBe('watched');
    expect(tree.place('/p/web/other.conf', false)).toBe('ignored');
    expect(tree.place('/p/web', false)).toBe('ignored');
    expect(tree.place('/p/api', true)).toBe('ignored');
  });

  test('an ignore rule that throws (a broken pattern) watches the path rather than failing the watcher', () => {
    const tree = createWatchTree([
      {
        path: '/p/web',
        ignored: () => {
          throw new Error('bad pattern');
        },
      },
    ]);
    expect(tree.place('/p/web/a.js', false)).toBe('watched');
  });

  test('no roots: nothing is watched', () => {
    const tree = createWatchTree([]);
    expect(tree.bases).toEqual([]);
    expect(tree.place('/p', true)).toBe('ignored');
  });

  test('the filesystem root as a root', () => {
    const tree = createWatchTree([{ path: '/', ignored: none }]);
    expect(tree.place('/etc/hosts', false)).toBe('watched');
  });
});
