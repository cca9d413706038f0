/**
 * Which build-context files a target reads: the COPY/ADD sources and bind-mount
 * sources of every stage in the target's closure, minus what `.dockerignore`
 * excludes. Data in, data out: callers hand in context file lists and ignore
 * patterns; nothing here reads the disk.
 */
import { compileCopySource, type CopySourceMatcher } from './copy-sources.js';
import type { IgnoreMatcher } from './dockerignore.js';
import type { StageGraph, StageInput } from './stage-graph.js';
import { compareStrings } from '../order.js';

/** A stage input with its source (and its `--exclude` patterns) compiled once. */
export interface CompiledInput extends StageInput {
  readonly matcher: CopySourceMatcher;
}

/** The inputs of the given stages (a target's closure), compiled for matching, in line order. */
export function compileInputs(graph: StageGraph, stages: readonly number[]): CompiledInput[] {
  const wanted = new Set(stages);
  return graph.inputs
    .filter((input) => wanted.has(input.stage))
    .map((input) => ({
      ...input,
      matcher: compileCopySource(input.source, { parents: input.parents, exclude: input.excludes }),
    }))
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
    (input) => input.context === context && input.matcher.reads(path),
  );
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
