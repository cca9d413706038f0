/**
 * Symlinks and directories as BuildKit (v0.8 here) reads them, on the real engine: each case builds with
 * `dockstage build --force` before and after one edit, and the image ID BuildKit gives must change exactly when
 * dockstage says so, both in `plan --changed PATH` (the path the user names) and in `plan` (the inputs-hash label of
 * the image built before, against the sources now). Found by building before and after (issue 17):
 *   COPY link.txt /x, link.txt → data/real.txt: editing data/real.txt changes the image (the link is followed);
 *   COPY lnk/real.txt /x, lnk → data: likewise (a link on the way is followed);
 *   COPY dir /d, dir/l → ../data/real.txt: it does not (a link inside a copied directory is copied as a link);
 *   COPY docs /d/ with `**\/b` ignored: adding docs/new/b changes the image (the directory docs/new is sent).
 */
import { execFile } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { removeProject } from '../../support/compose-project.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects, writeFiles } from '../../support/temp-project.js';

const run = promisify(execFile);
const PREFIX = `dslinks-${process.pid}-${Date.now().toString(36)}`;
const temp = tempProjects('dockstage-links-');
const made: Array<[string, string]> = [];

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  /** Symlinks to make: path → target. */
  readonly links: Record<string, string>;
  readonly edit: (dir: string) => Promise<void>;
  /** What the user passes to `plan --changed`, relative to the project directory. */
  readonly changed: string;
  readonly imageChanges: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'a copied link: editing the file it points to',
    files: { 'app/Dockerfile': 'FROM busybox\nCOPY link.txt /x\n', 'app/data/real.txt': 'one\n' },
    links: { 'app/link.txt': 'data/real.txt' },
    edit: (dir) => writeFile(path.join(dir, 'app/data/real.txt'), 'two\n'),
    changed: 'app/data/real.txt',
    imageChanges: true,
  },
  {
    name: 'a link on the way to a source: editing the file below its target',
    files: { 'app/Dockerfile': 'FROM busybox\nCOPY lnk/real.txt /x\n', 'app/data/real.txt': 'one\n' },
    links: { 'app/lnk': 'data' },
    edit: (dir) => writeFile(path.join(dir, 'app/data/real.txt'), 'two\n'),
    changed: 'app/data/real.txt',
    imageChanges: true,
  },
  {
    name: 'a link inside a copied directory: editing its target',
    files: { 'app/Dockerfile': 'FROM busybox\nCOPY dir /d\n', 'app/dir/keep.txt': 'k\n', 'app/data/real.txt': 'one\n' },
    links: { 'app/dir/l': '../data/real.txt' },
    edit: (dir) => writeFile(path.join(dir, 'app/data/real.txt'), 'two\n'),
    changed: 'app/data/real.txt',
    imageChanges: false,
  },
  {
    name: 'a new directory holding only an ignored file',
    files: { 'app/Dockerfile': 'FROM busybox\nCOPY docs /d/\n', 'app/.dockerignore': '**/b\n', 'app/docs/a.md': 'a\n' },
    links: {},
    edit: (dir) => writeFiles(dir, { 'app/docs/new/b': 'ignored\n' }),
    changed: 'app/docs/new/b',
    imageChanges: true,
  },
];

async function imageId(tag: string): Promise<string> {
  return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag])).stdout.trim();
}

async function action(project: string, dir: string, args: string[]): Promise<string> {
  const result = await runCli(['-p', project, 'plan', ...args, '--json'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { services: Array<{ action: string }> }).services[0]!.action;
}

describeWithEngine('symlinks and directories against BuildKit', () => {
  afterAll(async () => {
    await Promise.all(made.map(([project, dir]) => removeProject(project, dir)));
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))(
    '%s',
    async (_name, c, i) => {
      const project = `${PREFIX}-${i}`;
      const dir = await temp({ 'compose.yaml': 'services:\n  app:\n    build: app\n', ...c.files });
      made.push([project, dir]);
      for (const [link, target] of Object.entries(c.links)) await symlink(target, path.join(dir, link));
      const tag = `${project}-app:dockstage-dev`;
      const first = await runCli(['-p', project, 'build'], { cwd: dir });
      expect(first.code, first.stderr).toBe(0);
      const before = await imageId(tag);

      await c.edit(dir);
      const expected = c.imageChanges ? 'rebuild' : 'none';
      expect(await action(project, dir, ['--changed', c.changed]), 'plan --changed').toBe(expected);
      expect(await action(project, dir, []), 'plan (inputs hash against the label)').toBe(expected);

      const second = await runCli(['-p', project, 'build', '--force'], { cwd: dir });
      expect(second.code, second.stderr).toBe(0);
      expect((await imageId(tag)) !== before, 'BuildKit changed the image').toBe(c.imageChanges);
    },
    60_000,
  );
});
