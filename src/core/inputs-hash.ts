/**
 * The inputs hash of a service's build: what BuildKit would read to build the
 * target, reduced to one digest. It covers the Dockerfile text of the target's
 * closure (global ARGs included, other stages left out), the target, the build
 * args and options that change the image, and the path and content digest of
 * every context file the closure reads (what a followed symlink leads to
 * included), the existence of every directory it copies, and which source
 * reads which of them. dockstage stores it as an image label;
 * an image whose label matches is up to date and is not rebuilt.
 */
import { createHash } from 'node:crypto';
import type { BuildModel } from './workspace.js';
import { compareStrings, sortedEntries } from './order.js';

/** The image label that carries the inputs hash. */
export const INPUTS_HASH_LABEL = 'dev.dockstage.inputs-hash';

/** Bump when what goes into the hash changes, so old labels stop matching. */
const HASH_VERSION = '2';

/**
 * One context file as the hash sees it. The path carries its context so equal paths in two contexts never collide; order
 * does not matter (inputsHash sorts).
 */
export interface InputFileDigest {
  /** `<context>:<relative path>`; context `.` is the main build context. A directory's path ends with `/`. */
  readonly path: string;
  /** Content digest (sha256 hex) of the file; `directory` for a directory. */
  readonly digest: string;
}

/** The Dockerfile text that matters for the target: global ARGs and the closure stages, heredoc bodies included. */
export function closureText(build: BuildModel): string {
  const lines: string[] = [];
  for (const stage of build.graph.stages) {
    if (!build.closure.includes(stage.index)) continue;
    for (const instruction of stage.instructions) {
      lines.push(instruction.original);
      for (const heredoc of instruction.heredocs) lines.push(`<<${heredoc.name}\n${heredoc.content}`);
    }
  }
  const metaArgs = sortedEntries(build.graph.metaArgs).map(([name, value]) => `ARG ${name}=${value ?? ''}`);
  return [...metaArgs, ...lines].join('\n');
}

/** External images the target's closure builds on (`FROM image`, `COPY --from=image`), sorted. */
export function baseImages(build: BuildModel): string[] {
  const refs = build.graph.external.filter((ref) => ref.kind === 'image' && build.closure.includes(ref.stage)).map((ref) => ref.ref);
  return [...new Set(refs)].sort();
}

/**
 * The inputs hash (sha256 hex) of a build, given the digests of the files its
 * closure reads and the local image IDs of its base images (null when the
 * engine does not have one: a newly pulled or rebuilt base then makes the image stale).
 * `sourceReads` are, for each COPY/ADD source (`<context>:<line>:<source>`), the paths it reads: through symlinks two
 * sources may read one file, so only this says that one of them now reads nothing (a link gone: a failing build).
 */
export function inputsHash(
  build: BuildModel,
  files: readonly InputFileDigest[],
  baseImageIds: Readonly<Record<string, string | null>> = {},
  sourceReads: Readonly<Record<string, readonly string[]>> = {},
): string {
  const hash = createHash('sha256');
  const field = (name: string, value: string) => {
    hash.update(`${name}\0${value.length}\0${value}\0`);
  };
  field('version', HASH_VERSION);
  field('dockerfile', closureText(build));
  field('target', build.target);
  for (const [key, value] of sortedEntries(build.compose.args)) field(`arg:${key}`, value);
  for (const [key, value] of sortedEntries(build.compose.labels)) field(`label:${key}`, value);
  for (const platform of [...build.compose.platforms].sort()) field('platform', platform);
  for (const [name, value] of sortedEntries({ ...build.compose.additionalContexts, ...build.namedContexts }))
    field(`context:${name}`, value);
  for (const ref of baseImages(build)) field(`base:${ref}`, baseImageIds[ref] ?? 'absent');
  for (const file of [...files].sort((a, b) => compareStrings(a.path, b.path))) field(`file:${file.path}`, file.digest);
  for (const [source, paths] of sortedEntries(sourceReads)) field(`reads:${source}`, [...paths].sort(compareStrings).join('\0'));
  return hash.digest('hex');
}
