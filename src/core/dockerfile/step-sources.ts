/**
 * What a stage's steps read from a build context: the sources of a COPY or ADD and the bind mounts of a RUN, after
 * ARG/ENV expansion. A step whose `--from` names a stage or an image reads no context; one that names an additional
 * context reads that one. The stage graph (stage-graph.ts) calls these for each step and keeps what they return as its
 * inputs.
 */
import { flagValue, flagValues, hasFlag, isHeredocSource, isRemoteSource, type MountSpec } from './instructions.js';
import type { DockerfileInstruction } from './parse.js';

/** A source that a stage reads from a build context (the main one, or a named one). */
export interface StageInput {
  readonly stage: number;
  /** `.` for the main build context, otherwise the name of an additional context. */
  readonly context: string;
  /** The source after ARG/ENV expansion, as written otherwise (`./src/`, `package*.json`, `.`). */
  readonly source: string;
  /** `COPY --parents`: `**` is allowed and the matched path keeps its parents. */
  readonly parents: boolean;
  /** `COPY --exclude` patterns: matching files are not read. */
  readonly excludes: readonly string[];
  readonly keyword: 'COPY' | 'ADD' | 'RUN';
  /** The instruction as written (continuations joined), for reasons shown to the user. */
  readonly instruction: string;
  readonly line: number;
}

/** What a `--from` names: a stage, a named build context or an image. */
export type FromSource = { kind: 'stage'; stage: number } | { kind: 'context'; name: string } | { kind: 'image'; ref: string };

/** Expands `word` in the stage's scope at `line`. */
export type Expand = (word: string, line: number) => string;
/** Resolves a `--from` value of the instruction, recording what it reaches. */
export type From = (value: string, via: 'copy' | 'mount', instruction: DockerfileInstruction) => FromSource;

/** What a COPY or ADD reads from a build context: nothing when `--from` names a stage or an image. */
export function copySources(instruction: DockerfileInstruction, stage: number, expand: Expand, from: From): StageInput[] {
  const line = instruction.startLine;
  const keyword = instruction.keyword as 'COPY' | 'ADD';
  const fromFlag = flagValue(instruction.flags, 'from');
  const parents = hasFlag(instruction.flags, 'parents');
  const excludes = flagValues(instruction.flags, 'exclude').map((value) => expand(value, line));
  const heredocNames = new Set(instruction.heredocs.map((h) => h.name));
  const sources = instruction.args.slice(0, -1).filter((source) => !isHeredocSource(source, heredocNames));
  let context = '.';
  if (fromFlag !== undefined) {
    const resolved = from(expand(fromFlag, line), 'copy', instruction);
    if (resolved.kind !== 'context') return [];
    context = resolved.name;
  }
  return sources
    .map((raw) => expand(raw, line))
    .filter((source) => !(keyword === 'ADD' && isRemoteSource(source)))
    .map((source) => ({ stage, context, source, parents, excludes, keyword, instruction: instruction.original, line }));
}

/** What a RUN's bind mounts read from a build context (a mount from a stage or an image reads none). */
export function bindMountSources(
  instruction: DockerfileInstruction,
  stage: number,
  mounts: readonly MountSpec[],
  from: From,
): StageInput[] {
  const inputs: StageInput[] = [];
  for (const mount of mounts) {
    const fromValue = mount.options['from'];
    let context: string | undefined = '.';
    if (fromValue !== undefined && fromValue !== '') {
      const resolved = from(fromValue, 'mount', instruction);
      context = resolved.kind === 'context' ? resolved.name : undefined;
    }
    if (mount.type === 'bind' && context !== undefined) {
      const source = mount.options['source'] ?? '.';
      inputs.push({
        stage,
        context,
        source,
        parents: false,
        excludes: [],
        keyword: 'RUN',
        instruction: instruction.original,
        line: instruction.startLine,
      });
    }
  }
  return inputs;
}
