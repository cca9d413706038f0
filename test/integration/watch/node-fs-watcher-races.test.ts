/**
 * Races of the folder watcher that a busy machine makes happen now and then,
 * made to happen every time by holding back one real operation (fault
 * injection on the real file system, nothing faked):
 * - a folder's listing read early and handed back late, after the events of
 *   files created or deleted since: it is older than what the watcher knows;
 * - events held while an update (a reload's new roots) lists the folders:
 *   the update finds the changes before their events do.
 * No change may be lost either way: a file that exists must not be reported
 * as deleted (the coalescer drops a path whose first event added it and last
 * removed it, so it would never be built or synced), and what changed during
 * an update must be reported by it when its events will not.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import type { FileChange, WatchRoot, WatchSession } from '../../../src/ports/file-watcher.js';
import { tempProjects } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { everything, withDockerignore } from './file-watcher-contract.js';

/** Folders whose listing is taken at once but handed back only when released; folder events held while `events` is on. */
const held = vi.hoisted(() => ({
  folders: new Set<string>(),
  waiting: [] as Array<() => void>,
  events: false,
  queued: [] as Array<() => void>,
}));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const watch = ((file: string, options: object, listener: (event: string, name: string | null) => void) =>
    real.watch(file, options, (event, name) => {
      if (held.events) held.queued.push(() => listener(event, name));
      else listener(event, name);
    })) as unknown as typeof real.watch;
  return { ...real, default: { ...real, watch }, watch };
});

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
  releaseEvents();
  held.folders.clear();
  for (const release of held.waiting.splice(0)) release();
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function releaseEvents(): void {
  held.events = false;
  for (const deliver of held.queued.splice(0)) deliver();
}

async function watching(dirOrRoot: string | WatchRoot) {
  const changes: FileChange[] = [];
  const session = createNodeFsWatcher().watch(
    [typeof dirOrRoot === 'string' ? everything(dirOrRoot) : dirOrRoot],
    (change) => changes.push(change),
    () => {},
  );
  sessions.push(session);
  await session.ready;
  /** The last thing reported about `file`. */
  const last = (file: string) => changes.findLast((c) => c.path === file)?.kind;
  return { session, changes, last };
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
  // Never reported, or (when the delete's event was handled after the listing) reported and then deleted: no phantom.
  expect(last(path.join(generated, 'gone.js'))).not.toBe('add');
});

test('an update that finds a new folder (with files) and a deleted file before their events reports them', async () => {
  const dir = await temp({ 'a.txt': 'a', 'src/old.js': 'old', 'src/keep.js': 'keep' });
  const { session, changes, last } = await watching(dir);
  held.events = true;
  const staging = `${dir}.staging`;
  await mkdir(path.join(staging, 'deep'), { recursive: true });
  await writeFile(path.join(staging, 'deep', 'x.js'), 'x');
  await rename(staging, path.join(dir, 'src', 'new'));
  await rm(path.join(dir, 'src', 'old.js'));
  // A reload's update with the same roots lists the folders while the events wait.
  await session.update([everything(dir)]);
  releaseEvents();
  await writeFile(path.join(dir, 'a.txt'), 'b');
  await waitFor(() => last(path.join(dir, 'a.txt')) === 'change', { timeoutMs: 5000, message: 'the change of a.txt' });
  expect(last(path.join(dir, 'src', 'new', 'deep', 'x.js'))).toBe('add');
  expect(last(path.join(dir, 'src', 'new'))).toBe('addDir');
  expect(last(path.join(dir, 'src', 'old.js'))).toBe('unlink');
  expect(changes.some((c) => c.path.endsWith('keep.js'))).toBe(false);
});

test('an update with new ignore rules records what they bring back without reporting it, and drops what they exclude silently', async () => {
  const dir = await temp({ 'a.txt': 'a', 'src/app.js': 'app', 'tmp/cache.txt': 'c' });
  const { session, changes, last } = await watching(withDockerignore(dir, 'tmp/\n'));
  await session.update([withDockerignore(dir, 'src/\n')]);
  await writeFile(path.join(dir, 'src', 'app.js'), 'app2');
  await writeFile(path.join(dir, 'tmp', 'cache.txt'), 'c2');
  await writeFile(path.join(dir, 'a.txt'), 'b');
  await waitFor(() => last(path.join(dir, 'a.txt')) === 'change', { timeoutMs: 5000, message: 'the change of a.txt' });
  // A write may come as two events (truncate, then write): each path and kind once.
  expect([...new Set(changes.map((c) => `${path.relative(dir, c.path)} ${c.kind}`))]).toEqual(['tmp/cache.txt change', 'a.txt change']);
});
