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
import { linkRead, type CompiledInput } from '../dockerfile/stage-inputs.js';
import { isOutside, type BuildModel, type ServiceModel } from '../workspace.js';
import { copyStepsOf, type BaseImageConfig, type StageSteps } from './copy-steps.js';
import type { SyncOwner } from './ownership.js';
import { placeInImage } from './placement.js';
import { destinationsOf, earlierCopies, inputsOf, isBuildDefinition, isWithin, readersOf, writes } from './reads-and-writes.js';

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
  const scope = syncScope(request);
  if (scope === undefined) return { kind: 'none' };
  const blockers: SyncReason[] = [];
  const reasons: SyncReason[] = [];
  const files: SyncFile[] = [];
  let relevant = false;
  for (const change of scope.changes) {
    const verdict = judgeChange(scope, change);
    relevant ||= verdict.relevant;
    blockers.push(...verdict.blockers);
    reasons.push(...verdict.reasons);
    files.push(...verdict.files);
  }
  if (blockers.length > 0) return { kind: 'rebuild', reason: blockers[0]!, reasons: blockers };
  if (!relevant) return { kind: 'none' };
  files.sort((a, b) => compare(a.destination, b.destination) || compare(a.source, b.source));
  return { kind: 'sync', files: dedupe(files), reasons };
}

/** What every change of one batch is judged against: the build, its COPY steps from the base image on, the context's files. */
interface SyncScope {
  readonly build: BuildModel;
  readonly contextDir: string;
  readonly chain: readonly StageSteps[];
  /** The target stage's steps (the chain's last). */
  readonly target: StageSteps;
  readonly bindMounts: SyncRequest['bindMounts'];
  /** The context's files, with the batch's new files added (context-relative). */
  readonly contextFiles: readonly string[];
  /** The batch, paths normalised, in path order. */
  readonly changes: readonly ContextChange[];
}

/** The scope of a request; undefined for a build whose context is not a local directory (nothing to sync from). */
function syncScope(request: SyncRequest): SyncScope | undefined {
  const { build } = request;
  if (build.contextDir === undefined) return undefined;
  const contextDir = build.contextDir;
  const chain = copyStepsOf(build, request.baseImage);
  const knownFiles = new Set(request.contextFiles);
  for (const change of request.changes) {
    const relative = path.relative(contextDir, change.path);
    if (change.kind === 'file' && relative !== '' && !isOutside(relative)) knownFiles.add(relative);
  }
  const changes = request.changes.map((c) => ({ ...c, path: path.normalize(c.path) })).sort((a, b) => compare(a.path, b.path));
  return {
    build,
    contextDir,
    chain,
    target: chain[chain.length - 1]!,
    bindMounts: request.bindMounts,
    contextFiles: [...knownFiles],
    changes,
  };
}

/** What one change of the batch asks for: whether the build reads it, what refuses a sync, and what to write. */
interface ChangeVerdict {
  readonly relevant: boolean;
  readonly blockers: readonly SyncReason[];
  readonly reasons: readonly SyncReason[];
  readonly files: readonly SyncFile[];
}

/** An instruction of the Dockerfile: the stage it is in (by index), its text and line. */
type Where = { readonly stage: number; readonly instruction: string; readonly line: number };

/** A reason about `change`, naming the instruction at fault (if any) by stage name. */
function reason(scope: SyncScope, change: ContextChange, rule: SyncRule, where: Where | undefined, message: string): SyncReason {
  return { path: change.path, rule, ...named(scope, where), message };
}

function named(scope: SyncScope, where: Where | undefined): { stage: string | null; instruction: string | null; line: number | null } {
  if (where === undefined) return { stage: null, instruction: null, line: null };
  return { stage: scope.build.graph.stages[where.stage]!.displayName, instruction: where.instruction, line: where.line };
}

/** `web/Dockerfile:12`, for messages. */
function at(scope: SyncScope, line: number): string {
  return `${scope.build.dockerfileLabel}:${line}`;
}

/** One change: first the rules of the Dockerfile's shape, then, reader by reader, where the path lands. */
function judgeChange(scope: SyncScope, change: ContextChange): ChangeVerdict {
  const { build } = scope;
  if (isBuildDefinition(build, change.path)) {
    const refusal = reason(scope, change, 'dockerfile', undefined, `${path.basename(change.path)} changed: the build itself is different`);
    return { relevant: true, blockers: [refusal], reasons: [], files: [] };
  }
  const readers = readersOf(build, change.path);
  if (readers.length === 0) return { relevant: false, blockers: [], reasons: [], files: [] };
  const shown = path.relative(scope.contextDir, change.path);
  const own = readers.filter((r) => r.stage === build.targetStage && r.context === '.' && r.keyword !== 'RUN');
  const refusal = shapeBlocker(scope, change, shown, readers, own);
  if (refusal !== undefined) return { relevant: true, blockers: [refusal], reasons: [], files: [] };
  const blockers: SyncReason[] = [];
  const reasons: SyncReason[] = [];
  const files: SyncFile[] = [];
  for (const reader of own) {
    const outcome = placeChange(scope, change, shown, reader);
    if (outcome.kind === 'blocked') blockers.push(outcome.reason);
    else if (outcome.kind === 'seen') reasons.push(outcome.reason);
    else if (outcome.kind === 'sync') {
      files.push(outcome.file);
      reasons.push(outcome.reason);
    }
  }
  return { relevant: true, blockers, reasons, files };
}

/**
 * The rules decided by the Dockerfile's shape alone (SHAPE_RULES in shape-refusal.ts): a reader other than the target's
 * own COPY/ADD, a read through a symlink, a symlink changed, an ONBUILD copy in a stage below, a RUN after the first COPY.
 */
function shapeBlocker(
  scope: SyncScope,
  change: ContextChange,
  shown: string,
  readers: readonly CompiledInput[],
  own: readonly CompiledInput[],
): SyncReason | undefined {
  const { build } = scope;
  const other = readers.find((r) => !own.includes(r));
  if (other !== undefined) {
    const where = { stage: other.stage, instruction: other.instruction, line: other.line };
    const line = at(scope, other.line);
    if (other.context !== '.')
      return reason(
        scope,
        change,
        'copy-from',
        where,
        `${other.instruction} at ${line} reads ${change.path} from the named context '${other.context}'`,
      );
    if (other.keyword === 'RUN')
      return reason(scope, change, 'run-mount', where, `${other.instruction} at ${line} reads ${shown} through a bind mount`);
    const stages = build.graph.stages;
    return reason(
      scope,
      change,
      'other-stage',
      where,
      `${shown} is read by ${other.instruction} at ${line} in stage ${stages[other.stage]!.displayName}, not only by ${stages[build.targetStage]!.displayName}`,
    );
  }
  const linked = own.find((r) => r.followed.length > 0 && linkRead(r, shown) !== undefined);
  if (linked !== undefined) {
    return reason(
      scope,
      change,
      'symlink',
      linked,
      `${linked.instruction} at ${at(scope, linked.line)} reads ${shown} through a symlink on ${linked.source}; a rebuild follows it`,
    );
  }
  if (change.kind === 'symlink')
    return reason(scope, change, 'symlink', undefined, `${shown} is a symlink; live sync writes files and directories only`);
  const onbuild = scope.chain.slice(0, -1).flatMap((s) => s.onbuildCopies.map((ref) => ({ ...ref, stage: s.stage })))[0];
  if (onbuild !== undefined) {
    return reason(
      scope,
      change,
      'onbuild',
      onbuild,
      `${onbuild.instruction} at ${at(scope, onbuild.line)} copies from the context in stages built from ${build.graph.stages[onbuild.stage]!.displayName}`,
    );
  }
  const first = own[0]!;
  const run = scope.target.runs.find((r) => r.line > first.line);
  if (run !== undefined)
    return reason(
      scope,
      change,
      'run-after-copy',
      { stage: build.targetStage, ...run },
      `${run.instruction} at ${at(scope, run.line)} runs after ${first.instruction} (line ${first.line})`,
    );
  return undefined;
}

/** What one of the target's own COPY/ADD steps makes of the change. */
type Placed =
  | { readonly kind: 'blocked'; readonly reason: SyncReason }
  /** Nothing to write: the copied directory itself. */
  | { readonly kind: 'nothing' }
  /** Nothing to write: the container sees the path through a bind mount. */
  | { readonly kind: 'seen'; readonly reason: SyncReason }
  | { readonly kind: 'sync'; readonly file: SyncFile; readonly reason: SyncReason };

/** Where the step that `reader` belongs to puts the change, and whether another step writes there too. */
function placeChange(scope: SyncScope, change: ContextChange, shown: string, reader: CompiledInput): Placed {
  const { build } = scope;
  const step = scope.target.copies.find((s) => s.line === reader.line)!;
  const where = { stage: step.stage, instruction: step.instruction, line: step.line };
  const blocked = (rule: SyncRule, site: Where, message: string): Placed => ({
    kind: 'blocked',
    reason: reason(scope, change, rule, site, message),
  });
  const line = at(scope, step.line);
  if (step.destination === undefined)
    return blocked('unknown-destination', where, `${step.instruction} at ${line}: ${step.problem ?? 'the destination is unknown'}`);
  const placement = placeInImage({ ...step, destination: step.destination }, reader.source, shown);
  if (placement === undefined)
    return blocked('unknown-destination', where, `${step.instruction} at ${line}: dockstage cannot tell where ${shown} lands`);
  if (placement.sourceRoot) {
    if (change.kind === null)
      return blocked(
        'deleted-source',
        where,
        `${shown} was deleted but ${step.instruction} at ${line} copies it by name; the build will say what is missing`,
      );
    if (step.keyword === 'ADD')
      return blocked('add-archive', where, `${step.instruction} at ${line} unpacks ${shown} if it is an archive; only a build knows`);
    if (change.kind === 'directory') return { kind: 'nothing' };
  }
  const candidates = destinationsOf(placement, shown);
  const mount = scope.bindMounts.find((m) => candidates.every((c) => isWithin(c, m.target)));
  if (mount !== undefined) {
    return {
      kind: 'seen',
      reason: reason(
        scope,
        change,
        'bind-mount',
        where,
        `${placement.destination} is under the bind mount ${mount.target}: the container already sees ${shown}`,
      ),
    };
  }
  const stepInputs = inputsOf(build, step);
  const index = stepInputs.indexOf(reader);
  const later = [
    { step, inputs: stepInputs.slice(index + 1) },
    ...scope.target.copies.filter((s) => s.line > step.line).map((s) => ({ step: s, inputs: inputsOf(build, s) })),
  ].find((other) => writes(other.step, other.inputs, build, scope.contextFiles, candidates, change.kind === null))?.step;
  if (later !== undefined) {
    return blocked(
      'written-again',
      later,
      `${later.instruction} at ${at(scope, later.line)} writes ${placement.destination} again after ${step.instruction} (line ${step.line})`,
    );
  }
  if (change.kind === null) {
    const earlier = [
      ...earlierCopies(scope.chain, step).map((s) => ({ step: s, inputs: inputsOf(build, s) })),
      { step, inputs: stepInputs.slice(0, index) },
    ].find((other) => writes(other.step, other.inputs, build, scope.contextFiles, candidates, true))?.step;
    if (earlier !== undefined)
      return blocked(
        'written-before',
        earlier,
        `${earlier.instruction} at ${at(scope, earlier.line)} also writes ${placement.destination}, which a rebuild keeps`,
      );
  }
  const file: SyncFile = {
    source: change.path,
    destination: placement.destination,
    type: change.kind === 'directory' ? 'directory' : 'file',
    delete: change.kind === null,
    intoDirectoryIfExists: placement.intoDirectoryIfExists,
    chown: step.owner,
    chmod: step.chmod,
    directories: placement.directories.map((d) => ({
      destination: d.containerPath,
      source: d.hostPath === undefined ? undefined : path.join(scope.contextDir, d.hostPath),
    })),
    stage: build.graph.stages[build.targetStage]!.displayName,
    instruction: step.instruction,
    line: step.line,
  };
  return {
    kind: 'sync',
    file,
    reason: reason(
      scope,
      change,
      'sync',
      where,
      `${shown} → ${placement.destination}${change.kind === null ? ' (removed)' : ''} by ${step.instruction} at ${line}`,
    ),
  };
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
