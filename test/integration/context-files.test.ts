/**
 * The context side of the analysis on a real temp directory with node:fs:
 * symlinks are digested as links (never followed, so a link to a directory is
 * fine), permission bits count, and only the COPY prefixes are walked.
 */
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createNodeFileSystem } from '../../src/adapters/local/node-fs.js';
import { currentInputsHash, filesReadByBuild, listContext } from '../../src/operations/context-files.js';
import { withLinksFromDisk } from '../../src/operations/context-links.js';
import { dockerfile, project } from '../support/builders.js';
import { tempProjects, writeFiles } from '../support/temp-project.js';

const fs = createNodeFileSystem();
const temp = tempProjects('dockstage-context-');

async function buildFor(dir: string, text: string, ignore?: string) {
  let builder = project('p', dir)
    .service('app', { build: { context: dir } })
    .file(path.join(dir, 'Dockerfile'), text);
  if (ignore !== undefined) builder = builder.file(path.join(dir, '.dockerignore'), ignore);
  // As loadWorkspace does: the links on the sources' paths are looked at on the disk.
  return (await withLinksFromDisk(fs, builder.workspace('dev'))).services[0]!.build!;
}

describe('context files on a real directory', () => {
  test('a symlink to a directory is an input as a link, and changing its target changes the hash', async () => {
    const dir = await temp({ 'src/a.js': 'a', 'shared/b.js': 'b', 'other/c.js': 'c' });
    await symlink('../shared', path.join(dir, 'src', 'lib'));
    const build = await buildFor(dir, dockerfile('FROM busybox', 'COPY src/ /src/'));
    expect((await filesReadByBuild(fs, build))[0]?.files).toEqual(['src/a.js', 'src/lib']);
    const before = (await currentInputsHash(fs, build)).hash;
    await symlink('../other', path.join(dir, 'src', 'lib2'));
    expect((await currentInputsHash(fs, build)).hash).not.toBe(before);
  });

  test('making a file executable changes the hash (BuildKit copies the mode)', async () => {
    const dir = await temp({ 'entrypoint.sh': 'echo hi\n' });
    const build = await buildFor(dir, dockerfile('FROM busybox', 'COPY entrypoint.sh /'));
    await chmod(path.join(dir, 'entrypoint.sh'), 0o644);
    const before = (await currentInputsHash(fs, build)).hash;
    await chmod(path.join(dir, 'entrypoint.sh'), 0o755);
    expect((await currentInputsHash(fs, build)).hash).not.toBe(before);
  });

  test('only the COPY prefixes are walked; ignored folders are pruned', async () => {
    const dir = await temp({ 'package.json': '{}', 'src/x.js': '', 'node_modules/dep/index.js': '', '.dockerignore': 'node_modules\n' });
    await mkdir(path.join(dir, 'big'), { recursive: true });
    await writeFile(path.join(dir, 'big', 'data.bin'), 'x');
    const walked: string[] = [];
    const spy = {
      ...fs,
      listFiles: async (root: string, options?: Parameters<typeof fs.listFiles>[1]) => (
        walked.push(path.relative(dir, root) || '.'),
        fs.listFiles(root, options)
      ),
    };
    expect(await listContext(spy, dir, undefined, [], ['package.json', 'src'])).toEqual(['package.json', 'src/x.js']);
    expect(walked).toEqual(['src']);
  });

  test('a copied link and a link on the way to a source are followed: the file they lead to is read and hashed', async () => {
    const dir = await temp({ 'data/real.txt': 'one', 'data/other.txt': 'x' });
    await symlink('data/real.txt', path.join(dir, 'link.txt'));
    await symlink('data', path.join(dir, 'lnk'));
    const build = await buildFor(dir, dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY lnk/other.txt /y'));
    expect((await filesReadByBuild(fs, build))[0]?.files).toEqual(['data/other.txt', 'data/real.txt', 'link.txt', 'lnk']);
    const before = (await currentInputsHash(fs, build)).hash;
    await writeFile(path.join(dir, 'data', 'real.txt'), 'two');
    expect((await currentInputsHash(fs, build)).hash).not.toBe(before);
  });

  test('a new directory that holds only ignored files changes the hash (BuildKit sends it), and removing it changes it back', async () => {
    const dir = await temp({ 'docs/a.md': 'a' });
    const build = await buildFor(dir, dockerfile('FROM busybox', 'COPY docs /d/'), '**/b\n');
    const before = (await currentInputsHash(fs, build)).hash;
    await writeFiles(dir, { 'docs/new/b': 'ignored' });
    expect((await filesReadByBuild(fs, build))[0]).toMatchObject({ files: ['docs/a.md'], directories: ['docs/new'] });
    const after = (await currentInputsHash(fs, build)).hash;
    expect(after).not.toBe(before);
    await writeFile(path.join(dir, 'docs', 'new', 'b'), 'edited');
    expect((await currentInputsHash(fs, build)).hash).toBe(after);
    await rm(path.join(dir, 'docs', 'new'), { recursive: true });
    expect((await currentInputsHash(fs, build)).hash).toBe(before);
  });

  test('a link the copy only passes through counts by what it leads to, not by its text', async () => {
    const dir = await temp({ 'data/real.txt': 'one', 'docs/a.md': 'a' });
    await symlink('docs', path.join(dir, 'lnk'));
    const before = await buildFor(dir, dockerfile('FROM busybox', 'COPY lnk/*.txt /w/'));
    const hash = (await currentInputsHash(fs, before)).hash;
    // Pointing the link at another folder without a .txt file copies nothing either: the same image, the same hash.
    await rm(path.join(dir, 'lnk'));
    await mkdir(path.join(dir, 'empty'));
    await symlink('empty', path.join(dir, 'lnk'));
    const after = await buildFor(dir, dockerfile('FROM busybox', 'COPY lnk/*.txt /w/'));
    expect((await currentInputsHash(fs, after)).hash).toBe(hash);
    await rm(path.join(dir, 'lnk'));
    await symlink('data', path.join(dir, 'lnk'));
    const toData = await buildFor(dir, dockerfile('FROM busybox', 'COPY lnk/*.txt /w/'));
    expect((await currentInputsHash(fs, toData)).hash).not.toBe(hash);
  });

  test('a link on the way that goes away changes the hash even when another source still reads its target (the build fails)', async () => {
    const dir = await temp({ 'data/real.txt': 'one' });
    await symlink('data/real.txt', path.join(dir, 'link.txt'));
    await symlink('data', path.join(dir, 'lnk'));
    const text = dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY lnk/real.txt /y');
    const hash = (await currentInputsHash(fs, await buildFor(dir, text))).hash;
    await rm(path.join(dir, 'lnk'));
    expect((await currentInputsHash(fs, await buildFor(dir, text))).hash).not.toBe(hash);
  });
});
