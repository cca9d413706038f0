/**
 * The COPY/ADD steps of a target's FROM chain with everything BuildKit
 * resolves before copying: the working directory, ARG/ENV expansion of the
 * destination, `--chown` and `--chmod`, and which directories the Dockerfile
 * has made so far. Variables live in one scope per stage, inherited through
 * `FROM <stage>` (BuildKit's llb state carries both ARG and ENV values; the
 * last assignment wins). The root of the chain starts from the base image's
 * WORKDIR and ENV when the caller knows them.
 */
import { cleanSlashPath } from '../dockerfile/go-path.js';
import { lexShellWord } from '../dockerfile/expand.js';
import { parseDirectives } from '../dockerfile/directives.js';
import { automaticPlatformArgs } from '../dockerfile/instructions.js';
import type { StageBase } from '../dockerfile/stage-graph.js';
import type { BuildModel } from '../workspace.js';
import { parseChmod, parseChown, ROOT_OWNER, type SyncOwner } from './ownership.js';

/** The configuration of the image at the root of the target's FROM chain, as `docker image inspect` shows it. */
export interface BaseImageConfig {
  /** `Config.WorkingDir`; empty means `/`. */
  readonly workingDir: string;
  /** `Config.Env` as a record. */
  readonly env: Readonly<Record<string, string>>;
}

/** Where a COPY/ADD writes, as BuildKit resolves it against the working directory. */
export interface CopyDestination {
  /** Absolute and clean. */
  readonly path: string;
  /** Written with a trailing slash (or as `.`): BuildKit creates it as a directory and copies into it. */
  readonly directory: boolean;
}

/** One COPY/ADD of a stage in the chain. */
export interface CopyStep {
  readonly stage: number;
  readonly keyword: 'COPY' | 'ADD';
  readonly line: number;
  /** As written, continuations joined. */
  readonly instruction: string;
  /** The `--from` value; undefined when the step reads the main build context. */
  readonly from: string | undefined;
  /** Sources after expansion (heredocs left out). */
  readonly sources: readonly string[];
  /** undefined when `problem` says why it cannot be known. */
  readonly destination: CopyDestination | undefined;
  readonly owner: SyncOwner;
  /** `--chmod` permission bits, or undefined to keep each source's own mode. */
  readonly chmod: number | undefined;
  readonly parents: boolean;
  readonly link: boolean;
  /** Directories that exist before this step because the Dockerfile made them (WORKDIR, earlier copy destinations). */
  readonly knownDirectories: ReadonlySet<string>;
  /** Why dockstage cannot reproduce where or how this step writes; undefined when it can. */
  readonly problem: string | undefined;
}

/** A RUN (or an ONBUILD trigger) as the sync rule needs it: where it is. */
export interface InstructionRef {
  readonly line: number;
  readonly instruction: string;
}

/** The steps of one stage of the chain. */
export interface StageSteps {
  readonly stage: number;
  readonly copies: readonly CopyStep[];
  readonly runs: readonly InstructionRef[];
  /** `ONBUILD COPY/ADD` triggers registered here: they run, unseen by the stage graph, in any stage built FROM this one. */
  readonly onbuildCopies: readonly InstructionRef[];
}

interface Scope {
  readonly vars: Map<string, string>;
  /** Variables whose value was built from a variable that may be unknown. */
  readonly tainted: Set<string>;
  /** undefined until known: a base image whose WORKDIR the caller did not give. */
  workdir: string | undefined;
  /** False when the base image's ENV is unknown, so an unset variable might be set after all. */
  readonly envKnown: boolean;
  readonly knownDirectories: Set<string>;
}

/**
 * The steps of every stage from the root of the target's FROM chain down to
 * the target (root first). `base` is the configuration of the root's image;
 * undefined when unknown (a `scratch` root needs none).
 */
export function copyStepsOf(build: BuildModel, base: BaseImageConfig | undefined): StageSteps[] {
  const graph = build.graph;
  const chain: number[] = [];
  for (let index: number | undefined = build.targetStage; index !== undefined;) {
    chain.unshift(index);
    const stageBase: StageBase = graph.stages[index]!.base;
    index = stageBase.kind === 'stage' ? stageBase.stage : undefined;
  }
  const escape = parseDirectives(build.dockerfileText).find((d) => d.name === 'escape')?.value === '`' ? '`' : '\\';
  const platformArgs = automaticPlatformArgs(build.compose.platforms[0] ?? 'linux/amd64');
  const root = graph.stages[chain[0]!]!.base;
  const known = root.kind === 'scratch' || base !== undefined;
  const rootWorkdir = root.kind === 'scratch' ? '/' : base === undefined ? undefined : normalizeWorkdir('/', base.workingDir || '/');
  const scope: Scope = {
    vars: new Map(root.kind === 'image' && base !== undefined ? Object.entries(base.env) : []),
    tainted: new Set(),
    workdir: rootWorkdir,
    envKnown: known,
    knownDirectories: new Set(rootWorkdir === undefined ? ['/'] : ancestorsAndSelf(rootWorkdir)),
  };

  const assign = (name: string, expanded: { value: string; unknown: string[] }): void => {
    scope.vars.set(name, expanded.value);
    if (expanded.unknown.length > 0) scope.tainted.add(name);
    else scope.tainted.delete(name);
  };
  const expand = (word: string): { value: string; unknown: string[] } => {
    const result = lexShellWord(word, (name) => scope.vars.get(name), { escapeToken: escape });
    const unknown = [...(scope.envKnown ? [] : result.unmatched), ...result.matched.filter((name) => scope.tainted.has(name))];
    return { value: result.word, unknown };
  };

  const result: StageSteps[] = [];
  for (const stageIndex of chain) {
    const stage = graph.stages[stageIndex]!;
    const copies: CopyStep[] = [];
    const runs: InstructionRef[] = [];
    const onbuildCopies: InstructionRef[] = [];
    for (const instruction of stage.instructions.slice(1)) {
      const line = instruction.startLine;
      switch (instruction.keyword) {
        case 'ARG':
          for (const word of instruction.args) {
            const eq = word.indexOf('=');
            const name = eq < 0 ? word : word.slice(0, eq);
            const given = build.compose.args[name];
            if (given !== undefined) assign(name, { value: given, unknown: [] });
            else if (eq >= 0) assign(name, expand(word.slice(eq + 1)));
            else {
              const inherited = name in graph.metaArgs ? graph.metaArgs[name] : platformArgs[name];
              if (inherited !== undefined) assign(name, { value: inherited, unknown: [] });
            }
          }
          break;
        case 'ENV': {
          // Every value expands against the variables before this instruction (`ENV a=1 b=$a` sees the old a).
          const values: Array<[string, { value: string; unknown: string[] }]> = [];
          for (let i = 0; i + 1 < instruction.args.length; i += 2) values.push([instruction.args[i]!, expand(instruction.args[i + 1]!)]);
          for (const [name, value] of values) assign(name, value);
          break;
        }
        case 'WORKDIR': {
          const { value, unknown } = expand(instruction.args[0] ?? '');
          scope.workdir =
            unknown.length > 0
              ? undefined
              : value.startsWith('/')
                ? normalizeWorkdir('/', value)
                : scope.workdir === undefined
                  ? undefined
                  : normalizeWorkdir(scope.workdir, value);
          if (scope.workdir !== undefined) for (const dir of ancestorsAndSelf(scope.workdir)) scope.knownDirectories.add(dir);
          break;
        }
        case 'RUN':
          runs.push({ line, instruction: instruction.original });
          break;
        case 'ONBUILD':
          if (instruction.trigger?.keyword === 'COPY' || instruction.trigger?.keyword === 'ADD')
            onbuildCopies.push({ line, instruction: instruction.original });
          break;
        case 'COPY':
        case 'ADD':
          copies.push(copyStep(instruction.keyword, stageIndex, instruction, scope, expand));
          break;
        default:
          break;
      }
    }
    result.push({ stage: stageIndex, copies, runs, onbuildCopies });
  }
  return result;
}

function copyStep(
  keyword: 'COPY' | 'ADD',
  stage: number,
  instruction: BuildModel['graph']['stages'][number]['instructions'][number],
  scope: Scope,
  expand: (word: string) => { value: string; unknown: string[] },
): CopyStep {
  const problems: string[] = [];
  const expandFlag = (name: string): string | undefined => {
    const raw = flagValue(instruction.flags, name);
    if (raw === undefined) return undefined;
    const { value, unknown } = expand(raw);
    if (unknown.length > 0) problems.push(unknownVariables(unknown));
    return value;
  };
  const heredocs = new Set(instruction.heredocs.map((h) => h.name));
  const sources = instruction.args
    .slice(0, -1)
    .filter((source) => !isHeredocSource(source, heredocs))
    .map((source) => expand(source).value);
  const rawDestination = expand(instruction.args.at(-1) ?? '');
  if (rawDestination.unknown.length > 0) problems.push(unknownVariables(rawDestination.unknown));
  const chown = expandFlag('chown');
  const chmodText = expandFlag('chmod');
  const chmod = chmodText === undefined || chmodText === '' ? undefined : parseChmod(chmodText);
  if (chmodText !== undefined && chmodText !== '' && chmod === undefined) problems.push(`--chmod=${chmodText} is not an octal mode`);
  const text = rawDestination.value;
  let destination: CopyDestination | undefined;
  if (text.startsWith('/')) {
    destination = { path: cleanSlashPath(`/${text}`), directory: isDirectoryDestination(text) };
  } else if (scope.workdir !== undefined) {
    destination = { path: cleanSlashPath(`${scope.workdir}/${text}`), directory: isDirectoryDestination(text) };
  } else {
    problems.push(`the destination ${text === '' ? '.' : text} is relative to the base image's WORKDIR, which dockstage was not given`);
  }
  const step: CopyStep = {
    stage,
    keyword,
    line: instruction.startLine,
    instruction: instruction.original,
    from: flagValue(instruction.flags, 'from'),
    sources,
    destination: problems.length === 0 ? destination : undefined,
    owner: chown === undefined || chown === '' ? ROOT_OWNER : parseChown(chown),
    chmod,
    parents: hasFlag(instruction.flags, 'parents'),
    link: hasFlag(instruction.flags, 'link'),
    knownDirectories: new Set(scope.knownDirectories),
    problem: problems[0],
  };
  // The copy leaves its destination's parent (or the destination itself, when it is a directory) behind.
  if (destination !== undefined) {
    const directory = destination.directory || sources.length > 1 || sources.some((s) => s === '.' || s.endsWith('/'));
    for (const dir of ancestorsAndSelf(directory ? destination.path : parentOf(destination.path))) scope.knownDirectories.add(dir);
  }
  return step;
}

/** BuildKit's rule: a destination of `.`, empty, or ending in `/` is a directory. */
function isDirectoryDestination(text: string): boolean {
  return text === '' || text === '.' || text.endsWith('/');
}

/** BuildKit's NormalizeWorkdir on Linux: an absolute path is cleaned, a relative one joined to the current directory. */
function normalizeWorkdir(current: string, next: string): string {
  return cleanSlashPath(next.startsWith('/') ? next : `${current}/${next}`);
}

/** The directory holding an absolute clean path (`/` for `/` itself). */
export function parentOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash <= 0 ? '/' : file.slice(0, slash);
}

/** `/a/b` → `/`, `/a`, `/a/b`. */
export function ancestorsAndSelf(dir: string): string[] {
  const out = ['/'];
  let current = '';
  for (const element of dir.split('/')) {
    if (element === '') continue;
    current += `/${element}`;
    out.push(current);
  }
  return out;
}

function unknownVariables(names: readonly string[]): string {
  return `${names.map((n) => `$${n}`).join(', ')} may come from the base image's ENV, which dockstage was not given`;
}

function flagValue(flags: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const values = flags.filter((flag) => flag.toLowerCase().startsWith(prefix)).map((flag) => flag.slice(prefix.length));
  return values.at(-1);
}

function hasFlag(flags: readonly string[], name: string): boolean {
  return flags.some((flag) => {
    const lower = flag.toLowerCase();
    return lower === `--${name}` || lower === `--${name}=true`;
  });
}

function isHeredocSource(source: string, names: ReadonlySet<string>): boolean {
  const match = /^<<-?(["']?)([^"']+)\1$/.exec(source);
  return match !== null && (names.size === 0 || names.has(match[2]!));
}
