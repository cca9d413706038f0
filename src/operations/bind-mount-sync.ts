/**
 * Bind mounts on a remote engine, kept as copies (`x-dockstage.remote.bind_mounts:
 * sync`): the full copy that makes a container's target directory equal to the
 * local source (what is missing or changed is written, what the source lacks is
 * removed), and the copy of one batch of changed paths. Both go through the
 * live-sync writer (ContainerFiles), so they land in the container's writable
 * layer: a `docker restart` keeps them, a recreate starts from the image again.
 *
 * Left alone: `.git` and what the service's build context ignore file
 * excludes (they are neither written nor removed), volumes mounted below the
 * target, and anything the container writes there (nothing is copied back).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DockstageError } from '../core/errors.js';
import { excludedFromBindSync, type SyncedBindMount } from '../core/remote-engine.js';
import type { Workspace } from '../core/workspace.js';
import type {
  ContainerDirectory,
  ContainerFiles,
  ContainerFileWrite,
  ContainerOwner,
  ContainerTree,
  NumericEntry,
} from '../ports/container-files.js';
import type { FileSystem } from '../ports/file-system.js';

/** The ports a bind-mount copy uses. */
export interface BindSyncPorts {
  readonly fs: FileSystem;
  readonly containerFiles: ContainerFiles;
}

/** What one copy did. `skipped`: the container's marker said it already holds this exact tree. */
export interface BindCopy {
  readonly written: number;
  readonly removed: number;
  readonly skipped: boolean;
  /** Who owns what was copied: the owner of the target folder in the image (root when the image lacks it). */
  readonly owner: ContainerOwner;
  /** Volumes (and other mounts) the container has below the target, as the full copy found them: left alone. */
  readonly mountsBelow: readonly string[];
}

/** `child` is `parent` or below it (container paths). */
const below = (parent: string, child: string): boolean => child === parent || child.startsWith(`${parent}/`);

/** A container path a copy must not write: at or below a volume mounted under the target. */
const inVolume = (mountsBelow: readonly string[], p: string): boolean => mountsBelow.some((point) => below(point, p));

/** Files sent to the container in one batch at most (the writer stages a batch's contents in one file). */
const BATCH_FILES = 400;
const BATCH_BYTES = 16 * 1024 * 1024;

/** Where the container remembers the local tree it last got in full, one file per target. */
export function markerPath(target: string): string {
  return `/.dockstage-bind-${createHash('sha256').update(target).digest('hex').slice(0, 16)}`;
}

/** The container path of a local path below the mount's source. */
function inContainer(mount: SyncedBindMount, local: string): string {
  const relative = path.relative(mount.source, local);
  return relative === '' ? mount.target : path.posix.join(mount.target, relative.split(path.sep).join('/'));
}

/** The local path of a container path below the mount's target. */
function onHost(mount: SyncedBindMount, container: string): string {
  return path.join(mount.source, path.posix.relative(mount.target, container));
}

/** The local tree to copy: directories and files (absolute, sorted), and a digest of names and change times. */
async function localTree(workspace: Workspace, mount: SyncedBindMount, fs: FileSystem, root = mount.source) {
  const excluded = (file: string) => excludedFromBindSync(workspace, mount.service, file);
  const kind = await fs.kind(root);
  const entries =
    kind === 'directory' ? await fs.listFiles(root, { prune: (dir) => excluded(path.join(root, dir)), directories: true }) : [];
  const directories = kind === 'directory' ? [root] : [];
  const files: string[] = kind === 'file' || kind === 'symlink' ? [root] : [];
  for (const entry of entries) {
    const absolute = path.join(root, entry);
    if (excluded(absolute)) continue;
    (entry.endsWith('/') ? directories : files).push(absolute.replace(/\/$/, ''));
  }
  const hash = createHash('sha256');
  for (const dir of directories) hash.update(`d ${dir}\0`);
  for (const file of files) hash.update(`f ${file} ${(await fs.changedAt(file)) ?? 0}\0`);
  return { directories, files, digest: hash.digest('hex') };
}

/**
 * Makes the mount's target in the container equal to the local source. Skipped when the container's marker holds the
 * digest of this very tree (a `docker restart`, a second `watch` on the same container). Rejects with a DockstageError
 * when the container cannot take it (not running, no `sh`/`find`).
 */
export async function copyBindMount(
  workspace: Workspace,
  mount: SyncedBindMount,
  containerId: string,
  ports: BindSyncPorts,
): Promise<BindCopy> {
  const { containerFiles, fs } = ports;
  if (containerFiles.listTree === undefined) throw new DockstageError('this engine adapter cannot list container folders', { exitCode: 1 });
  const local = await localTree(workspace, mount, fs);
  const marker = markerPath(mount.target);
  const tree = await containerFiles.listTree(containerId, mount.target, marker);
  const owner: ContainerOwner = tree.owner ?? { user: 0, group: 0 };
  const mounted = tree.mounts.filter((point) => below(mount.target, point) && point !== mount.target);
  if (tree.marker === local.digest) return { written: 0, removed: 0, skipped: true, owner, mountsBelow: mounted };
  const isFile = local.directories.length === 0 && local.files.length === 1;

  const wantedDirs = new Set(local.directories.map((dir) => inContainer(mount, dir)));
  const wantedFiles = new Set(local.files.map((file) => inContainer(mount, file)));
  const keep = (p: string) => mounted.some((point) => below(p, point)) || excludedFromBindSync(workspace, mount.service, onHost(mount, p));
  const stale = [...tree.directories.filter((d) => !wantedDirs.has(d)), ...tree.files.filter((f) => !wantedFiles.has(f))]
    .filter((p) => !keep(p))
    .sort();
  const removals: string[] = [];
  for (const p of stale) if (!removals.some((removed) => below(removed, p))) removals.push(p);
  if (isFile && tree.owner !== undefined) removals.unshift(mount.target); // a file mount where the image has a folder

  const markerFile = { path: marker, content: Buffer.from(local.digest), mode: 0o600, owner: { user: 0, group: 0 } };
  // What a volume below the target holds is the volume's (`./:/app` beside a `node_modules` volume): never written.
  const outside = (p: string) => !inVolume(mounted, inContainer(mount, p));
  const toCopy = { directories: local.directories.filter(outside), files: local.files.filter(outside) };
  const copy = { removals, local: toCopy, owner, markerFile };
  const written =
    containerFiles.createFiles !== undefined && !isFile
      ? await copyAsArchive(mount, containerId, ports, { ...copy, tree })
      : await copyWithWriter(mount, containerId, ports, copy);
  return { written, removed: removals.length, skipped: false, owner, mountsBelow: mounted };
}

/** What a full copy sends, worked out by `copyBindMount`. */
interface FullCopy {
  readonly removals: readonly string[];
  readonly local: { readonly directories: readonly string[]; readonly files: readonly string[] };
  readonly owner: ContainerOwner;
  readonly markerFile: ContainerFileWrite & { readonly owner: { readonly user: number; readonly group: number } };
}

/**
 * A full copy in the writer's batches: removals and folders with the first, the marker last. Every file is rewritten
 * in place. Returns how many files were written.
 */
async function copyWithWriter(mount: SyncedBindMount, containerId: string, ports: BindSyncPorts, copy: FullCopy): Promise<number> {
  const { containerFiles, fs } = ports;
  const { removals, local, owner } = copy;
  const isFile = local.directories.length === 0 && local.files.length === 1;
  // The folders the image lacks on the way to the target; a source that is gone copies as an empty folder.
  const directories: ContainerDirectory[] = parents(mount.target, owner);
  for (const dir of local.directories)
    directories.push({ path: inContainer(mount, dir), mode: (await fs.permissions(dir)) ?? 0o755, owner });
  if (!isFile && local.directories.length === 0) directories.push({ path: mount.target, mode: 0o755, owner });
  let written = 0;
  let first = true;
  const send = async (files: ContainerFileWrite[]) => {
    const applied = await containerFiles.apply(containerId, first ? { removals, directories, files } : { files });
    written += applied.written.length;
    first = false;
  };
  for await (const batch of readBatches(mount, fs, local.files, owner)) await send(batch);
  if (first) await send([]);
  await containerFiles.apply(containerId, { files: [copy.markerFile] });
  return written;
}

/**
 * A full copy where the container's tree is known: what it lacks (folders and files) goes in archives, one upload
 * each, which costs the engine far less per file than the writer; removals and the files it already has (rewritten in
 * place, so watchers in the container keep them) go through the writer first. The marker comes with the last archive.
 */
async function copyAsArchive(
  mount: SyncedBindMount,
  containerId: string,
  ports: BindSyncPorts,
  copy: FullCopy & { readonly tree: ContainerTree },
): Promise<number> {
  const { containerFiles, fs } = ports;
  const { removals, local, tree, markerFile } = copy;
  const owner = { user: Number(copy.owner.user), group: Number(copy.owner.group ?? copy.owner.user) };
  const held = new Set(tree.files);
  const heldDirs = new Set(tree.directories);
  if (tree.owner !== undefined) heldDirs.add(mount.target);
  const removed = (p: string) => removals.some((r) => below(r, p));
  const existing = local.files.filter((file) => held.has(inContainer(mount, file)) && !removed(inContainer(mount, file)));
  const kept = new Set(existing);
  const fresh = local.files.filter((file) => !kept.has(file));
  const directories = [];
  for (const dir of local.directories.length === 0 ? [mount.source] : local.directories) {
    const target = inContainer(mount, dir);
    if (heldDirs.has(target) && !removed(target)) continue;
    directories.push({ path: target, mode: local.directories.length === 0 ? 0o755 : ((await fs.permissions(dir)) ?? 0o755), owner });
  }
  let written = 0;
  if (removals.length > 0 || existing.length > 0) {
    let first = true;
    for await (const files of readBatches(mount, fs, existing, owner)) {
      written += (await containerFiles.apply(containerId, first ? { removals, files } : { files })).written.length;
      first = false;
    }
    if (first) await containerFiles.apply(containerId, { removals });
  }
  // Each batch is uploaded once the next one is read, so the marker travels with the last: one upload fewer.
  let pendingDirs = directories;
  let previous: ContainerFileWrite[] = [];
  const upload = async (files: readonly ContainerFileWrite[], marker: readonly NumericEntry[]) => {
    const numeric = files.map((file) => ({ path: file.path, content: file.content, mode: file.mode, owner }));
    const applied = await containerFiles.createFiles!(containerId, { directories: pendingDirs, files: [...numeric, ...marker] });
    pendingDirs = [];
    return applied.written.length - marker.length;
  };
  for await (const files of readBatches(mount, fs, fresh, owner)) {
    if (previous.length > 0) written += await upload(previous, []);
    previous = files;
  }
  written += await upload(previous, [markerFile]);
  return written;
}

/** The local files read in batches the size the writer and the archive upload take at once; gone files are skipped. */
async function* readBatches(mount: SyncedBindMount, fs: FileSystem, files: readonly string[], owner: ContainerOwner) {
  let batch: ContainerFileWrite[] = [];
  let bytes = 0;
  for (const file of files) {
    const read = await fs.readFileWithMode(file);
    if (read === null) continue; // gone since the walk (or a dangling link): the next change says so
    batch.push({ path: inContainer(mount, file), content: read.content, mode: read.mode, owner });
    bytes += read.content.length;
    if (batch.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Copies one batch of changed local paths (absolute, below the mount's source) into the container: files written,
 * folders copied whole, what is gone removed. Excluded paths are skipped, and so is what lies in a volume mounted below
 * the target (`mountsBelow`, from the full copy), or would remove one. Returns what it did.
 */
export async function copyBindChanges(
  workspace: Workspace,
  mount: SyncedBindMount,
  containerId: string,
  changed: readonly string[],
  ports: BindSyncPorts,
  owner: ContainerOwner,
  mountsBelow: readonly string[] = [],
): Promise<BindCopy> {
  const { containerFiles, fs } = ports;
  const removals: string[] = [];
  const outside = (local: string) => !inVolume(mountsBelow, inContainer(mount, local));
  const directories = new Map<string, ContainerDirectory>();
  const files: ContainerFileWrite[] = [];
  const addParents = async (local: string) => {
    for (let dir = path.dirname(local); dir.length >= mount.source.length && dir.startsWith(mount.source); dir = path.dirname(dir)) {
      const target = inContainer(mount, dir);
      if (!directories.has(target)) directories.set(target, { path: target, mode: (await fs.permissions(dir)) ?? 0o755, owner });
      if (dir === mount.source) break;
    }
  };
  for (const changedPath of [...new Set(changed)].sort()) {
    if (excludedFromBindSync(workspace, mount.service, changedPath) || !outside(changedPath)) continue;
    const kind = await fs.kind(changedPath);
    if (kind === null) {
      const gone = inContainer(mount, changedPath);
      if (!mountsBelow.some((point) => below(gone, point))) removals.push(gone);
      continue;
    }
    const tree = kind === 'directory' ? await localTree(workspace, mount, fs, changedPath) : { directories: [], files: [changedPath] };
    await addParents(changedPath);
    for (const dir of tree.directories.filter(outside))
      directories.set(inContainer(mount, dir), { path: inContainer(mount, dir), mode: (await fs.permissions(dir)) ?? 0o755, owner });
    for (const file of tree.files.filter(outside)) {
      const read = await fs.readFileWithMode(file);
      if (read === null) removals.push(inContainer(mount, file));
      else files.push({ path: inContainer(mount, file), content: read.content, mode: read.mode, owner });
    }
  }
  if (removals.length + directories.size + files.length === 0) return { written: 0, removed: 0, skipped: true, owner, mountsBelow };
  // Parents first: the writer creates one level per directory.
  const ordered = [...directories.values()].sort((a, b) => a.path.length - b.path.length);
  const applied = await containerFiles.apply(containerId, { removals, directories: ordered, files });
  return { written: applied.written.length, removed: removals.length, skipped: false, owner, mountsBelow };
}

/** The directories from `/` down to the parent of `target`, for a target the image lacks. */
function parents(target: string, owner: ContainerOwner): ContainerDirectory[] {
  const dirs: ContainerDirectory[] = [];
  for (let dir = path.posix.dirname(target); dir !== '/'; dir = path.posix.dirname(dir)) dirs.unshift({ path: dir, mode: 0o755, owner });
  return dirs;
}
