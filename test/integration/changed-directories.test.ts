/**
 * `directoriesChangedWith` on a real temp directory: which folders `plan --changed PATH` also plans, because they may
 * have come or gone with PATH.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createNodeFileSystem } from '../../src/adapters/local/node-fs.js';
import { directoriesChangedWith } from '../../src/operations/changed-directories.js';
import { tempProjects } from '../support/temp-project.js';

const fs = createNodeFileSystem();
const temp = tempProjects('dockstage-changed-dirs-');

describe('directoriesChangedWith', () => {
  test('a folder holding only the changed path, or gone, is planned too, up to the context', async () => {
    const dir = await temp({
      'app/docs/a.md': 'a',
      'app/docs/new/deeper/b': 'ignored',
      'app/src/x/b': 'ignored',
      'app/src/x/keep.js': 'k',
    });
    const stops = new Set([dir, path.join(dir, 'app')]);
    const at = (relative: string) => path.join(dir, relative);
    expect(await directoriesChangedWith(fs, [at('app/docs/new/deeper/b')], stops)).toEqual([at('app/docs/new'), at('app/docs/new/deeper')]);
    expect(await directoriesChangedWith(fs, [at('app/src/x/b')], stops)).toEqual([]);
    await rm(at('app/docs/new'), { recursive: true });
    expect(await directoriesChangedWith(fs, [at('app/docs/new/deeper/b')], stops)).toEqual([at('app/docs/new'), at('app/docs/new/deeper')]);
    await mkdir(at('app/docs/new'));
    expect(await directoriesChangedWith(fs, [at('app/docs/new/b')], stops)).toEqual([]);
  });
});
