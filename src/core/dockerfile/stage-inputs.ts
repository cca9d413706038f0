/**
 * Which build-context files a target reads: the COPY/ADD sources and bind-mount
 * sources of every stage in the target's closure, minus what `.dockerignore`
 * excludes. Data in, data out: callers hand in context file lists and ignore
 * patterns; nothing here reads the disk.
 */
import { compileCopySource, type CopySourceMatcher } from './copy-sources.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { linkLookup, sourcesThroughLinks, type ContextLinks } from './follow-links.js';
import type { StageGraph, StageInput } from './stage-graph.js';
import { compareStrings } from '../order.js';

/** A stage input with its source (and its `--exclude` patterns) compiled once. */
export interface CompiledInput extends StageInput {
  readonly matcher: CopySourceMatcher;
  /**
   * What the source reads through symlinks BuildKit follows (follow-links.ts): the links on its path and what they
   * lead to, each matched like the source. Empty when no link lies on its path, as for nearly every source.
   */
  readonly followed: readonly CopySourceMatcher[];
}

/**
 * The inputs of the given stages (a target's closure), compiled for matching, in line order. `links` are the symlinks
 * the engine found on the sources' paths, by context name; without them no link is followed.
 */
export function compileInputs(
  graph: StageGraph,
  stages: readonly number[],
  links: Readonly<Record<string, ContextLinks>> = {},
): CompiledInput[] {
  const wanted = new Set(stages);
  return graph.inputs
    .filter((input) => wanted.has(input.stage))
    .map((input) => {
      const options = { parents: input.parents, exclude: input.excludes };
      const known = links[input.context];
      // `--parents` sources are include patterns, which FollowPaths does not take.
      const through = known === undefined || input.parents ? undefined : sourcesThroughLinks(input.source, linkLookup(known));
      return {
        ...input,
        matcher: compileCopySource(input.source, options),
        followed: (through ?? []).map((source) => compileCopySource(source, options)),
      };
    })
    .sort((a, b) => a.line - b.line);
}

/**
 * The inputs that read `path` (relative to the context `context`, POSIX),
 * empty when none does or when the ignore file excludes it. The ignore file
 * applies to the main context only, as in BuildKit.
 */
export function inputsReading(
  path: string,
  context: string,
  inputs: readonly CompiledInput[],
  ignore: IgnoreMatcher | undefined,
): CompiledInput[] {
  if (context === '.' && ignore !== undefined && ignore.excludes(path)) return [];
  return inputs.filter(
    (input) =>
      input.context === context &&
      (input.matcher.reads(path) ||
        onTheWay(input.matcher.prefix, path) ||
        (input.followed.length > 0 && linkRead(input, path) !== undefined)),
  );
}

/**
 * Whether `path` is a directory on the way to the source's literal part (`lnk` for `COPY lnk/real.txt /x`), or that
 * part itself before a wildcard: replacing it with a link, or removing the link it was, changes what the copy reads.
 * (A plain directory created or removed there comes with the source's own paths anyway.)
 */
function onTheWay(prefix: string, path: string): boolean {
  return (
    prefix.length >= path.length && prefix.startsWith(path) && (prefix.length === path.length || prefix.charCodeAt(path.length) === 47)
  );
}

/**
 * When `input` reads `path` only through a symlink: the followed source that reaches it (`link.txt`, or the link's
 * target `data/real.txt`), for reasons shown to the user; undefined when the source reads it directly or not at all.
 */
export function linkRead(input: CompiledInput, path: string): string | undefined {
  if (input.matcher.reads(path)) return undefined;
  return input.followed.find((followed) => followed.reads(path))?.source;
}

/**
 * The symlinks of `context` that the inputs only pass through (`link.txt` for `COPY link.txt /x`, `lnk` for `COPY
 * lnk/a /x`): the copy follows them, so what they lead to is in the image, not the links. A link some input copies as
 * a link (`COPY . .`) is not among them. The inputs hash leaves their own text out.
 */
export function linksPassedThrough(inputs: readonly CompiledInput[], context: string, links: ContextLinks | undefined): Set<string> {
  const passed = new Set<string>();
  if (links === undefined) return passed;
  const own = inputs.filter((input) => input.context === context);
  for (const input of own) for (const followed of input.followed) if (links.links.has(followed.source)) passed.add(followed.source);
  for (const link of passed) {
    if (own.some((input) => input.matcher.reads(link) && !input.followed.some((followed) => followed.source === link))) passed.delete(link);
  }
  return passed;
}

/** Every path prefix the inputs can read below (`''` is the whole context), followed links included: where to walk. */
export function inputPrefixes(inputs: readonly CompiledInput[]): string[] {
  return inputs.flatMap((input) => [input.matcher.prefix, ...input.followed.map((followed) => followed.prefix)]);
}

/** The context files (relative, POSIX, sorted) that the inputs read. */
export function filesRead(
  files: readonly string[],
  context: string,
  inputs: readonly CompiledInput[],
  ignore: IgnoreMatcher | undefined,
): string[] {
  return files.filter((file) => inputsReading(file, context, inputs, ignore).length > 0).sort(comparePaths);
}

/** Byte-wise path order, so output is the same on every machine and locale. */
export const comparePaths = compareStrings;
