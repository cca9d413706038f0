/**
 * The stage graph of a multi-stage Dockerfile: stages by index and name, the
 * edges between them (`FROM <stage>`, `COPY --from`, `RUN --mount=…,from=`),
 * the external images and named contexts they reach, and the build-context
 * sources each stage reads. Resolution follows BuildKit (checked on the engine):
 * stage names are case-insensitive, `FROM` only refers to stages defined before
 * it, `--from` may refer to any stage by name or index, and cycles or an
 * out-of-range index are errors for the whole file.
 */
import { DockstageError, StageGraphError } from '../errors.js';
import { closestName } from '../suggest.js';
import { expandWord, shortened, type Lookup } from './expand.js';
import type { DockerfileInstruction, ParsedDockerfile } from './parse.js';

/** What a stage starts FROM: an earlier stage (by index), an external image, or nothing. */
export type StageBase =
  | { readonly kind: 'stage'; readonly stage: number }
  | { readonly kind: 'image'; readonly ref: string }
  | { readonly kind: 'scratch' };

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

/** A `RUN` step, with its cache mounts, kept for cache hints. */
export interface RunStep {
  readonly stage: number;
  readonly command: string;
  readonly mounts: readonly MountSpec[];
  readonly line: number;
  readonly instruction: string;
}

/** A parsed `RUN --mount`: `type` defaults to `bind` as in BuildKit, option keys are lower-case with `src`/`dst` normalised. */
export interface MountSpec {
  readonly type: string;
  readonly options: Readonly<Record<string, string>>;
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

const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

/** Builds the graph. Throws `StageGraphError` naming the line for bad stage names, indexes and cycles. */
export function buildStageGraph(parsed: ParsedDockerfile, options: StageGraphOptions): StageGraph {
  const { file } = options;
  const buildArgs = options.buildArgs ?? {};
  const namedContexts = new Set(options.namedContexts ?? []);
  const escape = parsed.escapeToken;
  const platformArgs = automaticPlatformArgs(options.platform ?? 'linux/amd64');
  const warnings: GraphWarning[] = [];

  for (const instruction of parsed.instructions) validateInstruction(instruction, file);

  // Global ARGs, then split the instructions into stages.
  const metaArgs: Record<string, string | undefined> = {};
  const metaLookup: Lookup = (name) => metaArgs[name] ?? platformArgs[name];
  const groups: DockerfileInstruction[][] = [];
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') {
      groups.push([instruction]);
    } else if (groups.length === 0) {
      if (instruction.keyword === 'ARG') {
        for (const [name, value] of argDeclarations(instruction, metaLookup, escape, file)) {
          metaArgs[name] = buildArgs[name] ?? value;
        }
      }
      // BuildKit rejects anything else before FROM; the parser reports it, we keep going.
    } else {
      groups[groups.length - 1]!.push(instruction);
    }
  }
  if (groups.length === 0) {
    throw new StageGraphError('the Dockerfile has no FROM instruction', {
      location: { file, line: parsed.instructions[0]?.startLine ?? 1 },
      hint: 'start each stage with FROM <image> [AS <name>]',
    });
  }

  // First pass: stage names and bases (FROM may only refer to an earlier stage).
  const stages: Stage[] = [];
  const byName = new Map<string, number>();
  const edges: StageEdge[] = [];
  const external: ExternalReference[] = [];
  for (const [index, group] of groups.entries()) {
    const from = group[0]!;
    const words = from.args;
    const imageWord = words[0];
    if (imageWord === undefined) {
      throw new StageGraphError('FROM needs an image or stage name', { location: { file, line: from.startLine }, hint: 'write FROM <image> [AS <name>]' });
    }
    let name: string | undefined;
    if (words.length >= 3 && words[1]!.toLowerCase() === 'as') {
      name = words[2]!.toLowerCase();
      if (!STAGE_NAME.test(name)) {
        throw new StageGraphError(`invalid stage name '${words[2]}'`, {
          location: { file, line: from.startLine },
          hint: 'stage names start with a letter and use only letters, digits, ".", "-" and "_"',
        });
      }
      if (byName.has(name)) {
        warnings.push({ message: `stage name '${name}' is used twice; --from=${name} refers to the first one`, line: from.startLine });
      }
    } else if (words.length !== 1) {
      throw new StageGraphError(`FROM takes an image and an optional "AS <name>", got: ${from.original}`, {
        location: { file, line: from.startLine },
        hint: 'write FROM <image> [AS <name>]',
      });
    }
    const ref = expandOrThrow(imageWord, metaLookup, escape, file, from.startLine);
    const platformFlag = flagValue(from.flags, 'platform');
    const platform = platformFlag === undefined ? undefined : expandOrThrow(platformFlag, metaLookup, escape, file, from.startLine);
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

  // A FROM that names a later stage is an image to BuildKit: say so, it is almost always a mistake.
  for (const stage of stages) {
    if (stage.base.kind !== 'image') continue;
    const later = byName.get(stage.base.ref.toLowerCase());
    if (later !== undefined && later > stage.index) {
      warnings.push({
        message: `FROM ${stage.base.ref} refers to stage '${stage.base.ref}' defined later (line ${stages[later]!.line}); BuildKit treats it as an image`,
        line: stage.line,
      });
    } else {
      const suggestion = nearStageName(stage.base.ref, [...byName.keys()].filter((n) => byName.get(n)! < stage.index));
      if (suggestion !== undefined) {
        warnings.push({ message: `FROM ${stage.base.ref} is an external image; did you mean stage '${suggestion}'?`, line: stage.line, misspelt: { ref: stage.base.ref, suggestion } });
      }
    }
  }

  // Second pass: steps, with ARG/ENV scope per stage, ENV inherited through FROM <stage>.
  const inputs: StageInput[] = [];
  const runs: RunStep[] = [];
  const stageEnv: Record<string, string>[] = [];
  const resolveFrom = (
    value: string,
    stage: number,
    via: StageEdgeKind,
    instruction: DockerfileInstruction,
  ): { kind: 'stage'; stage: number } | { kind: 'context'; name: string } | { kind: 'image'; ref: string } => {
    if (/^\d+$/.test(value)) {
      const target = Number(value);
      if (target >= stages.length) {
        throw new StageGraphError(`--from=${value} refers to stage index ${value}, but the Dockerfile has ${stages.length} stage(s)`, {
          location: { file, line: instruction.startLine },
          hint: `use a stage name or an index from 0 to ${stages.length - 1}: ${describeStages(stages)}`,
        });
      }
      edges.push({ stage, dependsOn: target, kind: via, line: instruction.startLine, instruction: instruction.original });
      return { kind: 'stage', stage: target };
    }
    // A named context wins over a stage of the same name, as in buildx.
    if (namedContexts.has(value)) {
      external.push({ stage, kind: 'context', ref: value, via, line: instruction.startLine });
      return { kind: 'context', name: value };
    }
    const target = byName.get(value.toLowerCase());
    if (target !== undefined) {
      edges.push({ stage, dependsOn: target, kind: via, line: instruction.startLine, instruction: instruction.original });
      return { kind: 'stage', stage: target };
    }
    const suggestion = nearStageName(value, [...byName.keys()]);
    if (suggestion !== undefined) {
      warnings.push({ message: `--from=${value} is not a stage, so BuildKit pulls it as an image; did you mean '${suggestion}'?`, line: instruction.startLine, misspelt: { ref: value, suggestion } });
    }
    external.push({ stage, kind: 'image', ref: value, via, line: instruction.startLine });
    return { kind: 'image', ref: value };
  };

  for (const stage of stages) {
    const env: Record<string, string> = stage.base.kind === 'stage' ? { ...stageEnv[stage.base.stage] } : {};
    const args: Record<string, string | undefined> = {};
    const lookup: Lookup = (name) => env[name] ?? args[name];
    for (const instruction of stage.instructions.slice(1)) {
      const line = instruction.startLine;
      switch (instruction.keyword) {
        case 'ARG':
          for (const [name, value] of argDeclarations(instruction, lookup, escape, file)) {
            args[name] = buildArgs[name] ?? value ?? (name in metaArgs ? metaArgs[name] : platformArgs[name]);
          }
          break;
        case 'ENV': {
          // Every value expands against the environment before this instruction (`ENV a=1 b=$a` sees the old a).
          const values: Array<[string, string]> = [];
          for (let i = 0; i + 1 < instruction.args.length; i += 2) {
            values.push([instruction.args[i]!, expandOrThrow(instruction.args[i + 1]!, lookup, escape, file, line)]);
          }
          for (const [name, value] of values) env[name] = value;
          break;
        }
        case 'COPY':
        case 'ADD': {
          const keyword = instruction.keyword;
          const fromFlag = flagValue(instruction.flags, 'from');
          const parents = hasFlag(instruction.flags, 'parents');
          const excludes = flagValues(instruction.flags, 'exclude').map((value) => expandOrThrow(value, lookup, escape, file, line));
          const heredocNames = new Set(instruction.heredocs.map((h) => h.name));
          const sources = instruction.args.slice(0, -1).filter((source) => !isHeredocSource(source, heredocNames));
          let context = '.';
          if (fromFlag !== undefined) {
            const resolved = resolveFrom(expandOrThrow(fromFlag, lookup, escape, file, line), stage.index, 'copy', instruction);
            if (resolved.kind !== 'context') break; // stage or image: nothing from a context
            context = resolved.name;
          }
          for (const raw of sources) {
            const source = expandOrThrow(raw, lookup, escape, file, line);
            if (keyword === 'ADD' && isRemoteSource(source)) continue;
            inputs.push({ stage: stage.index, context, source, parents, excludes, keyword, instruction: instruction.original, line });
          }
          break;
        }
        case 'RUN': {
          const mounts = flagValues(instruction.flags, 'mount').map((value) => parseMount(expandOrThrow(value, lookup, escape, file, line), file, line));
          for (const mount of mounts) {
            const from = mount.options['from'];
            let context: string | undefined = '.';
            if (from !== undefined && from !== '') {
              const resolved = resolveFrom(from, stage.index, 'mount', instruction);
              context = resolved.kind === 'context' ? resolved.name : undefined;
            }
            if (mount.type === 'bind' && context !== undefined) {
              const source = mount.options['source'] ?? '.';
              inputs.push({ stage: stage.index, context, source, parents: false, excludes: [], keyword: 'RUN', instruction: instruction.original, line });
            }
          }
          runs.push({
            stage: stage.index,
            command: instruction.json ? instruction.args.join(' ') : (instruction.args[0] ?? ''),
            mounts,
            line,
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

  const cycle = findCycle(stages.length, edges);
  if (cycle !== undefined) {
    const names = cycle.map((i) => stages[i]!.displayName);
    const edge = edges.find((e) => e.stage === cycle[0] && e.dependsOn === cycle[1]);
    throw new StageGraphError(`circular dependency between stages: ${names.join(' → ')}`, {
      location: { file, line: edge?.line ?? stages[cycle[0]!]!.line },
      hint: 'a stage cannot, directly or through others, COPY --from or FROM itself; break the cycle',
    });
  }

  return { file, stages, edges: dedupeEdges(edges), external, inputs, runs, warnings, metaArgs };
}

const KEYWORDS = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
];

/**
 * The argument checks BuildKit makes when it turns parsed instructions into
 * commands (frontend/dockerfile/instructions): an unknown keyword, COPY/ADD
 * without a destination, ENV/LABEL/ARG without anything to set.
 */
function validateInstruction(instruction: DockerfileInstruction, file: string): void {
  const { keyword, args, startLine: line } = instruction;
  const fail = (message: string, hint: string) => {
    throw new StageGraphError(message, { location: { file, line }, hint });
  };
  if (!KEYWORDS.includes(keyword)) {
    const close = closestName(keyword, KEYWORDS);
    fail(`unknown instruction: ${keyword}`, close === undefined ? `instructions: ${KEYWORDS.join(', ')}` : `did you mean ${close}?`);
  }
  if ((keyword === 'COPY' || keyword === 'ADD') && args.length < 2) {
    fail(`${keyword} requires at least two arguments (sources and a destination)`, `write ${keyword} <src>... <dest>`);
  }
  if ((keyword === 'ENV' || keyword === 'LABEL' || keyword === 'ARG') && args.length === 0) {
    fail(`${keyword} requires at least one argument`, keyword === 'ARG' ? 'write ARG <name>[=<default>]' : `write ${keyword} <key>=<value>`);
  }
  if ((keyword === 'WORKDIR' || keyword === 'USER' || keyword === 'STOPSIGNAL') && args.length !== 1) {
    fail(`${keyword} requires exactly one argument`, `write ${keyword} <value>`);
  }
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

function argDeclarations(instruction: DockerfileInstruction, lookup: Lookup, escape: '\\' | '`', file: string): Array<[string, string | undefined]> {
  return instruction.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq === -1) return [word, undefined];
    return [word.slice(0, eq), expandOrThrow(word.slice(eq + 1), lookup, escape, file, instruction.startLine)];
  });
}

function expandOrThrow(word: string, lookup: Lookup, escape: '\\' | '`', file: string, line: number): string {
  try {
    return expandWord(word, lookup, escape);
  } catch (error) {
    if (!(error instanceof DockstageError)) throw error;
    throw new StageGraphError(`cannot expand '${shortened(word)}': ${error.message}`, {
      location: { file, line },
      hint: 'pass the variable with --build-arg (or compose build.args) or give the ARG a default',
      cause: error,
    });
  }
}

function flagValues(flags: readonly string[], name: string): string[] {
  const prefix = `--${name}=`;
  return flags.filter((flag) => flag.toLowerCase().startsWith(prefix)).map((flag) => flag.slice(prefix.length));
}

function flagValue(flags: readonly string[], name: string): string | undefined {
  return flagValues(flags, name).at(-1);
}

function hasFlag(flags: readonly string[], name: string): boolean {
  return flags.some((flag) => {
    const lower = flag.toLowerCase();
    return lower === `--${name}` || lower === `--${name}=true`;
  });
}

function isHeredocSource(source: string, heredocNames: ReadonlySet<string>): boolean {
  const match = /^<<-?(["']?)([^"']+)\1$/.exec(source);
  return match !== null && (heredocNames.size === 0 || heredocNames.has(match[2]!));
}

function isRemoteSource(source: string): boolean {
  return /^(https?:\/\/|git@|git:\/\/)/i.test(source) || /\.git(#.*)?$/.test(source) && source.includes('://');
}

/** Parses a `--mount` value (CSV of key=value, as BuildKit reads it). `src`/`dst` aliases are normalised. */
export function parseMount(value: string, file: string, line: number): MountSpec {
  const options: Record<string, string> = {};
  for (const field of splitCsv(value)) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const raw = eq === -1 ? 'true' : field.slice(eq + 1);
    const canonical = key === 'src' ? 'source' : key === 'dst' || key === 'destination' ? 'target' : key;
    if (canonical === '') {
      throw new StageGraphError(`empty field in --mount=${value}`, { location: { file, line }, hint: 'write --mount=type=<type>,key=value,…' });
    }
    options[canonical] = raw;
  }
  return { type: options['type'] ?? 'bind', options };
}

function splitCsv(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '"') {
      if (quoted && value[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (char === ',' && !quoted) {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields.filter((field) => field !== '');
}

function automaticPlatformArgs(platform: string): Record<string, string> {
  const [os = 'linux', arch = 'amd64', variant = ''] = platform.split('/');
  return {
    TARGETPLATFORM: platform,
    TARGETOS: os,
    TARGETARCH: arch,
    TARGETVARIANT: variant,
    BUILDPLATFORM: platform,
    BUILDOS: os,
    BUILDARCH: arch,
    BUILDVARIANT: variant,
  };
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
    const next = edges.filter((e) => e.stage === node).map((e) => e.dependsOn).sort((a, b) => a - b);
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
