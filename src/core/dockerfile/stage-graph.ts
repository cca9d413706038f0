/**
 * The stage graph of a multi-stage Dockerfile: stages by index and name, the
 * edges between them (`FROM <stage>`, `COPY --from`, `RUN --mount=…,from=`),
 * the external images and named contexts they reach, and the build-context
 * sources each stage reads. Resolution follows BuildKit (checked on the engine):
 * stage names are case-insensitive, `FROM` only refers to stages defined before
 * it, `--from` may refer to any stage by name or index, and cycles or an
 * out-of-range index are errors for the whole file.
 */
import { StageGraphError } from '../errors.js';
import { closestName } from '../suggest.js';
import type { Lookup } from './expand.js';
import {
  argDeclarations,
  automaticPlatformArgs,
  fromWords,
  splitIntoStages,
  type ArgScope,
  expandOrThrow,
  flagValue,
  flagValues,
  parseMount,
  validateInstruction,
  type MountSpec,
} from './instructions.js';
import type { DockerfileInstruction, ParsedDockerfile } from './parse.js';
import { bindMountSources, copySources, type Expand, type FromSource, type StageInput } from './step-sources.js';

export type { StageInput } from './step-sources.js';

/** What a stage starts FROM: an earlier stage (by index), an external image, or nothing. */
export type StageBase =
  { readonly kind: 'stage'; readonly stage: number } | { readonly kind: 'image'; readonly ref: string } | { readonly kind: 'scratch' };

/** One `FROM` section. `index` is its position in the file, the number `--from=<n>` and every edge use. */
export interface Stage {
  readonly index: number;
  /** The `AS` name, lower-cased as BuildKit does; undefined for unnamed stages. */
  readonly name: string | undefined;
  /** The name BuildKit prints in progress lines: the stage name, or `stage-<index>`. */
  readonly displayName: string;
  readonly base: StageBase;
  readonly platform: string | undefined;
  /** Line of the `FROM` instruction and of the stage's last instruction. */
  readonly line: number;
  readonly endLine: number;
  /** The stage's instructions, `FROM` first. */
  readonly instructions: readonly DockerfileInstruction[];
}

/** Which instruction made a stage need another: `FROM`, `COPY --from` or `RUN --mount=…,from=`. */
export type StageEdgeKind = 'from' | 'copy' | 'mount';

/** `stage` needs `dependsOn` because of the instruction at `line`. */
export interface StageEdge {
  readonly stage: number;
  readonly dependsOn: number;
  readonly kind: StageEdgeKind;
  readonly line: number;
  readonly instruction: string;
}

/** A reference from a stage to something outside the Dockerfile: an image or a named build context. */
export interface ExternalReference {
  readonly stage: number;
  readonly kind: 'image' | 'context';
  readonly ref: string;
  readonly via: StageEdgeKind;
  readonly line: number;
}

/** A `RUN` step, with its cache mounts, kept for cache hints. */
export interface RunStep {
  readonly stage: number;
  readonly command: string;
  readonly mounts: readonly MountSpec[];
  readonly line: number;
  readonly instruction: string;
}

/**
 * Something BuildKit accepts but that is probably a mistake (a duplicate stage name, an image named like a stage); the
 * workspace reports it and the build goes on.
 */
export interface GraphWarning {
  readonly message: string;
  readonly line: number;
  /** For a reference that looks like a misspelt stage: the image it will pull instead, and the stage it probably meant. */
  readonly misspelt?: { readonly ref: string; readonly suggestion: string };
}

/**
 * One Dockerfile analysed once, from which targets, closures, inputs and hints are computed. Every stage number in it is
 * an index into `stages`.
 */
export interface StageGraph {
  readonly file: string;
  readonly stages: readonly Stage[];
  readonly edges: readonly StageEdge[];
  readonly external: readonly ExternalReference[];
  readonly inputs: readonly StageInput[];
  readonly runs: readonly RunStep[];
  readonly warnings: readonly GraphWarning[];
  /** Global ARGs (before the first FROM) with their effective values. */
  readonly metaArgs: Readonly<Record<string, string | undefined>>;
}

/** What the graph needs besides the Dockerfile to resolve ARGs and `--from` as BuildKit would for one build. */
export interface StageGraphOptions {
  /** The Dockerfile as the user would name it, for errors. */
  readonly file: string;
  /** `--build-arg` / compose `build.args` values; they override ARG defaults. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Names of additional build contexts (compose `additional_contexts`); `--from=<name>` reads them. */
  readonly namedContexts?: readonly string[];
  /** The target platform, for BuildKit's automatic platform ARGs. Default linux/amd64. */
  readonly platform?: string;
}

/**
 * Builds the graph. Throws `StageGraphError` naming the line for bad stage names, indexes and cycles. The phases run in
 * BuildKit's order: instructions checked, the file split into global ARGs and stages, each stage's FROM resolved,
 * each stage's steps read (ARG/ENV scope, COPY/ADD sources, RUN mounts), then the edges checked for a cycle.
 */
export function buildStageGraph(parsed: ParsedDockerfile, options: StageGraphOptions): StageGraph {
  const { file } = options;
  for (const instruction of parsed.instructions) validateInstruction(instruction, file);
  const scope: ArgScope = {
    file,
    escape: parsed.escapeToken,
    buildArgs: options.buildArgs ?? {},
    platformArgs: automaticPlatformArgs(options.platform ?? 'linux/amd64'),
    metaArgs: {},
  };
  const { metaArgs, groups } = splitIntoStages(parsed, scope);
  const declared = declareStages(groups, { ...scope, metaArgs });
  const baseWarnings = warnAboutBases(declared.stages, declared.byName);
  const steps = readSteps(declared, { ...scope, metaArgs }, new Set(options.namedContexts ?? []));
  const edges = [...declared.edges, ...steps.edges];
  refuseCycles(declared.stages, edges, file);
  return {
    file,
    stages: declared.stages,
    edges: dedupeEdges(edges),
    external: [...declared.external, ...steps.external],
    inputs: steps.inputs,
    runs: steps.runs,
    warnings: [...declared.warnings, ...baseWarnings, ...steps.warnings],
    metaArgs,
  };
}

/** The stages with their names and bases, and what their FROM lines reach. */
interface DeclaredStages {
  readonly stages: readonly Stage[];
  /** Lower-cased stage name → the index of the first stage with it. */
  readonly byName: ReadonlyMap<string, number>;
  readonly edges: readonly StageEdge[];
  readonly external: readonly ExternalReference[];
  readonly warnings: readonly GraphWarning[];
}

/** Each stage's name and base, in file order: a FROM may only refer to a stage defined before it. */
function declareStages(groups: readonly DockerfileInstruction[][], scope: ArgScope): DeclaredStages {
  const metaLookup: Lookup = (name) => scope.metaArgs[name] ?? scope.platformArgs[name];
  const stages: Stage[] = [];
  const byName = new Map<string, number>();
  const edges: StageEdge[] = [];
  const external: ExternalReference[] = [];
  const warnings: GraphWarning[] = [];
  for (const [index, group] of groups.entries()) {
    const from = group[0]!;
    const { imageWord, name } = fromWords(from, scope.file);
    if (name !== undefined && byName.has(name)) {
      warnings.push({ message: `stage name '${name}' is used twice; --from=${name} refers to the first one`, line: from.startLine });
    }
    const ref = expandOrThrow(imageWord, metaLookup, scope.escape, scope.file, from.startLine);
    const platformFlag = flagValue(from.flags, 'platform');
    const platform =
      platformFlag === undefined ? undefined : expandOrThrow(platformFlag, metaLookup, scope.escape, scope.file, from.startLine);
    let base: StageBase;
    const earlier = byName.get(ref.toLowerCase());
    if (earlier !== undefined) {
      base = { kind: 'stage', stage: earlier };
      edges.push({ stage: index, dependsOn: earlier, kind: 'from', line: from.startLine, instruction: from.original });
    } else if (ref.toLowerCase() === 'scratch') {
      base = { kind: 'scratch' };
    } else {
      base = { kind: 'image', ref };
      external.push({ stage: index, kind: 'image', ref, via: 'from', line: from.startLine });
    }
    const last = group[group.length - 1]!;
    stages.push({
      index,
      name,
      displayName: name ?? `stage-${index}`,
      base,
      platform,
      line: from.startLine,
      endLine: last.endLine,
      instructions: group,
    });
    if (name !== undefined && !byName.has(name)) byName.set(name, index);
  }
  return { stages, byName, edges, external, warnings };
}

/** A FROM that names a later stage, or nearly names an earlier one, is an image to BuildKit: say so, it is almost always a mistake. */
function warnAboutBases(stages: readonly Stage[], byName: ReadonlyMap<string, number>): GraphWarning[] {
  const warnings: GraphWarning[] = [];
  for (const stage of stages) {
    if (stage.base.kind !== 'image') continue;
    const later = byName.get(stage.base.ref.toLowerCase());
    if (later !== undefined && later > stage.index) {
      warnings.push({
        message: `FROM ${stage.base.ref} refers to stage '${stage.base.ref}' defined later (line ${stages[later]!.line}); BuildKit treats it as an image`,
        line: stage.line,
      });
    } else {
      const suggestion = nearStageName(
        stage.base.ref,
        [...byName.keys()].filter((n) => byName.get(n)! < stage.index),
      );
      if (suggestion !== undefined) {
        warnings.push({
          message: `FROM ${stage.base.ref} is an external image; did you mean stage '${suggestion}'?`,
          line: stage.line,
          misspelt: { ref: stage.base.ref, suggestion },
        });
      }
    }
  }
  return warnings;
}

/** What the stages' steps read and reach, in file order. */
interface StepFindings {
  readonly edges: StageEdge[];
  readonly external: ExternalReference[];
  readonly inputs: StageInput[];
  readonly runs: RunStep[];
  readonly warnings: GraphWarning[];
}

/** Every stage's steps, with ARG/ENV scope per stage and ENV inherited through FROM <stage>. */
function readSteps(declared: DeclaredStages, scope: ArgScope, namedContexts: ReadonlySet<string>): StepFindings {
  const findings: StepFindings = { edges: [], external: [], inputs: [], runs: [], warnings: [] };
  const stageEnv: Record<string, string>[] = [];
  for (const stage of declared.stages) {
    const env: Record<string, string> = stage.base.kind === 'stage' ? { ...stageEnv[stage.base.stage] } : {};
    const args: Record<string, string | undefined> = {};
    const lookup: Lookup = (name) => env[name] ?? args[name];
    const expand = (word: string, line: number) => expandOrThrow(word, lookup, scope.escape, scope.file, line);
    const from = (value: string, via: StageEdgeKind, instruction: DockerfileInstruction) => {
      const resolved = resolveFrom(value, { stage: stage.index, via, instruction }, declared, namedContexts, scope.file);
      if (resolved.edge !== undefined) findings.edges.push(resolved.edge);
      if (resolved.external !== undefined) findings.external.push(resolved.external);
      if (resolved.warning !== undefined) findings.warnings.push(resolved.warning);
      return resolved.source;
    };
    for (const instruction of stage.instructions.slice(1)) {
      switch (instruction.keyword) {
        case 'ARG':
          for (const [name, value] of argDeclarations(instruction, lookup, scope.escape, scope.file)) {
            args[name] = scope.buildArgs[name] ?? value ?? (name in scope.metaArgs ? scope.metaArgs[name] : scope.platformArgs[name]);
          }
          break;
        case 'ENV':
          // Every value expands against the environment before this instruction (`ENV a=1 b=$a` sees the old a).
          Object.assign(env, Object.fromEntries(envValues(instruction, expand)));
          break;
        case 'COPY':
        case 'ADD':
          findings.inputs.push(...copySources(instruction, stage.index, expand, from));
          break;
        case 'RUN': {
          const mounts = flagValues(instruction.flags, 'mount').map((value) =>
            parseMount(expand(value, instruction.startLine), scope.file, instruction.startLine),
          );
          findings.inputs.push(...bindMountSources(instruction, stage.index, mounts, from));
          findings.runs.push({
            stage: stage.index,
            command: instruction.json ? instruction.args.join(' ') : (instruction.args[0] ?? ''),
            mounts,
            line: instruction.startLine,
            instruction: instruction.original,
          });
          break;
        }
        default:
          break;
      }
    }
    stageEnv.push(env);
  }
  return findings;
}

/** ENV's name, value pairs, each value expanded. */
function envValues(instruction: DockerfileInstruction, expand: Expand): Array<[string, string]> {
  const values: Array<[string, string]> = [];
  for (let i = 0; i + 1 < instruction.args.length; i += 2)
    values.push([instruction.args[i]!, expand(instruction.args[i + 1]!, instruction.startLine)]);
  return values;
}

/**
 * A `--from` value as BuildKit resolves it: a stage index, a named context (which wins over a stage of the same name,
 * as in buildx), a stage name (any stage, earlier or later), else an image. Returns what it reaches for the graph.
 */
function resolveFrom(
  value: string,
  at: { readonly stage: number; readonly via: StageEdgeKind; readonly instruction: DockerfileInstruction },
  declared: DeclaredStages,
  namedContexts: ReadonlySet<string>,
  file: string,
): { source: FromSource; edge?: StageEdge; external?: ExternalReference; warning?: GraphWarning } {
  const { stage, via, instruction } = at;
  const line = instruction.startLine;
  const { stages, byName } = declared;
  const edgeTo = (target: number) => ({
    source: { kind: 'stage', stage: target } as const,
    edge: { stage, dependsOn: target, kind: via, line, instruction: instruction.original },
  });
  if (/^\d+$/.test(value)) {
    const target = Number(value);
    if (target >= stages.length) {
      throw new StageGraphError(`--from=${value} refers to stage index ${value}, but the Dockerfile has ${stages.length} stage(s)`, {
        location: { file, line },
        hint: `use a stage name or an index from 0 to ${stages.length - 1}: ${describeStages(stages)}`,
      });
    }
    return edgeTo(target);
  }
  if (namedContexts.has(value))
    return { source: { kind: 'context', name: value }, external: { stage, kind: 'context', ref: value, via, line } };
  const target = byName.get(value.toLowerCase());
  if (target !== undefined) return edgeTo(target);
  const suggestion = nearStageName(value, [...byName.keys()]);
  const warning =
    suggestion === undefined
      ? undefined
      : {
          message: `--from=${value} is not a stage, so BuildKit pulls it as an image; did you mean '${suggestion}'?`,
          line,
          misspelt: { ref: value, suggestion },
        };
  return {
    source: { kind: 'image', ref: value },
    external: { stage, kind: 'image', ref: value, via, line },
    ...(warning === undefined ? {} : { warning }),
  };
}

/** A stage that needs itself, directly or through others, is an error for the whole file, naming the cycle in a fixed order. */
function refuseCycles(stages: readonly Stage[], edges: readonly StageEdge[], file: string): void {
  const cycle = findCycle(stages.length, edges);
  if (cycle === undefined) return;
  const names = cycle.map((i) => stages[i]!.displayName);
  const edge = edges.find((e) => e.stage === cycle[0] && e.dependsOn === cycle[1]);
  throw new StageGraphError(`circular dependency between stages: ${names.join(' → ')}`, {
    location: { file, line: edge?.line ?? stages[cycle[0]!]!.line },
    hint: 'a stage cannot, directly or through others, COPY --from or FROM itself; break the cycle',
  });
}

/** The stage named `target` (case-insensitive) or with that index. */
export function findStage(graph: StageGraph, target: string): Stage | undefined {
  if (/^\d+$/.test(target)) return graph.stages[Number(target)];
  const lower = target.toLowerCase();
  return graph.stages.find((stage) => stage.name === lower);
}

/** Human list of the stages, `base, develop, builder, production`, unnamed ones as `stage-N`. */
export function describeStages(stages: readonly Stage[]): string {
  return stages.map((stage) => stage.displayName).join(', ');
}

/**
 * The closure of a target: the target and every stage it reaches through FROM,
 * COPY --from and RUN --mount from, recursively. Sorted by index so that it
 * prints in file order.
 */
export function stageClosure(graph: StageGraph, target: number): number[] {
  const seen = new Set<number>([target]);
  const queue = [target];
  while (queue.length > 0) {
    const current = queue.pop()!;
    for (const edge of graph.edges) {
      if (edge.stage === current && !seen.has(edge.dependsOn)) {
        seen.add(edge.dependsOn);
        queue.push(edge.dependsOn);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** A stage name close to `name`, for "did you mean" warnings; image references never qualify. */
function nearStageName(name: string, stageNames: readonly string[]): string | undefined {
  if (name.includes('/') || name.includes(':') || name.includes('.')) return undefined;
  return closestName(name, stageNames);
}

function dedupeEdges(edges: readonly StageEdge[]): StageEdge[] {
  const seen = new Set<string>();
  return edges.filter((edge) => {
    const key = `${edge.stage}:${edge.dependsOn}:${edge.kind}:${edge.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The first cycle found, as stage indexes starting and ending at the lowest index in it. */
function findCycle(count: number, edges: readonly StageEdge[]): number[] | undefined {
  const state = new Array<0 | 1 | 2>(count).fill(0);
  const path: number[] = [];
  const visit = (node: number): number[] | undefined => {
    state[node] = 1;
    path.push(node);
    const next = edges
      .filter((e) => e.stage === node)
      .map((e) => e.dependsOn)
      .sort((a, b) => a - b);
    for (const dep of next) {
      if (state[dep] === 1) {
        const cycle = path.slice(path.indexOf(dep));
        const start = cycle.indexOf(Math.min(...cycle));
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        return [...rotated, rotated[0]!];
      }
      if (state[dep] === 0) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    path.pop();
    state[node] = 2;
    return undefined;
  };
  for (let node = 0; node < count; node++) {
    if (state[node] === 0) {
      const found = visit(node);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
