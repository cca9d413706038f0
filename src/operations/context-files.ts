/**
 * The build-context side of the analysis: walk a context (skipping folders the
 * ignore file excludes), keep the files the target's closure reads, and digest
 * them into the inputs hash.
 */
import path from 'node:path';
import type { IgnoreMatcher } from '../core/dockerfile/dockerignore.js';
import {
  comparePaths,
  filesRead,
  inputPrefixes,
  inputsReading,
  linksPassedThrough,
  type CompiledInput,
} from '../core/dockerfile/stage-inputs.js';
import { baseImages, inputsHash, type InputFileDigest } from '../core/inputs-hash.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import { buildContexts, type BuildModel } from '../core/workspace.js';
import type { FileSystem } from '../ports/file-system.js';
import { compareStrings } from '../core/order.js';

/** Files of one context that a build reads. */
export interface ContextFiles {
  /** `.` for the main context, else the additional context's name. */
  readonly context: string;
  readonly dir: string;
  /** Relative, POSIX, sorted. */
  readonly files: readonly string[];
  /** The directories the build copies (relative, POSIX, sorted): their existence is an input too. */
  readonly directories: readonly string[];
}

/**
 * Every file in `dir` at or below one of `prefixes` (the literal parts of the
 * COPY sources; `''` is the whole context), minus what the ignore file
 * excludes. A folder is not entered when it is excluded and no `!` exception
 * could bring a file back. Walking only under the prefixes keeps `COPY
 * package.json ./` from reading the whole context.
 */
export async function listContext(
  fs: FileSystem,
  dir: string,
  ignore: IgnoreMatcher | undefined,
  ignorePatterns: readonly string[],
  prefixes: readonly string[] = [''],
): Promise<string[]> {
  return (await listContextEntries(fs, dir, ignore, ignorePatterns, prefixes)).files;
}

/**
 * `listContext`, with the directories below the prefixes that the ignore file
 * leaves in (an empty one, or one holding only ignored files, is still sent,
 * and a COPY of its parent puts it in the image).
 */
export async function listContextEntries(
  fs: FileSystem,
  dir: string,
  ignore: IgnoreMatcher | undefined,
  ignorePatterns: readonly string[],
  prefixes: readonly string[] = [''],
): Promise<{ files: string[]; directories: string[] }> {
  const exceptions = ignorePatterns.some((pattern) => pattern.startsWith('!'));
  const prune = (relativeDir: string) => ignore !== undefined && !exceptions && ignore.excludes(relativeDir);
  const roots = topmost(prefixes);
  const found = new Set<string>();
  const directories = new Set<string>();
  const add = (entry: string, isDirectory: boolean) => (isDirectory ? directories : found).add(entry);
  for (const root of roots) {
    if (root === '') {
      for (const entry of await fs.listFiles(dir, { prune, directories: true })) add(entry, entry.endsWith('/'));
      continue;
    }
    const kind = await fs.kind(path.join(dir, root));
    if (kind === 'directory') {
      if (prune(root)) continue;
      for (const entry of await fs.listFiles(path.join(dir, root), { prune: (sub) => prune(`${root}/${sub}`), directories: true }))
        add(`${root}/${entry}`, entry.endsWith('/'));
    } else if (kind !== null) {
      found.add(root);
    }
  }
  const kept = (entries: Set<string>) => [...entries].filter((entry) => ignore === undefined || !ignore.excludes(entry)).sort(comparePaths);
  return { files: kept(found), directories: kept(new Set([...directories].map((entry) => entry.slice(0, -1)))) };
}

/** The prefixes no other prefix contains (`''` swallows everything). */
function topmost(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes.map((p) => (p === '.' ? '' : p)))].sort(comparePaths);
  const result: string[] = [];
  for (const prefix of sorted) {
    if (result.some((kept) => kept === '' || prefix === kept || prefix.startsWith(`${kept}/`))) continue;
    result.push(prefix);
  }
  return result;
}

/** The files each context of the build contributes to the target. */
export async function filesReadByBuild(fs: FileSystem, build: BuildModel): Promise<ContextFiles[]> {
  return await filesReadByInputs(fs, build.inputs, new Map(buildContexts(build)), build.ignore, build.ignorePatterns);
}

/** Same as filesReadByBuild, for inputs and contexts given directly (the `inputs` command). */
export async function filesReadByInputs(
  fs: FileSystem,
  inputs: readonly CompiledInput[],
  contexts: ReadonlyMap<string, string>,
  ignore: IgnoreMatcher | undefined,
  ignorePatterns: readonly string[],
): Promise<ContextFiles[]> {
  const result: ContextFiles[] = [];
  for (const [context, dir] of [...contexts].sort(([a], [b]) => compareStrings(a, b))) {
    const own = inputs.filter((input) => input.context === context);
    if (own.length === 0) continue;
    const contextIgnore = context === '.' ? ignore : undefined;
    const all = await listContextEntries(fs, dir, contextIgnore, context === '.' ? ignorePatterns : [], inputPrefixes(own));
    result.push({
      context,
      dir,
      files: filesRead(all.files, context, own, contextIgnore),
      directories: filesRead(all.directories, context, own, contextIgnore),
    });
  }
  return result;
}

/**
 * The inputs hash of the build as the files are now, with the per-file digests
 * that went into it. With a runtime, the local IDs of the base images count too.
 */
export async function currentInputsHash(
  fs: FileSystem,
  build: BuildModel,
  runtime?: Pick<ContainerRuntime, 'inspectImage'>,
): Promise<{ hash: string; files: InputFileDigest[] }> {
  const contexts = await filesReadByBuild(fs, build);
  const files: InputFileDigest[] = [];
  const sourceReads: Record<string, string[]> = {};
  for (const { context, dir, files: allNames, directories } of contexts) {
    // A link the copy follows is not in the image; what it leads to is (and is among the files).
    const passed = linksPassedThrough(build.inputs, context, build.links[context]);
    const names = passed.size === 0 ? allNames : allNames.filter((name) => !passed.has(name));
    // Which source reads what: through links, two sources may read one file, and only this says that one of them
    // now reads nothing (a link on its way gone: BuildKit fails the build).
    const ignore = context === '.' ? build.ignore : undefined;
    for (const entry of [...names, ...directories.map((d) => `${d}/`)]) {
      for (const input of inputsReading(entry.endsWith('/') ? entry.slice(0, -1) : entry, context, build.inputs, ignore)) {
        (sourceReads[`${context}:${input.line}:${input.source}`] ??= []).push(entry);
      }
    }
    // A directory counts by its existence: BuildKit's cache key does not change with its mode (checked on v0.8).
    for (const directory of directories) files.push({ path: `${context}:${directory}/`, digest: 'directory' });
    // Bounded parallelism: a large context must not exhaust file descriptors.
    for (let start = 0; start < names.length; start += 64) {
      const batch = names.slice(start, start + 64);
      files.push(
        ...(await Promise.all(batch.map(async (name) => ({ path: `${context}:${name}`, digest: await fs.digest(path.join(dir, name)) })))),
      );
    }
  }
  const baseIds: Record<string, string | null> = {};
  if (runtime !== undefined) {
    for (const ref of baseImages(build)) baseIds[ref] = (await runtime.inspectImage(ref))?.id ?? null;
  }
  return { hash: inputsHash(build, files, baseIds, sourceReads), files };
}
