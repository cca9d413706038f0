/**
 * `dockstage watch` with symlinks on COPY sources, a new directory holding only ignored files, and `sed -i`, end to
 * end: the real CLI process, the real folder watcher on a temp project, the real engine. Each change must come out as
 * a `plan` that rebuilds (or not) as BuildKit would (test/integration/engine/symlink-inputs.test.ts checks BuildKit).
 */
import { execFile } from 'node:child_process';
import { rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeProject } from '../../support/compose-project.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects, writeFiles } from '../../support/temp-project.js';
import { startWatch, type WatchLine, type WatchProcess } from '../../support/watch-process.js';

const run = promisify(execFile);
const PROJECT = `dstlinks-${process.pid}-${Date.now().toString(36)}`;
const temp = tempProjects('dockstage-watch-links-');
let dir = '';
let watch: WatchProcess | undefined;

/** The plan the batch holding `file` led to: the `plan` line after the first `change` line (from `from`) naming it. */
async function actOn(file: string, from: number): Promise<WatchLine> {
  const change = await watch!.next((line) => line.type === 'change' && (line['paths'] as string[]).includes(file), {
    from,
    message: `a change naming ${file}`,
  });
  return await watch!.next((line) => line.type === 'plan', { from: watch!.lines.indexOf(change) + 1, message: `the plan for ${file}` });
}

const rebuilds = (plan: WatchLine) =>
  (plan['services'] as Array<{ name: string; action: string }>).some((s) => s.name === 'app' && s.action === 'rebuild');

describeWithEngine('watch with symlinks and ignored-only directories', () => {
  beforeAll(async () => {
    dir = await temp({
      'compose.yaml': 'services:\n  app:\n    build: app\n    init: true\n    command: ["sh", "-c", "sleep 3600"]\n',
      'app/Dockerfile': 'FROM busybox\nCOPY link.txt /x\nCOPY docs /d/\nCOPY dir /e/\n',
      'app/.dockerignore': '**/b\n',
      'app/data/real.txt': 'one\n',
      'app/data/other.txt': 'other\n',
      'app/docs/a.md': 'a\n',
      'app/dir/keep.txt': 'k\n',
    });
    await symlink('data/real.txt', path.join(dir, 'app/link.txt'));
    await symlink('../data/other.txt', path.join(dir, 'app/dir/l'));
    watch = startWatch(['-p', PROJECT], { cwd: dir, watchArgs: ['--no-sync'] });
    await watch.next((line) => line.type === 'watching', { timeoutMs: 120_000 });
    await watch.next((line) => line.type === 'up', { timeoutMs: 120_000, message: 'the project up' });
  }, 180_000);

  afterAll(async () => {
    await watch?.stop();
    await removeProject(PROJECT, dir);
  });

  test('editing the file a copied link points to rebuilds; editing what a link inside a copied directory points to does not', async () => {
    let from = watch!.lines.length;
    await writeFile(path.join(dir, 'app/data/real.txt'), 'two\n');
    expect(rebuilds(await actOn('app/data/real.txt', from))).toBe(true);
    from = watch!.lines.length;
    await writeFile(path.join(dir, 'app/data/other.txt'), 'changed\n');
    expect(rebuilds(await actOn('app/data/other.txt', from))).toBe(false);
  }, 60_000);

  test('after the link is pointed elsewhere, editing its new target rebuilds and the old one does not', async () => {
    let from = watch!.lines.length;
    await rm(path.join(dir, 'app/link.txt'));
    await symlink('data/other.txt', path.join(dir, 'app/link.txt'));
    expect(rebuilds(await actOn('app/link.txt', from))).toBe(true);
    from = watch!.lines.length;
    await writeFile(path.join(dir, 'app/data/real.txt'), 'three\n');
    expect(rebuilds(await actOn('app/data/real.txt', from))).toBe(false);
    from = watch!.lines.length;
    await writeFile(path.join(dir, 'app/data/other.txt'), 'again\n');
    expect(rebuilds(await actOn('app/data/other.txt', from))).toBe(true);
  }, 60_000);

  test('a new directory that holds only an ignored file rebuilds (the batch names the directory)', async () => {
    const from = watch!.lines.length;
    await writeFiles(dir, { 'app/docs/new/b': 'ignored\n' });
    const plan = await actOn('app/docs/new', from);
    expect(rebuilds(plan)).toBe(true);
  }, 60_000);

  test("sed -i on a copied file: the change names the file, never sed's temp file", async () => {
    const from = watch!.lines.length;
    await run('sed', ['-i', 's/a/sed/', path.join(dir, 'app/docs/a.md')]);
    expect(rebuilds(await actOn('app/docs/a.md', from))).toBe(true);
    const marker = path.join(dir, 'app/docs/marker.md');
    await writeFile(marker, 'm\n');
    await actOn('app/docs/marker.md', from);
    const named = watch!.lines
      .slice(from)
      .filter((line) => line.type === 'change')
      .flatMap((line) => line['paths'] as string[]);
    expect(named.filter((p) => /\/sed[A-Za-z0-9]{6}$/.test(p))).toEqual([]);
  }, 60_000);
});
