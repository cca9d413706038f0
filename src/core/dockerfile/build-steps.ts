/**
 * Mapping BuildKit's build steps back to the Dockerfile: which stage and
 * instruction (and so which line) a progress step like
 * `[builder 2/4] RUN npm ci` is. Pure: used to point build failures and step
 * timings at `file:line`.
 *
 * BuildKit numbers only the instructions that produce a vertex (checked on
 * engine 20.10 / BuildKit v0.8 and in dockerfile2llb): `FROM <image>` (not
 * `FROM <stage>` or `FROM scratch`), RUN, COPY, ADD and WORKDIR. ENV, ARG,
 * LABEL and the rest are not steps. The printed instruction has ARG/ENV values
 * expanded, so matching by text treats every `$VAR` as a wildcard.
 */
import type { DockerfileInstruction } from './parse.js';
import type { Stage, StageGraph } from './stage-graph.js';

/** Where a BuildKit step sits in the Dockerfile, parsed from its vertex name (`[builder 2/4] RUN npm ci`). */
export interface StepRef {
  /** Vertex digest: the step's identity within one build. */
  readonly vertex: string;
  /** Stage display name (`builder`, `stage-2`), or null for internal steps (`[internal] load build context`). */
  readonly stage: string | null;
  /** Step k of n within the stage, when BuildKit numbers it. */
  readonly step: number | null;
  readonly total: number | null;
  /** The vertex name after the bracket: the instruction as BuildKit prints it. */
  readonly instruction: string;
}

/**
 * Progress of one build, in order; steps carry their StepRef so the engine can map them to Dockerfile lines. `at` is
 * Unix ms. Defined here (not in the builder port) because the engine state folds these events.
 */
export type BuildEvent =
  | ({ readonly type: 'step-started'; readonly at: number } & StepRef)
  | ({
      readonly type: 'step-completed';
      readonly at: number;
      readonly cached: boolean;
      readonly durationMs: number | null;
      readonly error?: string;
    } & StepRef)
  | ({ readonly type: 'step-log'; readonly stream: 'stdout' | 'stderr'; readonly text: string } & StepRef)
  | { readonly type: 'build-warning'; readonly message: string; readonly line?: number | undefined };

/** Where a build step is in the parsed Dockerfile. */
export interface LocatedStep {
  /** Stage index in the graph. */
  readonly stage: number;
  readonly instruction: DockerfileInstruction;
  /** First line of the instruction (1-based). */
  readonly line: number;
}

const NUMBERED_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);
/** Longer instructions are compared by their literal prefix only, to keep matching linear. */
const MAX_WILDCARDS = 24;

/**
 * The instructions of a stage that BuildKit numbers as `[stage k/n]`, in order:
 * element k-1 is step k.
 */
export function numberedSteps(stage: Stage): DockerfileInstruction[] {
  const from = stage.instructions[0];
  const head = stage.base.kind === 'image' && from !== undefined ? [from] : [];
  return [...head, ...stage.instructions.slice(1).filter((instruction) => NUMBERED_KEYWORDS.has(instruction.keyword))];
}

/**
 * Finds the Dockerfile instruction of a BuildKit step. Tries, in order: the
 * step number when the stage has as many numbered steps as BuildKit counted and
 * the text agrees; the instruction text within the stage (nearest to the step
 * number when several match); the step number alone when the keyword agrees.
 * Internal steps (`step` null) and unknown stages give undefined. A step with no
 * stage is a single-stage Dockerfile's (BuildKit prints `[1/3]` there).
 */
export function locateStep(graph: StageGraph, step: StepRef): LocatedStep | undefined {
  if (step.step === null) return undefined;
  const stage =
    step.stage === null
      ? graph.stages.length === 1
        ? graph.stages[0]
        : undefined
      : graph.stages.find((candidate) => candidate.displayName === step.stage!.toLowerCase());
  if (stage === undefined) return undefined;
  const printed = step.instruction.replace(/^ONBUILD\s+/i, '');
  const keyword = (/^\S+/.exec(printed)?.[0] ?? '').toUpperCase();
  const numbered = numberedSteps(stage);
  const countsAgree = step.total === null || step.total === numbered.length;
  const byNumber = countsAgree ? numbered[step.step - 1] : undefined;
  const located = (instruction: DockerfileInstruction): LocatedStep => ({ stage: stage.index, instruction, line: instruction.startLine });

  if (byNumber !== undefined && byNumber.keyword === keyword && instructionMatches(byNumber, printed)) return located(byNumber);

  const byText = stage.instructions.filter((instruction) => instruction.keyword === keyword && instructionMatches(instruction, printed));
  if (byText.length > 0) {
    const position = (instruction: DockerfileInstruction): number => {
      const index = numbered.indexOf(instruction);
      return Math.abs((index === -1 ? Number.MAX_SAFE_INTEGER / 2 : index + 1) - step.step!);
    };
    return located([...byText].sort((a, b) => position(a) - position(b) || a.startLine - b.startLine)[0]!);
  }

  if (byNumber !== undefined && byNumber.keyword === keyword) return located(byNumber);
  return undefined;
}

/**
 * True when BuildKit's printed instruction can be `written` after ARG/ENV
 * expansion. Flags, quotes, backslashes and runs of blanks are ignored on both
 * sides; each `$NAME` / `${…}` in the written text matches any text. FROM
 * matches on the keyword alone (BuildKit prints the normalised image reference).
 */
export function instructionMatches(written: DockerfileInstruction, printed: string): boolean {
  const printedKeyword = (/^\S+/.exec(printed)?.[0] ?? '').toUpperCase();
  if (printedKeyword !== written.keyword) return false;
  if (written.keyword === 'FROM') return true;
  const expected = canonical(afterFlags(written.original));
  const actual = canonical(afterFlags(printed));
  if (expected === actual) return true;
  const parts = expected.split(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/);
  if (parts.length === 1) return false;
  if (parts.length > MAX_WILDCARDS) return actual.startsWith(parts[0]!);
  const pattern = parts.map((part) => part.split(' ').map(escapeRegExp).join('\\s*')).join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(actual);
}

/** The text after the keyword and any leading `--flag[=value]` words. */
function afterFlags(text: string): string {
  let rest = text.trim().replace(/^\S+\s*/, '');
  for (let flag = /^--\S*\s*/.exec(rest); flag !== null; flag = /^--\S*\s*/.exec(rest)) rest = rest.slice(flag[0].length);
  return rest;
}

function canonical(text: string): string {
  return text
    .replace(/["'\\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
