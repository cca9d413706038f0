/**
 * The folder watcher lists a new folder while its files are being written
 * and their events handled. On a busy machine the listing is read early and
 * handed back late, after the events of files created since: it is older
 * than what the watcher knows. Here the real `readdir` is held back (fault
 * injection on the real file system) so that this happens every time rather
 * than now and then. A file that exists must never be reported as deleted:
 * the coalescer drops a path whose first event added it and last removed it,
 * so such a file would never be built or synced.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import type { FileChange, WatchSession } from '../../../src/ports/file-watcher.js';
import { tempProjects } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { everything } from './file-watcher-contract.js';

/** Folders whose listing is taken at once but handed back only when `release` is called. */
const held = vi.hoisted(() => ({ folders: new Set<string>(), waiting: [] as Array<() => void> }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const readdir = (async (dir: string, options: unknown) => {
    const listing = await (real.readdir as (d: string, o: unknown) => Promise<unknown>)(dir, options);
    if (!held.folders.has(path.basename(dir))) return listing;
    await new Promise<void>((resolve) => held.waiting.push(resolve));
    return listing;
  }) as typeof real.readdir;
  return { ...real, default: { ...real, readdir }, readdir };
});

const { createNodeFsWatcher } = await import('../../../src/adapters/file-watching/node-fs-watcher.js');

const temp = tempProjects('dockstage-stale-listing-');
const sessions: WatchSession[] = [];
afterEach(async () => {
  held.folders.clear();
  for (const release of held.waiting.splice(0)) release();
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

async function watching(dir: string) {
  const changes: FileChange[] = [];
  const session = createNodeFsWatcher().watch(
    [everything(dir)],
    (change) => changes.push(change),
    () => {},
  );
  sessions.push(session);
  await session.ready;
  /** The last thing reported about `file`. */
  const last = (file: string) => changes.findLast((c) => c.path === file)?.kind;
  return { changes, last };
}

test('files written into a new folder after its listing was read are not reported as deleted when it comes back', async () => {
  const dir = await temp({ 'a.txt': 'a' });
  const { changes, last } = await watching(dir);
  held.folders.add('generated');
  const generated = path.join(dir, 'generated');
  await mkdir(generated);
  // The folder's watch is on and its listing (empty) read; the files come after it.
  await waitFor(() => held.waiting.length > 0, { timeoutMs: 5000, message: 'the listing of generated/ to be read' });
  const files = Array.from({ length: 50 }, (_, i) => path.join(generated, `g${i}.js`));
  for (const file of files) await writeFile(file, 'module.exports = 1;\n');
  await waitFor(() => files.every((file) => last(file) === 'change'), { timeoutMs: 5000, message: 'a change of each file' });
  for (const release of held.waiting.splice(0)) release();
  // After the stale listing is handled, one more event: everything before it has been handled too.
  await writeFile(path.join(dir, 'a.txt'), 'b');
  await waitFor(() => last(path.join(dir, 'a.txt')) === 'change', { timeoutMs: 5000, message: 'the change of a.txt' });
  expect(files.filter((file) => last(file) !== 'change')).toEqual([]);
  expect(changes.filter((c) => c.kind === 'unlink')).toEqual([]);
});

test('a file deleted after the listing was read is not brought back by it', async () => {
  const dir = await temp({ 'a.txt': 'a' });
  const { last } = await watching(dir);
  // The folder arrives with its file in one rename, so the listing holds gone.js.
  const staging = `${dir}.staging`;
  await mkdir(staging);
  await writeFile(path.join(staging, 'gone.js'), 'x');
  held.folders.add('generated');
  const generated = path.join(dir, 'generated');
  await rename(staging, generated);
  await waitFor(() => held.waiting.length > 0, { timeoutMs: 5000, message: 'the listing of generated/ to be read' });
  await rm(path.join(generated, 'gone.js'));
  for (const release of held.waiting.splice(0)) release();
  await writeFile(path.join(dir, 'a.txt'), 'b');
  await waitFor(() => last(path.join(dir, 'a.txt')) === 'change', { timeoutMs: 5000, message: 'the change of a.txt' });
  expect(last(generated)).toBe('addDir');
  expect(last(path.join(generated, 'gone.js'))).toBeUndefined();
});
