import { describe, expect, test } from 'vitest';
import { parseTree } from '../../../src/adapters/docker/dockerode-files.js';

describe('parseTree (the container listing behind a full bind-mount copy)', () => {
  test('owner, marker, directories, other entries and mount points, NUL-separated', () => {
    const out = [
      '1000:1000',
      '+abc123',
      'd',
      '/app/src/a',
      '/app/src/a b',
      'f',
      '/app/src/x',
      '/app/src/a/y\nz',
      'm',
      '/',
      '/proc',
      '/app/src/node_modules',
      '',
    ].join('\0');
    expect(parseTree(out)).toEqual({
      owner: { user: 1000, group: 1000 },
      marker: 'abc123',
      directories: ['/app/src/a', '/app/src/a b'],
      files: ['/app/src/x', '/app/src/a/y\nz'],
      mounts: ['/', '/proc', '/app/src/node_modules'],
    });
  });

  test('a target the image lacks and no marker', () => {
    expect(parseTree(['-', '-', 'd', 'f', 'm', '/', ''].join('\0'))).toEqual({
      owner: undefined,
      marker: undefined,
      directories: [],
      files: [],
      mounts: ['/'],
    });
  });
});
