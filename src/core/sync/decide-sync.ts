/**
 * Live sync inferred from the Dockerfile (issue #9): for a batch of changed
 * context paths, either the exact files to write into (or remove from) the
 * running container so that it matches the image a rebuild would produce, or
 * the instruction and line that make a rebuild necessary.
 *
 * A path is synced only when every stage of the target's closure reads it,
 * if at all, through COPY/ADD of the target stage itself (not a parent stage,
 * `COPY --from`, or `RUN --mount`), no RUN follows the first such COPY in the
 * target, no later COPY/ADD writes the same destination, and it is not an ADD
 * that might unpack an archive. A path under a bind mount of the service needs
 * nothing (the container sees it). A path no stage reads is no part of the
 * decision. Whether the container runs the image this batch started from is
 * the caller's check (its inputs-hash label), not this function's.
 */
import path from 'node:path/posix';
import { inputsReading, linkRead, type CompiledInput } from '../dockerfile/stage-inputs.js';
import { isOutside, type BuildModel, type ServiceModel } from '../workspace.js';
import { copyStepsOf, type BaseImageConfig, type CopyStep, type StageSteps } from './copy-steps.js';
import type { SyncOwner } from './ownership.js';
import { placeInImage, type Placement } from './placement.js';

export type { BaseImageConfig } from './copy-steps.js';
export type { SyncOwner } from './ownership.js';

/** One changed path of the batch, as the watcher saw it. */
export interface ContextChange {
  /** Absolute host path. */
  readonly path: string;
  /** What is there now, without following a symlink; null when it was deleted. */
  readonly kind: 'file' | 'directory' | 'symlink' | null;
}

/** What `decideSync` needs, as data. */
export interface SyncRequest {
  /** The service's build in the current environment. */
  readonly build: BuildModel;
  /** The service's bind mounts: a destination under one of their targets needs nothing. */
  readonly bindMounts: ServiceModel['bindMounts'];
  readonly changes: readonly ContextChange[];
  /**
   * The main context's files that the build reads now (relative, POSIX), as
   * `filesReadByBuild` lists them: they tell whether another COPY writes a
   * synced destination too.
   */
  readonly contextFiles: readonly string[];
  /**
   * WORKDIR and ENV of the image at the root of the target's FROM chain
   * (`docker image inspect`); undefined when unknown, and then a destination
   * that depends on them sends the batch to a rebuild.
   */
  readonly baseImage: BaseImageConfig | undefined;
}

/** A directory the applier creates when the container lacks it. */
export interface SyncDirectory {
  /** Absolute container path. */
  readonly destination: string;
  /** Absolute host directory whose permission bits it copies (or `--chmod`); undefined: 0755, made by the copy itself. */
  readonly source: string | undefined;
}

/** One thing to do in the container. */
export interface SyncFile {
  /** Absolute host path (what changed). */
  readonly source: string;
  /** Absolute container path, where BuildKit would put it. */
  readonly destination: string;
  readonly type: 'file' | 'directory';
  /** Remove `destination` (recursively: a deleted directory goes with what was in it). */
  readonly delete: boolean;
  /** When `destination` is a directory in the container, the file goes inside it under its own name (BuildKit's rule for a file copied onto a directory). */
  readonly intoDirectoryIfExists: boolean;
  /** `--chown`, or root. Names are resolved in the container, from its /etc/passwd and /etc/group, as BuildKit does from the image's. */
  readonly chown: SyncOwner;
  /** `--chmod` permission bits; undefined: the host file's own. */
  readonly chmod: number | undefined;
  /** Directories on the way, outermost first; only missing ones are created, each owned like the file. */
  readonly directories: readonly SyncDirectory[];
  /** The COPY/ADD this comes from. */
  readonly stage: string;
  readonly instruction: string;
  readonly line: number;
}

/** The rule behind a reason. */
export type SyncRule =
  | 'sync'
  | 'bind-mount'
  | 'dockerfile'
  | 'other-stage'
  | 'run-mount'
  | 'copy-from'
  | 'run-after-copy'
  | 'written-again'
  | 'written-before'
  | 'add-archive'
  | 'deleted-source'
  | 'symlink'
  | 'unknown-destination'
  | 'onbuild';

/** Why a path is synced, needs nothing, or needs a rebuild: the instruction at fault and a sentence for the user. */
export interface SyncReason {
  /** The changed path (absolute). */
  readonly path: string;
  readonly rule: SyncRule;
  readonly stage: string | null;
  /** The instruction that decides: the COPY that syncs, the RUN that prevents it. */
  readonly instruction: string | null;
  readonly line: number | null;
  /** e.g. `RUN npm run build at web/Dockerfile:14 runs after COPY src/ ./src/ (line 10)`. */
  readonly message: string;
}

/** The answer for one service and one batch. */
export type SyncDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'sync'; readonly files: readonly SyncFile[]; readonly reasons: readonly SyncReason[] }
  | { readonly kind: 'rebuild'; readonly reason: SyncReason; readonly reasons: readonly SyncReason[] };

/**
 * Decides one batch for one service. `none`: no stage of the target's closure
 * reads any path of the batch. `rebuild`: some path cannot be synced; every
 * such path has a reason, the first is the summary. `sync`: the files to
 * apply, sorted by destination (possibly none, when every destination lies
 * under a bind mount).
 */
export function decideSync(request: SyncRequest): SyncDecision {
  const { build } = request;
  if (build.contextDir === undefined) return { kind: 'none' };
  const contextDir = build.contextDir;
  const chain = copyStepsOf(build, request.baseImage);
  const target = chain[chain.length - 1]!;
  const label = build.dockerfileLabel;
  const stageName = (index: number) => build.graph.stages[index]!.displayName;
  const targetName = stageName(build.targetStage);
  const knownFiles = new Set(request.contextFiles);
  for (const change of request.changes) {
    const relative = path.relative(contextDir, change.path);
    if (change.kind === 'file' && relative !== '' && !isOutside(relative)) knownFiles.add(relative);
  }
  const contextFiles = [...knownFiles];

  const blockers: SyncReason[] = [];
  const reasons: SyncReason[] = [];
  const files: SyncFile[] = [];
  let relevant = false;
  const changes = [...request.changes].map((c) => ({ ...c, path: path.normalize(c.path) })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  for (const change of changes) {
    const at = (line: number) => `${label}:${line}`;
    const block = (rule: SyncRule, where: { stage: number; instruction: string; line: number } | undefined, message: string) =>
      blockers.push({
        path: change.path,
        rule,
        stage: where === undefined ? null : stageName(where.stage),
        instruction: where?.instruction ?? null,
        line: where?.line ?? null,
        message,
      });

    if (isBuildDefinition(build, change.path)) {
      relevant = true;
      block('dockerfile', undefined, `${path.basename(change.path)} changed: the build itself is different`);
      continue;
    }
    const readers = readersOf(build, change.path);
    if (readers.length === 0) continue;
    relevant = true;
    const shown = path.relative(contextDir, change.path);
    const own = readers.filter((r) => r.stage === build.targetStage && r.context === '.' && r.keyword !== 'RUN');
    const other = readers.find((r) => !own.includes(r));
    if (other !== undefined) {
      const where = { stage: other.stage, instruction: other.instruction, line: other.line };
      if (other.context !== '.') block('copy-from', where, `${other.instruction} at ${at(other.line)} reads ${change.path} from the named context '${other.context}'`);
      else if (other.keyword === 'RUN') block('run-mount', where, `${other.instruction} at ${at(other.line)} reads ${shown} through a bind mount`);
      else block('other-stage', where, `${shown} is read by ${other.instruction} at ${at(other.line)} in stage ${stageName(other.stage)}, not only by ${targetName}`);
      continue;
    }
    const linked = own.find((r) => r.followed.length > 0 && linkRead(r, shown) !== undefined);
    if (linked !== undefined) {
      block('symlink', { stage: linked.stage, instruction: linked.instruction, line: linked.line }, `${linked.instruction} at ${at(linked.line)} reads ${shown} through a symlink on ${linked.source}; a rebuild follows it`);
      continue;
    }
    if (change.kind === 'symlink') {
      block('symlink', undefined, `${shown} is a symlink; live sync writes files and directories only`);
      continue;
    }
    const onbuild = chain.slice(0, -1).flatMap((s) => s.onbuildCopies.map((ref) => ({ ...ref, stage: s.stage })))[0];
    if (onbuild !== undefined) {
      block('onbuild', onbuild, `${onbuild.instruction} at ${at(onbuild.line)} copies from the context in stages built from ${stageName(onbuild.stage)}`);
      continue;
    }
    const first = own[0]!;
    const run = target.runs.find((r) => r.line > first.line);
    if (run !== undefined) {
      block('run-after-copy', { stage: build.targetStage, ...run }, `${run.instruction} at ${at(run.line)} runs after ${first.instruction} (line ${first.line})`);
      continue;
    }

    for (const reader of own) {
      const step = target.copies.find((s) => s.line === reader.line)!;
      const where = { stage: step.stage, instruction: step.instruction, line: step.line };
      if (step.destination === undefined) {
        block('unknown-destination', where, `${step.instruction} at ${at(step.line)}: ${step.problem ?? 'the destination is unknown'}`);
        continue;
      }
      const placement = placeInImage({ ...step, destination: step.destination }, reader.source, shown);
      if (placement === undefined) {
        block('unknown-destination', where, `${step.instruction} at ${at(step.line)}: dockstage cannot tell where ${shown} lands`);
        continue;
      }
      if (placement.sourceRoot) {
        if (change.kind === null) {
          block('deleted-source', where, `${shown} was deleted but ${step.instruction} at ${at(step.line)} copies it by name; the build will say what is missing`);
          continue;
        }
        if (step.keyword === 'ADD') {
          block('add-archive', where, `${step.instruction} at ${at(step.line)} unpacks ${shown} if it is an archive; only a build knows`);
          continue;
        }
        if (change.kind === 'directory') continue; // the copied directory itself: nothing of its own changes
      }
      const candidates = destinationsOf(placement, shown);
      const mount = request.bindMounts.find((m) => candidates.every((c) => isWithin(c, m.target)));
      if (mount !== undefined) {
        reasons.push({ path: change.path, rule: 'bind-mount', ...named(where), message: `${placement.destination} is under the bind mount ${mount.target}: the container already sees ${shown}` });
        continue;
      }
      const stepInputs = inputsOf(build, step);
      const index = stepInputs.indexOf(reader);
      const later = [{ step, inputs: stepInputs.slice(index + 1) }, ...target.copies.filter((s) => s.line > step.line).map((s) => ({ step: s, inputs: inputsOf(build, s) }))]
        .find((other) => writes(other.step, other.inputs, build, contextFiles, candidates, change.kind === null))?.step;
      if (later !== undefined) {
        block('written-again', { stage: later.stage, instruction: later.instruction, line: later.line }, `${later.instruction} at ${at(later.line)} writes ${placement.destination} again after ${step.instruction} (line ${step.line})`);
        continue;
      }
      if (change.kind === null) {
        const earlier = [...earlierCopies(chain, step).map((s) => ({ step: s, inputs: inputsOf(build, s) })), { step, inputs: stepInputs.slice(0, index) }]
          .find((other) => writes(other.step, other.inputs, build, contextFiles, candidates, true))?.step;
        if (earlier !== undefined) {
          block('written-before', { stage: earlier.stage, instruction: earlier.instruction, line: earlier.line }, `${earlier.instruction} at ${at(earlier.line)} also writes ${placement.destination}, which a rebuild keeps`);
          continue;
        }
      }
      files.push({
        source: change.path,
        destination: placement.destination,
        type: change.kind === 'directory' ? 'directory' : 'file',
        delete: change.kind === null,
        intoDirectoryIfExists: placement.intoDirectoryIfExists,
        chown: step.owner,
        chmod: step.chmod,
        directories: placement.directories.map((d) => ({ destination: d.containerPath, source: d.hostPath === undefined ? undefined : path.join(contextDir, d.hostPath) })),
        stage: targetName,
        instruction: step.instruction,
        line: step.line,
      });
      reasons.push({
        path: change.path,
        rule: 'sync',
        ...named(where),
        message: `${shown} → ${placement.destination}${change.kind === null ? ' (removed)' : ''} by ${step.instruction} at ${at(step.line)}`,
      });
    }
  }

  if (blockers.length > 0) return { kind: 'rebuild', reason: blockers[0]!, reasons: blockers };
  if (!relevant) return { kind: 'none' };
  files.sort((a, b) => compare(a.destination, b.destination) || compare(a.source, b.source));
  return { kind: 'sync', files: dedupe(files), reasons };

  function named(where: { stage: number; instruction: string; line: number }) {
    return { stage: stageName(where.stage), instruction: where.instruction, line: where.line };
  }
}

/**
 * The rules decided by the Dockerfile's shape alone (which instructions read a path, what runs after them), before
 * any destination is placed: a refusal by one of them stands whatever the context's other files and the base image
 * are.
 */
const SHAPE_RULES: ReadonlySet<SyncRule> = new Set(['dockerfile', 'other-stage', 'copy-from', 'run-mount', 'symlink', 'onbuild', 'run-after-copy']);

/**
 * A refusal `decideSync` reaches without the context's file list or the base image: the batch's first reason when its
 * rule depends only on the Dockerfile's shape, or undefined when the full decision is needed. Live sync asks
 * it first, so a service whose Dockerfile runs a build step after its COPY goes to the rebuild without a walk of
 * its context.
 */
export function shapeRefusal(request: Omit<SyncRequest, 'contextFiles' | 'baseImage'>): SyncReason | undefined {
  let decision: SyncDecision;
  try {
    decision = decideSync({ ...request, contextFiles: [], baseImage: undefined });
  } catch {
    // An expansion that needs the base image's ENV (`${VAR:?}`): only the full decision can tell.
    return undefined;
  }
  if (decision.kind !== 'rebuild' || !SHAPE_RULES.has(decision.reason.rule)) return undefined;
  // The full decision's summary is its first refused path, and with the real data an earlier path the build reads
  // could be refused too (written again by a later COPY): the answer stands only for the first path the build reads.
  const first = request.changes
    .map((change) => path.normalize(change.path))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .find((file) => isBuildDefinition(request.build, file) || readersOf(request.build, file).length > 0);
  return first === decision.reason.path ? decision.reason : undefined;
}

/** The inputs of the closure (any stage, any context) that read the absolute `file`. */
function readersOf(build: BuildModel, file: string): CompiledInput[] {
  const contexts: Array<[string, string]> = [['.', build.contextDir!], ...Object.entries(build.namedContexts)];
  const readers: CompiledInput[] = [];
  for (const [context, dir] of contexts) {
    const relative = path.relative(dir, file);
    if (relative === '' || isOutside(relative)) continue;
    readers.push(...inputsReading(relative, context, build.inputs, build.ignore));
  }
  return readers.sort((a, b) => a.line - b.line);
}

/** The Dockerfile, or an ignore file that is (or would be, once created) in force. */
function isBuildDefinition(build: BuildModel, file: string): boolean {
  if (file === build.dockerfilePath || file === build.ignoreFile) return true;
  const specific = build.dockerfilePath === undefined ? undefined : `${build.dockerfilePath}.dockerignore`;
  if (file === specific) return true;
  const specificInForce = specific !== undefined && build.ignoreFile === specific;
  return !specificInForce && build.contextDir !== undefined && file === path.join(build.contextDir, '.dockerignore');
}

/** Every container path the placement may turn out to be. */
function destinationsOf(placement: Placement, contextPath: string): string[] {
  if (!placement.intoDirectoryIfExists) return [placement.destination];
  return [placement.destination, `${placement.destination === '/' ? '' : placement.destination}/${path.basename(contextPath)}`];
}

/** The main-context sources of a COPY/ADD step, compiled, in the order the step copies them. */
function inputsOf(build: BuildModel, step: CopyStep): CompiledInput[] {
  return build.inputs.filter((input) => input.stage === step.stage && input.line === step.line && input.context === '.');
}

/**
 * Whether `step`, through `inputs` (some of its sources), writes one of
 * `destinations` (or, with `below`, anything under them: a deleted path may
 * have been a directory). Context sources are checked file by file against
 * `contextFiles`; a copy from a stage, an image or a named context, and an
 * ADD of a file that might be an archive, count for their whole destination.
 */
function writes(step: CopyStep, inputs: readonly CompiledInput[], build: BuildModel, contextFiles: readonly string[], destinations: readonly string[], below: boolean): boolean {
  if (step.destination === undefined) return true;
  const region = step.destination.path;
  if (!destinations.some((d) => isWithin(d, region) || (below && isWithin(region, d)))) return false;
  if (step.from !== undefined) return true;
  const touches = (written: string) => destinations.some((d) => written === d || (below && isWithin(written, d)));
  for (const input of inputs) {
    for (const file of contextFiles) {
      if (build.ignore?.excludes(file) === true || !input.matcher.reads(file)) continue;
      const placement = placeInImage({ ...step, destination: step.destination }, input.source, file);
      if (placement === undefined || (step.keyword === 'ADD' && placement.sourceRoot)) return true;
      if (destinationsOf(placement, file).some(touches)) return true;
    }
  }
  return false;
}

/** The COPY/ADD steps that run before `step`: every step of the chain's earlier stages, then the target's before it. */
function earlierCopies(chain: readonly StageSteps[], step: CopyStep): CopyStep[] {
  return chain.flatMap((stage) => stage.copies.filter((s) => s.stage !== step.stage || s.line < step.line));
}

function isWithin(file: string, dir: string): boolean {
  return dir === '/' || file === dir || file.startsWith(`${dir}/`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupe(files: readonly SyncFile[]): SyncFile[] {
  const seen = new Set<string>();
  return files.filter((file) => {
    const key = `${file.destination}\0${file.source}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
