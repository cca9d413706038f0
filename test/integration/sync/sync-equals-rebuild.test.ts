/**
 * The live-sync contract (issue #9): after a sync, the synced destinations in
 * the running container are byte-, mode- and owner-identical to the same
 * paths in the image rebuilt from the edited context. For each row: build the
 * image, run it, edit the context on the host, decide, apply the decision
 * with the real applier, rebuild, and compare both sides path by path
 * (type, permission bits, uid, gid, size, sha256). Rows that must not sync
 * check the rebuild reason instead. Keep this test: it is the contract.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { resolveDockerEndpoint } from '../../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeFiles } from '../../../src/adapters/docker/dockerode-files.js';
import { createNodeFileSystem } from '../../../src/adapters/local/node-fs.js';
import { decideSync, type BaseImageConfig, type ContextChange, type SyncDecision } from '../../../src/core/sync/decide-sync.js';
import type { BuildModel } from '../../../src/core/workspace.js';
import { applySync } from '../../../src/operations/apply-sync.js';
import { filesReadByBuild } from '../../../src/operations/context-files.js';
import { dockerfile, project } from '../../support/builders.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const RUN = `dst-sync-${randomBytes(3).toString('hex')}`;
const fs = createNodeFileSystem();
const newContext = tempProjects('dockstage-sync-');
const images: string[] = [];
const containers: string[] = [];

function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

async function build(dir: string, tag: string): Promise<void> {
  images.push(tag);
  await docker(['buildx', 'build', '--load', '--progress=quiet', '-t', tag, dir]);
}

/** One line per path: what is there, its permission bits, owner, size and sha256 (files), or `missing`. */
const DESCRIBE = `for p; do
  if [ -L "$p" ]; then echo "$p symlink $(readlink "$p")"
  elif [ -f "$p" ]; then echo "$p file $(stat -c '%a %u:%g %s' "$p") $(sha256sum < "$p" | cut -c1-64)"
  elif [ -d "$p" ]; then echo "$p directory $(stat -c '%a %u:%g' "$p")"
  else echo "$p missing"; fi
done`;

let baseImage: Promise<BaseImageConfig> | undefined;
function busyboxConfig(): Promise<BaseImageConfig> {
  baseImage ??= docker(['image', 'inspect', 'busybox:latest', '--format', '{{json .Config}}']).then((json) => {
    const config = JSON.parse(json) as { WorkingDir?: string; Env?: string[] | null };
    const env = Object.fromEntries(
      (config.Env ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
    return { workingDir: config.WorkingDir ?? '', env };
  });
  return baseImage;
}

/** Whether this engine's Dockerfile frontend knows a COPY flag (`--parents` and `--exclude` need dockerfile 1.7+). */
const flagSupport = new Map<string, Promise<boolean>>();
function engineSupports(flag: string): Promise<boolean> {
  const known =
    flagSupport.get(flag) ??
    (async () => {
      const dir = await newContext({ Dockerfile: dockerfile('FROM busybox:latest', `COPY ${flag} a /a`), a: 'a' });
      const tag = `${RUN}-probe-${flag.replace(/\W/g, '')}:x`;
      try {
        await build(dir, tag);
        return true;
      } catch {
        return false;
      }
    })();
  flagSupport.set(flag, known);
  return known;
}

function workspaceBuild(dir: string, text: string, ignore: string | undefined): BuildModel {
  let builder = project('sync', dir)
    .service('app', { build: { context: dir } })
    .file(path.join(dir, 'Dockerfile'), text);
  if (ignore !== undefined) builder = builder.file(path.join(dir, '.dockerignore'), ignore);
  return builder.workspace('dev').services[0]!.build!;
}

async function decide(dir: string, text: string, ignore: string | undefined, changes: readonly ContextChange[]): Promise<SyncDecision> {
  const build = workspaceBuild(dir, text, ignore);
  const contextFiles = (await filesReadByBuild(fs, build)).find((c) => c.context === '.')?.files ?? [];
  return decideSync({ build, bindMounts: [], changes, contextFiles, baseImage: await busyboxConfig() });
}

interface Edit {
  /** Context-relative files to write (created with their folders). */
  readonly write?: Record<string, string>;
  /** Context-relative files or folders to delete. */
  readonly remove?: readonly string[];
  /** Folders to create first, with their mode. */
  readonly mkdir?: Record<string, number>;
}

interface SyncRow {
  readonly name: string;
  readonly dockerfile: readonly string[];
  readonly files: Record<string, string>;
  readonly modes?: Record<string, number>;
  readonly ignore?: string;
  readonly edit: Edit;
  /** Report changed files only, not the folders created for them (the folders then come from the decision's `directories`). */
  readonly filesOnly?: boolean;
  /** Changed paths the watcher would also report (files inside a deleted folder). */
  readonly alsoChanged?: Record<string, ContextChange['kind']>;
  /** The COPY flag the row needs from the engine's Dockerfile frontend. */
  readonly needs?: string;
  /** A container path whose file is edited in place: its inode must not change. */
  readonly sameInode?: string;
  /** Container paths that must be missing on both sides. */
  readonly absent?: readonly string[];
  /** Destinations the decision must contain. */
  readonly synced: readonly string[];
}

const SRC = { 'src/index.js': 'console.log("v1");\n', 'src/util.js': 'export const u = 1;\n' };

const ROWS: readonly SyncRow[] = [
  {
    name: 'a file edit in a WORKDIR-relative directory copy, written in place',
    dockerfile: ['FROM busybox:latest', 'WORKDIR /app', 'COPY src/ ./src/'],
    files: SRC,
    edit: { write: { 'src/index.js': 'console.log("v2, longer than before");\n' } },
    sameInode: '/app/src/index.js',
    synced: ['/app/src/index.js'],
  },
  {
    name: 'a new file in new nested folders, which get the host folders’ modes',
    dockerfile: ['FROM busybox:latest', 'WORKDIR /app', 'COPY src/ ./src/'],
    files: SRC,
    edit: { mkdir: { 'src/lib': 0o755, 'src/lib/deep': 0o750 }, write: { 'src/lib/deep/new.js': 'export const n = 1;\n' } },
    filesOnly: true,
    synced: ['/app/src/lib/deep/new.js'],
  },
  {
    name: 'a deleted file and a deleted folder of a directory copy',
    dockerfile: ['FROM busybox:latest', 'COPY src/ /srv/src/'],
    files: { ...SRC, 'src/old.js': 'old\n', 'src/gone/x.js': 'x\n' },
    edit: { remove: ['src/old.js', 'src/gone'] },
    alsoChanged: { 'src/gone/x.js': null },
    absent: ['/srv/src/old.js', '/srv/src/gone', '/srv/src/gone/x.js'],
    synced: ['/srv/src/gone', '/srv/src/gone/x.js', '/srv/src/old.js'],
  },
  {
    name: '--chown=1000:1000 on an edited file and on a new file in a new folder',
    dockerfile: ['FROM busybox:latest', 'COPY --chown=1000:1000 src/ /srv/src/'],
    files: SRC,
    edit: { write: { 'src/index.js': 'v2\n', 'src/sub/new.js': 'new\n' } },
    synced: ['/srv/src/index.js', '/srv/src/sub', '/srv/src/sub/new.js'],
  },
  {
    name: '--chmod=0640 on an edited file and on a new file in a new folder',
    dockerfile: ['FROM busybox:latest', 'COPY --chmod=0640 src/ /srv/src/'],
    files: SRC,
    modes: { 'src/index.js': 0o755 },
    edit: { write: { 'src/index.js': 'v2\n', 'src/sub/new.js': 'new\n' } },
    synced: ['/srv/src/index.js', '/srv/src/sub', '/srv/src/sub/new.js'],
  },
  {
    name: 'absolute destinations: a file onto an existing directory, a file to a new path',
    dockerfile: ['FROM busybox:latest', 'COPY tool.sh /bin', 'COPY conf/app.conf /etc/app/app.conf'],
    files: { 'tool.sh': '#!/bin/sh\necho 1\n', 'conf/app.conf': 'a=1\n' },
    modes: { 'tool.sh': 0o755 },
    edit: { write: { 'tool.sh': '#!/bin/sh\necho 2\n', 'conf/app.conf': 'a=2\n' } },
    synced: ['/bin', '/etc/app/app.conf'],
  },
  {
    name: 'a copy of the whole context with a .dockerignore: ignored files are left out',
    dockerfile: ['FROM busybox:latest', 'COPY . /app/'],
    files: { ...SRC, 'README.md': 'readme\n' },
    ignore: '*.log\nDockerfile\n.dockerignore\n',
    edit: { write: { 'src/index.js': 'v2\n', 'debug.log': 'noise\n', 'docs/new.md': 'new\n' } },
    absent: ['/app/debug.log'],
    synced: ['/app/docs', '/app/docs/new.md', '/app/src/index.js'],
  },
  {
    name: 'ARG- and ENV-expanded WORKDIR and destination',
    dockerfile: ['FROM busybox:latest', 'ARG BASE=/srv', 'ENV APP_HOME=$BASE/app', 'WORKDIR $APP_HOME', 'COPY src/ ${APP_HOME}/src/'],
    files: SRC,
    edit: { write: { 'src/util.js': 'export const u = 2;\n' } },
    synced: ['/srv/app/src/util.js'],
  },
  {
    name: '--chown by user name, resolved from the image’s /etc/passwd',
    dockerfile: [
      'FROM busybox:latest',
      'RUN echo "app:x:1234:2345::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:2345:" >> /etc/group',
      'COPY --chown=app src/ /home/app/src/',
    ],
    files: SRC,
    edit: { write: { 'src/index.js': 'v2\n', 'src/new/file.js': 'new\n' } },
    synced: ['/home/app/src/index.js', '/home/app/src/new', '/home/app/src/new/file.js'],
  },
  {
    name: '--parents keeps the path below the context root',
    needs: '--parents',
    dockerfile: ['FROM busybox:latest', 'COPY --parents src/*.js /out/'],
    files: SRC,
    edit: { write: { 'src/index.js': 'v2\n' } },
    synced: ['/out/src/index.js'],
  },
  {
    name: '--exclude leaves excluded files out of the copy and of the sync',
    needs: '--exclude',
    dockerfile: ['FROM busybox:latest', 'COPY --exclude=*.test.js src/ /app/src/'],
    files: { ...SRC, 'src/a.test.js': 'test\n' },
    edit: { write: { 'src/index.js': 'v2\n', 'src/a.test.js': 'test 2\n' } },
    absent: ['/app/src/a.test.js'],
    synced: ['/app/src/index.js'],
  },
];

async function applyEdit(dir: string, edit: Edit): Promise<ContextChange[]> {
  const changes: ContextChange[] = [];
  for (const [folder, mode] of Object.entries(edit.mkdir ?? {})) {
    await mkdir(path.join(dir, folder), { recursive: true });
    await chmod(path.join(dir, folder), mode);
    changes.push({ path: path.join(dir, folder), kind: 'directory' });
  }
  for (const [file, content] of Object.entries(edit.write ?? {})) {
    const folder = path.dirname(path.join(dir, file));
    const created = await mkdir(folder, { recursive: true });
    if (created !== undefined) changes.push({ path: folder, kind: 'directory' });
    await writeFile(path.join(dir, file), content);
    changes.push({ path: path.join(dir, file), kind: 'file' });
  }
  for (const file of edit.remove ?? []) {
    await rm(path.join(dir, file), { recursive: true });
    changes.push({ path: path.join(dir, file), kind: null });
  }
  return changes;
}

describeWithEngine('live sync equals rebuild', () => {
  afterAll(async () => {
    if (containers.length > 0) await docker(['rm', '-f', ...containers]).catch(() => undefined);
    if (images.length > 0) await docker(['rmi', '-f', ...images]).catch(() => undefined);
  });

  ROWS.forEach((row, index) => {
    test.concurrent(row.name, async ({ skip }) => {
      if (row.needs !== undefined && !(await engineSupports(row.needs))) {
        skip(
          `this engine's Dockerfile frontend does not know COPY ${row.needs} (it needs dockerfile 1.7+, and a # syntax= line cannot be pulled here)`,
        );
      }
      const name = `${RUN}-${index}`;
      const text = dockerfile(...row.dockerfile);
      const dir = await newContext({
        ...row.files,
        Dockerfile: text,
        ...(row.ignore === undefined ? {} : { '.dockerignore': row.ignore }),
      });
      for (const [file, mode] of Object.entries(row.modes ?? {})) await chmod(path.join(dir, file), mode);

      // Given a container running the image built from the context
      await build(dir, `${name}:before`);
      containers.push(name);
      await docker(['run', '-d', '--init', '--name', name, `${name}:before`, 'sleep', '3600']);
      const inodeBefore = row.sameInode === undefined ? undefined : await docker(['exec', name, 'stat', '-c', '%i', row.sameInode]);

      // When the context is edited and the decision is applied to the container
      const edited = (await applyEdit(dir, row.edit)).filter((change) => row.filesOnly !== true || change.kind !== 'directory');
      const changes = [...edited, ...Object.entries(row.alsoChanged ?? {}).map(([file, kind]) => ({ path: path.join(dir, file), kind }))];
      const decision = await decide(dir, text, row.ignore, changes);
      if (decision.kind !== 'sync') throw new Error(`expected a sync, got ${JSON.stringify(decision)}`);
      expect(decision.files.map((f) => f.destination)).toEqual(row.synced);
      const applied = await applySync(decision.files, name, {
        fs,
        containerFiles: createDockerodeFiles(await resolveDockerEndpoint(process.env)),
      });

      // Then every synced destination (and the folders made on the way) equals the freshly rebuilt image's
      await build(dir, `${name}:after`);
      const paths = [
        ...new Set([
          ...applied.written,
          ...applied.removed,
          ...decision.files.flatMap((f) => f.directories.map((d) => d.destination)),
          ...decision.files.filter((f) => f.type === 'directory').map((f) => f.destination),
          ...(row.absent ?? []),
        ]),
      ].sort();
      const inContainer = await docker(['exec', name, 'sh', '-c', DESCRIBE, 'sh', ...paths]);
      const inImage = await docker(['run', '--rm', `${name}:after`, 'sh', '-c', DESCRIBE, 'sh', ...paths]);
      expect(inContainer).toBe(inImage);
      for (const gone of [...applied.removed, ...(row.absent ?? [])]) expect(inContainer).toContain(`${gone} missing`);
      expect(inContainer).not.toContain(' missing\n'.repeat(paths.length));
      if (row.sameInode !== undefined) expect(await docker(['exec', name, 'stat', '-c', '%i', row.sameInode])).toBe(inodeBefore);
    });
  });

  test('a RUN after the COPY sends the edit to a rebuild, naming the RUN and its line', async () => {
    const text = dockerfile('FROM busybox:latest', 'WORKDIR /app', 'COPY src/ ./src/', 'RUN cat src/index.js > /bundle.js');
    const dir = await newContext({ ...SRC, Dockerfile: text });
    const decision = await decide(dir, text, undefined, await applyEdit(dir, { write: { 'src/index.js': 'v2\n' } }));
    expect(decision.kind === 'rebuild' && decision.reason).toMatchObject({
      rule: 'run-after-copy',
      line: 4,
      message: 'RUN cat src/index.js > /bundle.js at Dockerfile:4 runs after COPY src/ ./src/ (line 3)',
    });
  });

  test('a file a parent stage reads sends the edit to a rebuild, naming that stage’s COPY', async () => {
    const text = dockerfile('FROM busybox:latest AS base', 'COPY lib/ /app/lib/', 'FROM base AS develop', 'COPY src/ /app/src/');
    const dir = await newContext({ ...SRC, 'lib/x.js': 'x\n', Dockerfile: text });
    const decision = await decide(dir, text, undefined, await applyEdit(dir, { write: { 'lib/x.js': 'y\n' } }));
    expect(decision.kind === 'rebuild' && decision.reason).toMatchObject({ rule: 'other-stage', stage: 'base', line: 2 });
  });
});
