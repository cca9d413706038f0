import { describe, expect, test } from 'vitest';
import { resolveComposeFiles } from '../../../../src/core/compose/files.js';

function query(existing: string[], overrides: Partial<Parameters<typeof resolveComposeFiles>[0]> = {}) {
  const present = new Set(existing);
  const env: Record<string, string> = {};
  return resolveComposeFiles({
    files: [],
    cwd: '/work/app/sub',
    projectDirectory: undefined,
    lookup: (n) => env[n],
    exists: (f) => present.has(f),
    ...overrides,
  });
}

describe('resolveComposeFiles', () => {
  test('-f files are used as given, relative to the current directory', () => {
    expect(query(['/work/app/sub/a.yaml', '/work/b.yaml'], { files: ['a.yaml', '../../b.yaml'] })).toEqual({
      files: ['/work/app/sub/a.yaml', '/work/b.yaml'],
      projectDir: '/work/app/sub',
    });
  });

  test('COMPOSE_FILE is split on the path separator', () => {
    const env: Record<string, string> = { COMPOSE_FILE: 'x.yaml;y.yaml', COMPOSE_PATH_SEPARATOR: ';' };
    expect(query(['/work/app/sub/x.yaml', '/work/app/sub/y.yaml'], { lookup: (n) => env[n] }).files).toEqual([
      '/work/app/sub/x.yaml',
      '/work/app/sub/y.yaml',
    ]);
  });

  test('discovery walks up to the first directory with a compose file and adds its override', () => {
    expect(query(['/work/app/compose.yaml', '/work/app/compose.override.yml', '/work/docker-compose.yml'])).toEqual({
      files: ['/work/app/compose.yaml', '/work/app/compose.override.yml'],
      projectDir: '/work/app',
    });
  });

  test('compose.yaml wins over docker-compose.yml in the same directory', () => {
    expect(query(['/work/app/sub/docker-compose.yml', '/work/app/sub/compose.yaml']).files).toEqual(['/work/app/sub/compose.yaml']);
  });

  test('--project-directory is where discovery starts', () => {
    expect(query(['/srv/shop/compose.yaml'], { projectDirectory: '/srv/shop' })).toEqual({
      files: ['/srv/shop/compose.yaml'],
      projectDir: '/srv/shop',
    });
  });

  test('no compose file anywhere is a config error with a hint', () => {
    expect(() => query([])).toThrow('no compose file found in /work/app/sub or its parents');
  });

  test('a missing -f file is named', () => {
    expect(() => query([], { files: ['nope.yaml'] })).toThrow('compose file not found: /work/app/sub/nope.yaml');
  });
});
