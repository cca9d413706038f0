/**
 * A generated check of dockstage's input analysis against BuildKit itself: a
 * small random build context (files, directories, symlinks on and inside COPY
 * sources, ignored files) is built, edited at random (edit, add and remove
 * files and directories, create and retarget links, chmod), and built again.
 * After each edit, BuildKit's verdict (did the image ID change?) is held
 * against dockstage's two: the plan for the changed paths (as the watcher
 * reports them: files and directories created, removed or changed) and the
 * inputs hash. The image changes exactly when the hash does, and never
 * without the plan saying `rebuild`. The plan may say `rebuild` for an image
 * that stays the same when only a link on a source's way changed (it cannot
 * read the disk to see that the new target holds the same): such a build
 * starts with the up-to-date check, finds the hash unchanged and reuses the
 * image, so these are counted, not failed. Used by
 * test/integration/engine/random-inputs.test.ts (a few edits) and
 * bench/random-inputs.ts (as many as asked).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNodeFileSystem } from '../../src/adapters/local/node-fs.js';
import { planForChanges } from '../../src/core/state/plan.js';
import { currentInputsHash } from '../../src/operations/context-files.js';
import { withLinksFromDisk } from '../../src/operations/context-links.js';
import { dockerfile, project } from '../../test/support/builders.js';

/**
 * The Dockerfiles a generated context is built with, one per seed in turn: links copied (to a file, to a folder),
 * links on the way, directories, wildcards that match links. Not a wildcard below a link (`COPY lnk/*.txt`): BuildKit
 * v0.8 computes that cache key without following the link, so the image keeps whatever an earlier build with the same
 * key copied (README, "Symlinks"); dockstage rebuilds there, and BuildKit answers from its cache.
 */
export const RANDOM_DOCKERFILES = [
  dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY lnk/real.txt /y', 'COPY src /s/', 'COPY docs /d/', 'COPY *.txt /t/'),
  dockerfile('FROM busybox', 'COPY lnk /w/', 'COPY data /dd/', 'COPY l*.txt /t/', 'COPY src/lib /l/'),
];
export const RANDOM_DOCKERIGNORE = '**/b\n*.log\nign\n';

/** One edit and the three verdicts on it. */
export interface RandomStep {
  readonly step: number;
  /** What was done, in words (`add docs/new/b`). */
  readonly edit: string;
  /** Context-relative paths that differ before and after, as the watcher would report them. */
  readonly changed: readonly string[];
  /** BuildKit's image ID before and after (`failed: …` when the build failed). */
  readonly before: string;
  readonly after: string;
  readonly planRebuild: boolean;
  readonly hashChanged: boolean;
}

/** The whole run: every step, and those where a verdict differs from BuildKit's. */
export interface RandomRun {
  readonly seed: number;
  readonly steps: readonly RandomStep[];
  readonly mismatches: readonly { readonly step: RandomStep; readonly problem: string }[];
  /** Steps where both builds failed (a dangling link BuildKit cannot copy): nothing to compare. */
  readonly bothFailed: number;
  /** Steps where the plan said rebuild, the image stayed and so did the hash (the up-to-date check reuses the image). */
  readonly planOnly: number;
  readonly imagesChanged: number;
}

/** Runs `steps` random edits from `seed`; `tag` names the images it builds (removed at the end). */
export async function randomInputsCheck(options: {
  seed: number;
  steps: number;
  tag: string;
  log?: (line: string) => void;
}): Promise<RandomRun> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-random-'));
  const fs = createNodeFileSystem();
  const steps: RandomStep[] = [];
  const mismatches: Array<{ step: RandomStep; problem: string }> = [];
  const tags: string[] = [];
  let counter = 0;
  const content = () => `content ${options.seed} ${counter++}\n`;
  let bothFailed = 0;
  let imagesChanged = 0;
  let planOnly = 0;
  const text = RANDOM_DOCKERFILES[options.seed % RANDOM_DOCKERFILES.length]!;
  try {
    await writeTree(dir, {
      Dockerfile: text,
      '.dockerignore': RANDOM_DOCKERIGNORE,
      'data/real.txt': content(),
      'data/other.txt': content(),
      'data/sub/deep.txt': content(),
      'src/app.js': content(),
      'src/lib/util.js': content(),
      'docs/a.md': content(),
      'top.txt': content(),
    });
    await symlink('data/real.txt', path.join(dir, 'link.txt'));
    await symlink('data', path.join(dir, 'lnk'));
    await symlink('../data/other.txt', path.join(dir, 'src', 'inner'));

    const verdicts = async () => {
      const workspace = await withLinksFromDisk(
        fs,
        project('random', dir)
          .service('app', { build: { context: dir } })
          .file(path.join(dir, 'Dockerfile'), text)
          .file(path.join(dir, '.dockerignore'), RANDOM_DOCKERIGNORE)
          .workspace('dev'),
      );
      return { workspace, hash: (await currentInputsHash(fs, workspace.services[0]!.build!)).hash };
    };
    const build = async (step: number) => {
      const tag = `dockstage-random-${options.tag}:${step}`;
      tags.push(tag);
      return await buildImage(dir, tag);
    };

    let image = await build(0);
    let before = await snapshot(dir);
    let hash = (await verdicts()).hash;
    for (let step = 1; step <= options.steps; step++) {
      // After an edit that broke the build (a source gone, a link dangling), the next one brings the sources back.
      const edit = image.startsWith('failed') ? await repair(dir, content) : await randomEdit(dir, before, pick, random, content);
      const after = await snapshot(dir);
      const changed = diff(before, after);
      const now = await verdicts();
      const plan = planForChanges(
        now.workspace,
        changed.map((p) => path.join(dir, p)),
      );
      const nextImage = await build(step);
      const record: RandomStep = {
        step,
        edit,
        changed,
        before: image,
        after: nextImage,
        planRebuild: plan.services[0]!.action === 'rebuild',
        hashChanged: now.hash !== hash,
      };
      steps.push(record);
      const failed = (id: string) => id.startsWith('failed');
      if (failed(image) && failed(nextImage)) {
        bothFailed++;
      } else {
        const imageChanged = image !== nextImage;
        if (imageChanged) imagesChanged++;
        if (imageChanged && !record.planRebuild)
          mismatches.push({ step: record, problem: 'BuildKit changed the image, the plan says none' });
        if (!imageChanged && record.planRebuild && !record.hashChanged) planOnly++;
        if (record.hashChanged !== imageChanged)
          mismatches.push({
            step: record,
            problem: `BuildKit ${imageChanged ? 'changed' : 'kept'} the image, the inputs hash ${record.hashChanged ? 'changed' : 'did not'}`,
          });
      }
      const short = (id: string) => (id.startsWith('sha256:') ? id.slice(7, 19) : id);
      options.log?.(
        `seed ${options.seed} step ${step}: ${edit} → [${changed.join(', ')}] image ${short(image)} → ${short(nextImage)}, plan ${record.planRebuild ? 'rebuild' : 'none'}, hash ${record.hashChanged ? 'changed' : 'same'}`,
      );
      image = nextImage;
      before = after;
      hash = now.hash;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (tags.length > 0) await run('docker', ['image', 'rm', '--force', ...tags]).catch(() => undefined);
  }
  return { seed: options.seed, steps, mismatches, bothFailed, imagesChanged, planOnly };
}

/** What is at each context path: `dir`, `link:<target>` or `file:<mode>:<sha256>` (Dockerfile and ignore file left out). */
type Snapshot = ReadonlyMap<string, string>;

async function snapshot(dir: string): Promise<Snapshot> {
  const entries = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, relative))).sort()) {
      const child = relative === '' ? name : `${relative}/${name}`;
      if (child === 'Dockerfile' || child === '.dockerignore') continue;
      const info = await lstat(path.join(dir, child));
      if (info.isSymbolicLink()) entries.set(child, `link:${await readlink(path.join(dir, child))}`);
      else if (info.isDirectory()) {
        entries.set(child, 'dir');
        await walk(child);
      } else
        entries.set(
          child,
          `file:${(info.mode & 0o777).toString(8)}:${createHash('sha256')
            .update(await readFile(path.join(dir, child)))
            .digest('hex')}`,
        );
    }
  };
  await walk('');
  return entries;
}

/** The paths whose entry differs (created, removed, changed), sorted: what the watcher reports for the edit. */
function diff(before: Snapshot, after: Snapshot): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

const DIRS = ['', 'data', 'data/sub', 'src', 'src/lib', 'docs', 'docs/new', 'ign', 'other'];
const NAMES = ['a.txt', 'b', 'c.js', 'x.log', 'n.md', 'real.txt'];
const LINK_NAMES = ['link.txt', 'lnk', 'src/inner', 'l2.txt', 'docs/ln', 'src/lib/ln'];
const LINK_TARGETS = [
  'data/real.txt',
  'data/other.txt',
  'data',
  'data/sub',
  'src/app.js',
  'docs',
  'missing.txt',
  '/data/sub/deep.txt',
  '../../top.txt',
];

/** One random edit of the context; returns it in words. */
async function randomEdit(
  dir: string,
  now: Snapshot,
  pick: <T>(items: readonly T[]) => T,
  random: () => number,
  content: () => string,
): Promise<string> {
  const files = [...now].filter(([, kind]) => kind.startsWith('file:')).map(([p]) => p);
  const dirs = [...now].filter(([, kind]) => kind === 'dir').map(([p]) => p);
  const links = [...now].filter(([, kind]) => kind.startsWith('link:')).map(([p]) => p);
  const at = (relative: string) => path.join(dir, relative);
  const kind = pick(['edit', 'edit', 'add', 'add', 'remove', 'mkdir', 'rmdir', 'link', 'link', 'unlink', 'chmod']);
  switch (kind) {
    case 'edit':
      if (files.length === 0) break;
      return (async (file) => (await writeFile(at(file), content()), `edit ${file}`))(pick(files));
    case 'add': {
      const file = `${pick(DIRS)}/${pick(NAMES)}`.replace(/^\//, '');
      if (now.has(file) || [...now.keys()].some((p) => file.startsWith(`${p}/`) && now.get(p) !== 'dir')) break;
      await mkdir(path.dirname(at(file)), { recursive: true });
      await writeFile(at(file), content());
      return `add ${file}`;
    }
    case 'remove':
      if (files.length === 0) break;
      return (async (file) => (await rm(at(file)), `remove ${file}`))(pick(files));
    case 'mkdir': {
      const made = `${pick(DIRS)}/d${Math.floor(random() * 3)}`.replace(/^\//, '');
      if (now.has(made) || [...now.keys()].some((p) => made.startsWith(`${p}/`) && now.get(p) !== 'dir')) break;
      await mkdir(at(made), { recursive: true });
      return `mkdir ${made}`;
    }
    case 'rmdir':
      if (dirs.length === 0) break;
      return (async (gone) => (await rm(at(gone), { recursive: true }), `rm -r ${gone}`))(pick(dirs));
    case 'link': {
      const name = pick(LINK_NAMES);
      if (now.has(name) && !now.get(name)!.startsWith('link:')) break;
      if (
        [...now.keys()].some((p) => name.startsWith(`${p}/`) && now.get(p) !== 'dir') ||
        (!now.has(path.dirname(name)) && path.dirname(name) !== '.')
      )
        break;
      const target = relativeTarget(name, pick(LINK_TARGETS));
      await rm(at(name), { force: true });
      await symlink(target, at(name));
      return `ln -sfn ${target} ${name}`;
    }
    case 'unlink':
      if (links.length === 0) break;
      return (async (link) => (await rm(at(link)), `remove link ${link}`))(pick(links));
    case 'chmod':
      if (files.length === 0) break;
      return (async (file) => {
        const mode = now.get(file)!.split(':')[1] === '755' ? 0o644 : 0o755;
        await chmod(at(file), mode);
        return `chmod ${mode.toString(8)} ${file}`;
      })(pick(files));
  }
  // The edit picked made no sense here (nothing to remove, a file in the way): edit a file instead.
  const file = files.length > 0 ? pick(files) : 'top.txt';
  await writeFile(at(file), content());
  return `edit ${file}`;
}

/** Puts back what the Dockerfiles copy by name: the folders, `data/real.txt`, and the links `link.txt` and `lnk` to it. */
async function repair(dir: string, content: () => string): Promise<string> {
  const done: string[] = [];
  const at = (relative: string) => path.join(dir, relative);
  const kind = async (relative: string) =>
    lstat(at(relative)).then(
      (info) => (info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file'),
      () => undefined,
    );
  for (const copied of ['data', 'src', 'src/lib', 'docs']) {
    if ((await kind(copied)) === 'dir') continue;
    await rm(at(copied), { recursive: true, force: true });
    await mkdir(at(copied), { recursive: true });
    done.push(`mkdir ${copied}`);
  }
  if ((await kind('data/real.txt')) !== 'file') {
    await rm(at('data/real.txt'), { recursive: true, force: true });
    await writeFile(at('data/real.txt'), content());
    done.push('write data/real.txt');
  }
  for (const [link, target] of [
    ['link.txt', 'data/real.txt'],
    ['lnk', 'data'],
  ] as const) {
    if ((await kind(link)) === 'link' && (await readlink(at(link))) === target) continue;
    await rm(at(link), { recursive: true, force: true });
    await symlink(target, at(link));
    done.push(`ln -sfn ${target} ${link}`);
  }
  // `COPY *.txt /t/` follows every link it matches: one that leads nowhere (or out of reach of this check) goes.
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.txt') || name === 'link.txt' || (await kind(name)) !== 'link') continue;
    const target = await readlink(at(name));
    if (
      !target.startsWith('/') &&
      !target.startsWith('..') &&
      (await stat(at(name)).then(
        () => true,
        () => false,
      ))
    )
      continue;
    await rm(at(name));
    done.push(`remove link ${name}`);
  }
  return `repair: ${done.join(', ') || 'nothing'}`;
}

/** A link target as a user writes it: absolute and `..`-escaping ones kept, context paths made relative to the link's folder. */
function relativeTarget(link: string, target: string): string {
  if (target.startsWith('/') || target.startsWith('..')) return target;
  return path.posix.relative(path.posix.dirname(link), target) || '.';
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}

/** Builds the context with buildx (as dockstage does) and returns the image ID, or `failed: <last line>`. */
async function buildImage(dir: string, tag: string): Promise<string> {
  const iid = path.join(os.tmpdir(), `dockstage-random-${process.pid}-${tag.replace(/[^a-z0-9]/gi, '-')}.iid`);
  try {
    await run('docker', ['buildx', 'build', '--load', '--quiet', '--iidfile', iid, '-t', tag, dir]);
    return (await readFile(iid, 'utf8')).trim();
  } catch (error) {
    const lines = (error as Error).message
      .trim()
      .split('\n')
      .filter((line) => line.includes('ERROR'));
    return `failed: ${lines[lines.length - 1] ?? 'the build failed'}`;
  } finally {
    await rm(iid, { force: true });
  }
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`${stderr}`)),
    );
  });
}

/** A small seeded generator (mulberry32): the same seed makes the same edits. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
