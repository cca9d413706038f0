/**
 * What every FileWatcher adapter must do, on real temp directories: the same
 * scenarios run against each adapter (chokidar-watcher.test.ts,
 * node-fs-watcher.test.ts). "Nothing arrives" is shown by making the ignored
 * change first and a watched one after it, then waiting for the second only.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createSystemClock } from '../../../src/adapters/local/system-clock.js';
import { createIgnoreMatcher, parseDockerignore } from '../../../src/core/dockerfile/dockerignore.js';
import { createCoalescer } from '../../../src/engine/coalescer.js';
import type { FileChange, FileWatcher, WatchError, WatchRoot, WatchSession } from '../../../src/ports/file-watcher.js';
import { tempProjects } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';

/** A root that watches everything (only the always-ignored rule applies). */
export function everything(dir: string): WatchRoot {
  return { path: dir, ignored: () => false };
}

/** A root that skips what `dockerignore` (the text of a .dockerignore) excludes, as the engine will pass it. */
export function withDockerignore(dir: string, dockerignore: string): WatchRoot {
  const matcher = createIgnoreMatcher(parseDockerignore(dockerignore));
  return { path: dir, ignored: (relative) => matcher.excludes(relative) };
}

/** What an adapter is known not to do; the contract checks the weaker promise instead. */
export interface WatcherLimits {
  /**
   * Why a storm may reach the coalescer in several batches on a starved
   * machine; every path must still arrive.
   */
  readonly stormMaySplitUnderLoad?: string;
  /**
   * Why files written into a folder right after it was created may never be reported (the adapter lists a new folder
   * before it watches it); the storms-into-new-folders test does not run for it.
   */
  readonly missesFilesInNewFolders?: string;
}

/** The contract suite for the adapter `create` makes; `adapterModule` is its source file, for the child-process test. */
export function describeFileWatcher(
  name: string,
  create: () => FileWatcher,
  adapterModule: string,
  exportName: string,
  limits: WatcherLimits = {},
): void {
  const temp = tempProjects(`dockstage-watch-${name}-`);
  const sessions: WatchSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.close()));
  });

  /** Starts a session and records what it reports; resolves once it is ready. */
  async function watching(roots: readonly WatchRoot[]) {
    const changes: FileChange[] = [];
    const errors: WatchError[] = [];
    const session = create().watch(
      roots,
      (change) => changes.push(change),
      (error) => errors.push(error),
    );
    sessions.push(session);
    await session.ready;
    const arrived = (file: string, kind?: FileChange['kind']) =>
      waitFor(() => changes.some((c) => c.path === file && (kind === undefined || c.kind === kind)), {
        timeoutMs: 5000,
        message: `${kind ?? 'a change'} of ${file} (got ${JSON.stringify(changes.slice(-5))})`,
      });
    const pathsSeen = () => new Set(changes.map((c) => c.path));
    return { session, changes, errors, arrived, pathsSeen };
  }

  describe(`${name} (FileWatcher contract)`, () => {
    test('editing, adding and deleting files and folders deliver events with absolute paths', async () => {
      const dir = await temp({ 'src/app.js': 'v1', 'src/keep.js': 'k' });
      const { changes, arrived } = await watching([everything(dir)]);
      const app = path.join(dir, 'src', 'app.js');
      await writeFile(app, 'v2');
      await arrived(app, 'change');
      await writeFile(path.join(dir, 'src', 'new.js'), 'n');
      await arrived(path.join(dir, 'src', 'new.js'), 'add');
      await rm(app);
      await arrived(app, 'unlink');
      await mkdir(path.join(dir, 'src', 'lib'));
      await arrived(path.join(dir, 'src', 'lib'), 'addDir');
      await writeFile(path.join(dir, 'src', 'lib', 'util.js'), 'u');
      await arrived(path.join(dir, 'src', 'lib', 'util.js'), 'add');
      await rm(path.join(dir, 'src', 'lib'), { recursive: true });
      await arrived(path.join(dir, 'src', 'lib', 'util.js'), 'unlink');
      await arrived(path.join(dir, 'src', 'lib'), 'unlinkDir');
      expect(changes.every((c) => path.isAbsolute(c.path) && c.path.startsWith(dir))).toBe(true);
      expect(changes.some((c) => c.path.endsWith('keep.js'))).toBe(false);
    });

    test('files in a folder created after the start are reported, even when written right after the folder', async () => {
      const dir = await temp({ 'a.txt': 'a' });
      const { arrived } = await watching([everything(dir)]);
      await mkdir(path.join(dir, 'deep', 'er'), { recursive: true });
      await writeFile(path.join(dir, 'deep', 'er', 'x.js'), 'x');
      await arrived(path.join(dir, 'deep', 'er', 'x.js'), 'add');
    });

    test('nothing is reported for what .dockerignore excludes, and excluded folders are not descended into', async () => {
      const files: Record<string, string> = { 'src/app.js': 'a', 'debug.log': 'l' };
      for (let i = 0; i < 200; i++) files[`node_modules/pkg${i}/index.js`] = 'x';
      const dir = await temp(files);
      const { changes, arrived, session } = await watching([withDockerignore(dir, 'node_modules\n*.log\n')]);
      expect(session.watchedCount()).toBeLessThan(20);
      await writeFile(path.join(dir, 'node_modules', 'pkg1', 'index.js'), 'y');
      await mkdir(path.join(dir, 'node_modules', 'fresh'));
      await writeFile(path.join(dir, 'debug.log'), 'more');
      await writeFile(path.join(dir, 'other.log'), 'new');
      await writeFile(path.join(dir, 'src', 'app.js'), 'b');
      await arrived(path.join(dir, 'src', 'app.js'));
      expect(changes.map((c) => c.path)).toEqual(changes.map(() => path.join(dir, 'src', 'app.js')));
    });

    test('.git/, .dockstage/ and editor temp files (x.swp, x.swx, x~, .#x, 4913) report nothing', async () => {
      const dir = await temp({ '.git/HEAD': 'ref', '.dockstage/state.json': '{}', 'src/x.js': 'x' });
      const { changes, arrived } = await watching([everything(dir)]);
      await writeFile(path.join(dir, '.git', 'HEAD'), 'ref2');
      await mkdir(path.join(dir, '.git', 'objects', 'ab'), { recursive: true });
      await writeFile(path.join(dir, '.git', 'objects', 'ab', 'cd'), 'o');
      await writeFile(path.join(dir, '.dockstage', 'state.json'), '{"env":"ci"}');
      for (const name of ['.x.js.swp', 'x.js.swx', 'x.js~', '.#x.js', '4913']) await writeFile(path.join(dir, 'src', name), 't');
      await writeFile(path.join(dir, 'src', 'x.js'), 'y');
      await arrived(path.join(dir, 'src', 'x.js'));
      expect([...new Set(changes.map((c) => c.path))]).toEqual([path.join(dir, 'src', 'x.js')]);
    });

    test('a symlink to a folder outside the root is reported as a link and never followed', async () => {
      const outside = await temp({ 'big/a.js': 'a', 'big/b.js': 'b' });
      const dir = await temp({ 'src/x.js': 'x' });
      await symlink(path.join(outside, 'big'), path.join(dir, 'src', 'linked'));
      const { changes, arrived, session } = await watching([everything(dir)]);
      const before = session.watchedCount();
      await writeFile(path.join(outside, 'big', 'a.js'), 'changed');
      await writeFile(path.join(outside, 'big', 'c.js'), 'new');
      await writeFile(path.join(dir, 'src', 'x.js'), 'y');
      await arrived(path.join(dir, 'src', 'x.js'));
      expect(changes.filter((c) => c.path.includes('linked') || c.path.startsWith(outside))).toEqual([]);
      expect(session.watchedCount()).toBe(before);
    });

    test('symlink loops are survived: the watcher starts and reports changes', async () => {
      const dir = await temp({ 'src/x.js': 'x' });
      await symlink('.', path.join(dir, 'src', 'self'));
      await symlink(dir, path.join(dir, 'src', 'root'));
      await symlink('b', path.join(dir, 'a'));
      await symlink('a', path.join(dir, 'b'));
      const { arrived, errors } = await watching([everything(dir)]);
      await writeFile(path.join(dir, 'src', 'x.js'), 'y');
      await arrived(path.join(dir, 'src', 'x.js'));
      await symlink('self', path.join(dir, 'src', 'self2'));
      await arrived(path.join(dir, 'src', 'self2'), 'add');
      expect(errors).toEqual([]);
    });

    test('update() adds new roots and drops removed ones', async () => {
      const first = await temp({ 'a.js': 'a' });
      const second = await temp({ 'b.js': 'b' });
      const { session, changes, arrived } = await watching([everything(first)]);
      await session.update([everything(first), everything(second)]);
      await writeFile(path.join(second, 'b.js'), 'b2');
      await arrived(path.join(second, 'b.js'));
      await session.update([everything(second)]);
      await writeFile(path.join(first, 'a.js'), 'a2');
      await writeFile(path.join(second, 'new.js'), 'n');
      await arrived(path.join(second, 'new.js'));
      expect(changes.some((c) => c.path.startsWith(first))).toBe(false);
    });

    test('update() narrowing a root to a folder below it keeps watching that folder, and only it', async () => {
      // The old root's start (its parent) is dropped; the new start below it must not go with it.
      const dir = await temp({ 'a/src/x.js': 'x', 'a/other.js': 'o' });
      const { session, changes, arrived } = await watching([everything(path.join(dir, 'a'))]);
      await session.update([everything(path.join(dir, 'a', 'src'))]);
      await writeFile(path.join(dir, 'a', 'other.js'), 'o2');
      await writeFile(path.join(dir, 'a', 'src', 'x.js'), 'x2');
      await arrived(path.join(dir, 'a', 'src', 'x.js'), 'change');
      await writeFile(path.join(dir, 'a', 'src', 'y.js'), 'y');
      await arrived(path.join(dir, 'a', 'src', 'y.js'), 'add');
      expect(changes.some((c) => c.path.endsWith('other.js'))).toBe(false);
    });

    test('update() with new ignore rules watches what they bring back and drops what they exclude', async () => {
      const dir = await temp({ 'src/a.js': 'a', 'docs/d.md': 'd' });
      const { session, changes, arrived } = await watching([withDockerignore(dir, 'docs\n')]);
      await session.update([withDockerignore(dir, 'src\n')]);
      await writeFile(path.join(dir, 'src', 'a.js'), 'a2');
      await writeFile(path.join(dir, 'docs', 'd.md'), 'd2');
      await arrived(path.join(dir, 'docs', 'd.md'));
      expect(changes.some((c) => c.path.startsWith(path.join(dir, 'src')))).toBe(false);
    });

    test('nested and overlapping roots deliver each change once', async () => {
      const dir = await temp({ 'web/src/a.js': 'a', 'web/data/seed/users.csv': 'u', 'web/data/dump.sql': 'd' });
      const web = path.join(dir, 'web');
      // web's .dockerignore excludes data/, a bind mount brings back data/seed, and a second service shares web.
      const roots = [
        withDockerignore(web, 'data\n'),
        everything(path.join(web, 'data', 'seed')),
        withDockerignore(web, 'data\n'),
        everything(path.join(web, 'src')),
      ];
      const { changes, arrived } = await watching(roots);
      await writeFile(path.join(web, 'src', 'b.js'), 'b');
      await writeFile(path.join(web, 'data', 'dump.sql'), 'd2');
      await writeFile(path.join(web, 'data', 'seed', 'orders.csv'), 'o');
      await arrived(path.join(web, 'data', 'seed', 'orders.csv'), 'add');
      await arrived(path.join(web, 'src', 'b.js'), 'add');
      expect(
        changes
          .filter((c) => c.kind === 'add')
          .map((c) => c.path)
          .sort(),
      ).toEqual([path.join(web, 'data', 'seed', 'orders.csv'), path.join(web, 'src', 'b.js')]);
      expect(changes.some((c) => c.path.endsWith('dump.sql'))).toBe(false);
    });

    test('a single-file root (a file bind mount) reports that file only, also after it is replaced', async () => {
      const dir = await temp({ 'nginx.conf': 'a', 'other.conf': 'o' });
      const conf = path.join(dir, 'nginx.conf');
      const { changes, arrived } = await watching([everything(conf)]);
      await writeFile(path.join(dir, 'other.conf'), 'o2');
      await writeFile(conf, 'b');
      await arrived(conf, 'change');
      await rm(conf);
      await arrived(conf, 'unlink');
      await writeFile(conf, 'c');
      await arrived(conf, 'add');
      expect(changes.every((c) => c.path === conf)).toBe(true);
    });

    test('a root that does not exist yet is reported once it is created', async () => {
      const dir = await temp({ 'x.txt': 'x' });
      const later = path.join(dir, 'later');
      const { arrived, errors } = await watching([everything(later)]);
      await mkdir(later);
      await arrived(later, 'addDir');
      await writeFile(path.join(later, 'a.js'), 'a');
      await arrived(path.join(later, 'a.js'), 'add');
      expect(errors).toEqual([]);
    });

    test('a folder deleted and recreated under the same name reports its new contents', async () => {
      const dir = await temp({ 'src/lib/old.js': 'o' });
      const { arrived } = await watching([everything(dir)]);
      const lib = path.join(dir, 'src', 'lib');
      await rm(lib, { recursive: true });
      await arrived(path.join(lib, 'old.js'), 'unlink');
      await mkdir(lib);
      await writeFile(path.join(lib, 'new.js'), 'n');
      await arrived(path.join(lib, 'new.js'), 'add');
      await writeFile(path.join(lib, 'new.js'), 'n2');
      await arrived(path.join(lib, 'new.js'), 'change');
    });

    test('the root itself deleted and recreated is reported and watched again', async () => {
      const parent = await temp({ 'ctx/a.js': 'a' });
      const ctx = path.join(parent, 'ctx');
      const { arrived } = await watching([everything(ctx)]);
      await rm(ctx, { recursive: true });
      await arrived(ctx, 'unlinkDir');
      await mkdir(ctx);
      await arrived(ctx, 'addDir');
      await writeFile(path.join(ctx, 'b.js'), 'b');
      await arrived(path.join(ctx, 'b.js'), 'add');
    });

    test('after close() resolves nothing more is reported', async () => {
      const dir = await temp({ 'a.js': 'a' });
      const closing = await watching([everything(dir)]);
      const witness = await watching([everything(dir)]);
      await closing.session.close();
      await writeFile(path.join(dir, 'a.js'), 'a2');
      await witness.arrived(path.join(dir, 'a.js'));
      expect(closing.changes).toEqual([]);
      expect(closing.session.watchedCount()).toBe(0);
    });

    test('close() before the scan is done settles ready and reports nothing', async () => {
      const dir = await temp({ 'src/a.js': 'a' });
      const changes: FileChange[] = [];
      const session = create().watch(
        [everything(dir)],
        (change) => changes.push(change),
        () => {},
      );
      await session.close();
      let settled = false;
      void session.ready.then(() => (settled = true));
      await waitFor(() => settled, { timeoutMs: 5000, message: 'ready to settle after close()' });
      const witness = await watching([everything(dir)]);
      await writeFile(path.join(dir, 'src', 'a.js'), 'a2');
      await witness.arrived(path.join(dir, 'src', 'a.js'));
      expect(changes).toEqual([]);
      expect(session.watchedCount()).toBe(0);
    });

    test('update() to no roots releases every watch', async () => {
      const dir = await temp({ 'src/a.js': 'a', 'src/lib/b.js': 'b' });
      const { session } = await watching([everything(dir)]);
      expect(session.watchedCount()).toBeGreaterThanOrEqual(4);
      await session.update([]);
      expect(session.watchedCount()).toBe(0);
    });

    const storm = limits.stormMaySplitUnderLoad === undefined ? 'as ONE batch' : `without loss (${limits.stormMaySplitUnderLoad})`;
    test(`2,000 files written at once reach the coalescer ${storm}`, async () => {
      const dir = await temp({ 'gen/.keep': '' });
      const batches: string[][] = [];
      const coalescer = createCoalescer({ clock: createSystemClock(), onBatch: (paths) => batches.push(paths) });
      const session = create().watch(
        [everything(dir)],
        (change) => coalescer.add(change.path),
        () => {},
      );
      sessions.push(session);
      await session.ready;
      const expected = Array.from({ length: 2000 }, (_, i) => path.join(dir, 'gen', `file-${String(i).padStart(4, '0')}.ts`));
      // Back to back, as git checkout writes: the kernel queues the events (about 4,000, under inotify's 16,384)
      // and the watcher takes them when the loop ends, so a writer paused by a busy machine cannot split the storm.
      for (const file of expected) writeFileSync(file, 'export const n = 1;\n');
      await waitFor(() => batches.flat().length >= 2000, {
        timeoutMs: 20_000,
        message: `2,000 paths in batches (got ${batches.map((b) => b.length)})`,
      });
      coalescer.dispose();
      if (limits.stormMaySplitUnderLoad === undefined) expect(batches.map((b) => b.length)).toEqual([2000]);
      expect(batches.flat().sort()).toEqual(expected);
    });

    test.skipIf(limits.missesFilesInNewFolders !== undefined)(
      `storms into folders created as they start, written by another process, lose no file to a stale listing${limits.missesFilesInNewFolders === undefined ? '' : ` (not for ${name}: ${limits.missesFilesInNewFolders})`}`,
      async () => {
        // The folder is listed while its files are being written and their events handled: a listing older than those
        // events must not turn files that exist into deletions (the coalescer then drops them as "came and went").
        // Three storms, since whether the listing lags behind the events depends on the scheduler (the races test holds it
        // back every time).
        const dir = await temp({ 'a.txt': 'a' });
        const batches: string[][] = [];
        const reported = new Set<string>();
        const coalescer = createCoalescer({ clock: createSystemClock(), onBatch: (paths) => batches.push(paths) });
        const session = create().watch(
          [everything(dir)],
          (change) => {
            reported.add(change.path);
            coalescer.add(change.path, change.kind);
          },
          () => {},
        );
        sessions.push(session);
        await session.ready;
        const expected: string[] = [];
        for (const folder of ['one', 'two', 'three']) {
          await run(process.execPath, ['--input-type=module', '-e', STORM_WRITER, path.join(dir, folder), '700']);
          expected.push(...Array.from({ length: 700 }, (_, i) => path.join(dir, folder, `g${i}.js`)));
        }
        // Every file reported (a loaded machine gives chokidar, with a watch per file, most of a minute), then the batch
        // closed at once rather than after the storm's quiet time.
        await waitFor(() => expected.every((file) => reported.has(file)), {
          timeoutMs: 60_000,
          message: `${expected.length} files reported (got ${expected.filter((file) => reported.has(file)).length})`,
        });
        coalescer.flush();
        coalescer.dispose();
        const files = new Set(batches.flat().filter((p) => p.endsWith('.js')));
        expect(expected.filter((file) => !files.has(file))).toEqual([]);
      },
    );

    test("sed -i through the coalescer: the batch holds the edited file, not sed's temp file that came and went", async () => {
      const dir = await temp({ 'src/app.js': 'const v = 1;\n' });
      const batches: string[][] = [];
      const coalescer = createCoalescer({ clock: createSystemClock(), onBatch: (paths) => batches.push(paths) });
      const session = create().watch(
        [everything(dir)],
        (change) => coalescer.add(change.path, change.kind),
        () => {},
      );
      sessions.push(session);
      await session.ready;
      const app = path.join(dir, 'src', 'app.js');
      for (let round = 2; round <= 4; round++) {
        await run('sed', ['-i', `s/v = ${round - 1}/v = ${round}/`, app]);
        await waitFor(() => batches.flat().filter((p) => p === app).length >= round - 1, {
          timeoutMs: 5000,
          message: `edit ${round - 1} of ${app} in a batch (got ${JSON.stringify(batches)})`,
        });
      }
      // Nothing more arrives later: a watched write after the edits comes in its own batch, and no batch names sed's file.
      const marker = path.join(dir, 'marker.txt');
      await writeFile(marker, 'm');
      await waitFor(() => batches.flat().includes(marker), { timeoutMs: 5000, message: 'the marker in a batch' });
      coalescer.dispose();
      expect(batches.flat().filter((p) => p !== app && p !== marker)).toEqual([]);
    });

    test('an unreadable folder or file is an error naming it, and watching goes on', async () => {
      const dir = await temp({ 'src/a.js': 'a', 'secret/key.pem': 'k', 'locked.txt': 'l' });
      await chmod(dir, 0o755);
      for (const sub of ['src', 'secret']) await chmod(path.join(dir, sub), 0o755);
      await chmod(path.join(dir, 'secret'), 0o700);
      await chmod(path.join(dir, 'locked.txt'), 0o600);
      await chmod(path.join(dir, 'src', 'a.js'), 0o666);
      // Root reads everything, so the watcher runs in a child process as `nobody`.
      const child = await startWatchChild(adapterModule, exportName, dir);
      try {
        await child.nextLine((line) => line.ready === true);
        const aJs = path.join(dir, 'src', 'a.js');
        await writeFile(aJs, 'a2');
        await child.nextLine((line) => line.change?.path === aJs);
        const errorPaths = child.lines.flatMap((line) => (line.error === undefined ? [] : [line.error.path]));
        expect(errorPaths.sort()).toEqual([path.join(dir, 'locked.txt'), path.join(dir, 'secret')]);
        expect(child.lines.find((line) => line.error !== undefined)?.error?.code).toBe('EACCES');
      } finally {
        child.stop();
      }
    });

    test('a root whose parent folder this user may not list is still watched', async () => {
      const outer = await temp({ 'ctx/a.js': 'a' });
      await chmod(outer, 0o711);
      await chmod(path.join(outer, 'ctx'), 0o777);
      await chmod(path.join(outer, 'ctx', 'a.js'), 0o666);
      const ctx = path.join(outer, 'ctx');
      const child = await startWatchChild(adapterModule, exportName, ctx);
      try {
        await child.nextLine((line) => line.ready === true);
        await writeFile(path.join(ctx, 'a.js'), 'a2');
        await child.nextLine((line) => line.change?.path === path.join(ctx, 'a.js'));
        expect(child.lines.filter((line) => line.error !== undefined)).toEqual([]);
      } finally {
        child.stop();
      }
    });
  });
}

interface ChildLine {
  ready?: boolean;
  change?: FileChange;
  error?: WatchError;
}

/** Runs test/integration/watch/watch-child.ts as `nobody` when this process is root, reading its JSON lines. */
async function startWatchChild(adapterModule: string, exportName: string, dir: string) {
  const script = path.join(import.meta.dirname, 'watch-child.ts');
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawn(process.execPath, ['--import', 'tsx', script, adapterModule, exportName, dir], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: '/tmp' },
    ...asNobody,
  });
  const lines: ChildLine[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as ChildLine);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    lines,
    nextLine: (matches: (line: ChildLine) => boolean) =>
      waitFor(() => lines.find(matches), {
        timeoutMs: 15_000,
        message: `a line from the watcher child (stderr: ${stderr}; lines: ${JSON.stringify(lines)})`,
      }),
    stop: () => child.kill(),
  };
}

/** Creates the folder argv[1], then writes argv[2] files into it at once, as a code generator does. */
const STORM_WRITER = `import { mkdir, writeFile } from 'node:fs/promises';
const [dir, count] = process.argv.slice(1);
await mkdir(dir, { recursive: true });
await Promise.all(Array.from({ length: Number(count) }, (_, i) => writeFile(dir + '/g' + i + '.js', 'module.exports = ' + i + ';')));`;

/** Runs a command to its end (argument array, no shell); rejects on a non-zero exit. */
function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}
