/**
 * The change planner: from changed paths (or from staleness) to one action per
 * service, `rebuild`, `restart` or `none`, each with the reasons that led to it.
 *
 * For a changed path P and a service S building target T (DESIGN.md):
 *   1. rebuild if a stage in T's closure reads P (COPY/ADD source or bind-mount
 *      source, not excluded by the ignore file), or P is S's Dockerfile or the
 *      ignore file in force;
 *   2. else restart if P lies under a bind mount of S and the environment says
 *      `on_change: restart`;
 *   3. else none.
 * Then services that `depends_on` a rebuilt or restarted service with
 * `restart: true` are restarted (transitively).
 */
import path from 'node:path/posix';
import { inputsReading, linkRead } from '../dockerfile/stage-inputs.js';
import { DockstageError } from '../errors.js';
import { buildContexts, closureStageNames, relativeLabel, sharedBuilds, type ServiceModel, type Workspace } from '../workspace.js';

/**
 * The one thing a change makes a service do, from most to least: rebuild its image, recreate its container on the image
 * it already has (the container runs an older build), restart its container, or nothing.
 */
export type Action = 'rebuild' | 'recreate' | 'restart' | 'none';

/** The planner rule behind a reason. `plan` words each rule differently, so a new rule needs its wording there too. */
export type ReasonRule =
  | 'input'
  | 'dockerfile'
  | 'dockerignore'
  | 'bind-mount'
  | 'depends-on'
  | 'image-missing'
  | 'inputs-changed'
  /** The image is up to date, but the running container was created from an older build of it. */
  | 'container-behind'
  /** Asked for, not caused by a file: the check at start, a key, a command, an environment switch, a new service. */
  | 'requested';

/**
 * Why a service got its action. `stage`, `instruction` and `line` point into the Dockerfile for `input` reasons and are null
 * for every other rule.
 */
export interface PlanReason {
  /** The changed path (relative to the project directory when inside it), or null for staleness reasons. */
  readonly path: string | null;
  readonly stage: string | null;
  readonly instruction: string | null;
  readonly line: number | null;
  readonly rule: ReasonRule;
  /** Extra words for the user: the dependency restarted, the mount, the hashes compared. */
  readonly detail?: string;
}

/** One service's verdict. `reasons` are sorted by path, then line; the first is the summary `plan` prints on the service's line. */
export interface ServicePlan {
  readonly name: string;
  readonly target: string | null;
  readonly image: string | null;
  readonly stages: readonly string[];
  readonly action: Action;
  readonly reasons: readonly PlanReason[];
  /** Other services that build the very same image: it is built once for all of them. */
  readonly sharedWith: readonly string[];
  /** The check stages of the service's Dockerfile in this environment (core/checks.ts), built in the background by `watch`. */
  readonly checks: readonly string[];
}

/** The planner's whole answer, services sorted by name. `plan --json` prints it as it is, so its shape is public. */
export interface Plan {
  readonly project: string;
  readonly environment: string;
  readonly services: readonly ServicePlan[];
}

/**
 * What is known about the image of a built service, for staleness plans. `runningImageId` is the image the service's
 * running container was created from, when one runs: another than the tag's means the container is behind.
 */
export type ImageFreshness =
  | { readonly state: 'missing' }
  | { readonly state: 'stale'; readonly imageHash: string | undefined; readonly currentHash: string }
  | { readonly state: 'fresh'; readonly imageId?: string; readonly runningImageId?: string | undefined };

/**
 * Why a built service is stale, as the planner's rule (`plan` words it, `status --json` shows it as `staleReason`):
 * no image, inputs changed since the image was built, or the running container was created from an older build than
 * the image its tag names now. Undefined when it is up to date (or nothing is known).
 */
export function staleness(freshness: ImageFreshness | undefined): 'image-missing' | 'inputs-changed' | 'container-behind' | undefined {
  if (freshness === undefined) return undefined;
  if (freshness.state === 'missing') return 'image-missing';
  if (freshness.state === 'stale') return 'inputs-changed';
  const behind =
    freshness.imageId !== undefined && freshness.runningImageId !== undefined && freshness.runningImageId !== freshness.imageId;
  return behind ? 'container-behind' : undefined;
}

/** Why a dependent with `depends_on: {SERVICE: {restart: true}}` restarts: SERVICE was recreated or restarted. */
export function dependsOnRestart(service: string): PlanReason {
  return { path: null, stage: null, instruction: null, line: null, rule: 'depends-on', detail: `depends_on ${service} with restart: true` };
}

/** The plan for a set of changed absolute paths. */
export function planForChanges(workspace: Workspace, changedPaths: readonly string[]): Plan {
  const paths = sortedUnique(changedPaths.map(normalized));
  // Below the project directory (nearly always) a label is a slice of the path: cheaper than remembering it.
  const label = (p: string) => relativeLabel(workspace.projectDir, p);
  // Services that share a build (web and worker on one Dockerfile and target) read the same files: one look each.
  const byBuild = new Map<string, readonly PlanReason[]>();
  const buildReasons = (build: NonNullable<ServiceModel['build']>) => {
    let reasons = byBuild.get(build.buildKey);
    if (reasons === undefined) byBuild.set(build.buildKey, (reasons = readsOf(build, paths, label)));
    return reasons;
  };
  const own = new Map<string, { action: Action; reasons: PlanReason[] }>();
  for (const service of workspace.services) {
    own.set(service.name, decide(service, service.build === undefined ? [] : buildReasons(service.build), paths, label));
  }
  return finish(workspace, own);
}

/**
 * Warnings for the changed paths no plan can concern: outside the project directory and outside every directory and
 * file a service is planned from (build and named contexts, Dockerfiles, ignore files, bind mounts), in the order given.
 * A path typed relative to the wrong directory (`plan --changed` resolves against the current one) would otherwise plan
 * as nothing, silently.
 */
export function changesOutsideProject(workspace: Workspace, changedPaths: readonly string[]): DockstageError[] {
  const dirs = [workspace.projectDir];
  const files = new Set<string>();
  for (const service of workspace.services) {
    const build = service.build;
    if (build !== undefined) {
      for (const [, dir] of buildContexts(build)) dirs.push(dir);
      for (const file of [build.dockerfilePath, build.ignoreFile, ...ignoreCandidates(build)]) if (file !== undefined) files.add(file);
    }
    for (const mount of service.bindMounts) dirs.push(mount.source);
  }
  const concerned = (file: string) => files.has(file) || dirs.some((dir) => file === dir || below(dir, file) !== undefined);
  return changedPaths
    .filter((changed) => !concerned(normalized(changed)))
    .map(
      (changed) =>
        new DockstageError(
          `--changed ${changed} is outside the project directory ${workspace.projectDir}, so it changes nothing (paths are relative to the current directory)`,
        ),
    );
}

/** The plan from image freshness (inputs hash vs image label) per built service. */
export function planForFreshness(workspace: Workspace, freshness: Readonly<Record<string, ImageFreshness>>): Plan {
  const own = new Map<string, { action: Action; reasons: PlanReason[] }>();
  for (const service of workspace.services) {
    const state = freshness[service.name];
    const stale = service.build === undefined ? undefined : staleness(state);
    if (stale === undefined || state === undefined) {
      own.set(service.name, { action: 'none', reasons: [] });
      continue;
    }
    if (state.state === 'fresh') {
      const detail = `the container runs an older build (${shortId(state.runningImageId!)}) than ${service.image} (${shortId(state.imageId!)})`;
      own.set(service.name, {
        action: 'recreate',
        reasons: [{ path: null, stage: null, instruction: null, line: null, rule: 'container-behind', detail }],
      });
      continue;
    }
    const reason: PlanReason =
      state.state === 'missing'
        ? { path: null, stage: null, instruction: null, line: null, rule: 'image-missing', detail: `no image ${service.image}` }
        : {
            path: null,
            stage: null,
            instruction: null,
            line: null,
            rule: 'inputs-changed',
            detail: `inputs hash ${state.currentHash.slice(0, 12)} differs from the image's ${state.imageHash?.slice(0, 12) ?? '(none)'}`,
          };
    own.set(service.name, { action: 'rebuild', reasons: [reason] });
  }
  return finish(workspace, own);
}

/** Why a build must run again for the changed paths: its Dockerfile, its ignore file, or an input an instruction reads. */
/** The reasons a build reads the changed paths (input, Dockerfile or ignore file), for a target or a check stage. */
export function buildReads(
  build: NonNullable<ServiceModel['build']>,
  paths: readonly string[],
  label: (p: string) => string,
): PlanReason[] {
  return readsOf(build, sortedUnique(paths.map(normalized)), label);
}

function readsOf(build: NonNullable<ServiceModel['build']>, paths: readonly string[], label: (p: string) => string): PlanReason[] {
  const reasons: PlanReason[] = [];
  const candidates = ignoreCandidates(build);
  const contexts = buildContexts(build);
  const exact = [build.dockerfilePath, build.ignoreFile, ...candidates].filter((file) => file !== undefined);
  for (const changed of pathsConcerning(
    paths,
    contexts.map(([, dir]) => dir),
    exact,
  )) {
    if (changed === build.dockerfilePath) {
      reasons.push({ path: label(changed), stage: null, instruction: null, line: null, rule: 'dockerfile' });
      continue;
    }
    if (changed === build.ignoreFile || candidates.includes(changed)) {
      reasons.push({ path: label(changed), stage: null, instruction: null, line: null, rule: 'dockerignore' });
      continue;
    }
    for (const [context, dir] of contexts) {
      const relative = below(dir, changed);
      if (relative === undefined) continue;
      for (const input of inputsReading(relative, context, build.inputs, build.ignore)) {
        // Rare: only a source with a symlink on its path has `followed` entries.
        const through = input.followed.length > 0 && linkRead(input, relative) !== undefined;
        reasons.push({
          path: label(changed),
          stage: build.graph.stages[input.stage]!.displayName,
          instruction: input.instruction,
          line: input.line,
          rule: 'input',
          ...(through ? { detail: `through a symlink on ${input.source}` } : {}),
        });
      }
    }
  }
  return reasons;
}

/** A service's verdict: rebuild when its build reads a changed path, else restart for a change under a bind mount. */
function decide(
  service: ServiceModel,
  buildReasons: readonly PlanReason[],
  paths: readonly string[],
  label: (p: string) => string,
): { action: Action; reasons: PlanReason[] } {
  const reasons = [...buildReasons];
  if (reasons.length > 0) return { action: 'rebuild', reasons };
  if (service.onChange === 'restart') {
    for (const changed of pathsConcerning(
      paths,
      service.bindMounts.map((m) => m.source),
      [],
    )) {
      const mount = service.bindMounts.find((m) => below(m.source, changed) !== undefined);
      if (mount !== undefined) {
        reasons.push({
          path: label(changed),
          stage: null,
          instruction: null,
          line: null,
          rule: 'bind-mount',
          detail: `mounted at ${mount.target}`,
        });
      }
    }
  }
  return { action: reasons.length > 0 ? 'restart' : 'none', reasons };
}

function finish(workspace: Workspace, own: Map<string, { action: Action; reasons: PlanReason[] }>): Plan {
  // depends_on with restart: true, to a fixpoint (a chain of such dependencies restarts down the chain).
  let changed = true;
  while (changed) {
    changed = false;
    for (const service of workspace.services) {
      const mine = own.get(service.name)!;
      if (mine.action !== 'none') continue;
      const trigger = service.dependsOn.find((dep) => dep.restart && (own.get(dep.service)?.action ?? 'none') !== 'none');
      if (trigger !== undefined) {
        own.set(service.name, {
          action: 'restart',
          reasons: [dependsOnRestart(trigger.service)],
        });
        changed = true;
      }
    }
  }
  return {
    project: workspace.project.name,
    environment: workspace.environment.name,
    services: workspace.services.map((service) => {
      const decision = own.get(service.name)!;
      return {
        name: service.name,
        target: service.build?.target ?? null,
        image: service.image ?? null,
        stages: service.build === undefined ? [] : closureStageNames(service.build),
        action: decision.action,
        reasons: sortReasons(decision.reasons),
        sharedWith: sharedBuilds(workspace, service.name),
        checks: service.build?.checks.map((check) => check.stage) ?? [],
      };
    }),
  };
}

/** Ignore files that would take effect if created: the Dockerfile-specific one, and the context's while no specific one exists. */
function ignoreCandidates(build: NonNullable<ServiceModel['build']>): string[] {
  const candidates: string[] = [];
  if (build.dockerfilePath !== undefined) candidates.push(`${build.dockerfilePath}.dockerignore`);
  const specificInForce = build.ignoreFile !== undefined && build.ignoreFile === candidates[0];
  if (build.contextDir !== undefined && !specificInForce) candidates.push(path.join(build.contextDir, '.dockerignore'));
  return candidates;
}

/** A path without `.`, `..` or empty elements and no trailing slash comes back as it is; others through path.normalize. */
function normalized(file: string): string {
  return UNNORMALIZED.test(file) ? path.normalize(file) : file;
}

const UNNORMALIZED = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|[^]\/$|^$/;

/** Sorted (code-unit order) without repeats; the watcher's batches are already, and come back as they are. */
function sortedUnique(paths: readonly string[]): readonly string[] {
  for (let i = 1; i < paths.length; i++) if (!(paths[i - 1]! < paths[i]!)) return [...new Set(paths)].sort();
  return paths;
}

/**
 * The paths (sorted, as `planForChanges` holds them) below any of `dirs` or equal to one of `files`, in order. A
 * branch switch hands in thousands of paths and a project has dozens of services: each service looks at its own
 * part of the sorted list (binary search) instead of at every path.
 */
function pathsConcerning(paths: readonly string[], dirs: readonly string[], files: readonly string[]): string[] {
  const picked = new Set<number>();
  for (const dir of dirs) {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    // Every string starting with the prefix sorts at or after it and before the prefix with its last code unit + 1.
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    for (let i = lowerBound(paths, prefix), stop = lowerBound(paths, end); i < stop; i++) picked.add(i);
  }
  for (const file of files) {
    const i = lowerBound(paths, file);
    if (paths[i] === file) picked.add(i);
  }
  return [...picked].sort((a, b) => a - b).map((i) => paths[i]!);
}

/** The first index whose path is not less than `value` (code-unit order, as Array.prototype.sort). */
function lowerBound(paths: readonly string[], value: string): number {
  let low = 0;
  let high = paths.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (paths[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * `file` relative to `dir` when it lies strictly below it, else undefined. Both are normalized absolute paths, so a
 * prefix test is exact (and far cheaper than path.relative, which resolves against the working directory each call).
 */
function below(dir: string, file: string): string | undefined {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return file.startsWith(base) && file.length > base.length ? file.slice(base.length) : undefined;
}

function sortReasons(reasons: readonly PlanReason[]): PlanReason[] {
  return [...reasons].sort((a, b) => {
    const pa = a.path ?? '';
    const pb = b.path ?? '';
    if (pa !== pb) return pa < pb ? -1 : 1;
    return (a.line ?? 0) - (b.line ?? 0);
  });
}

/** An image ID as the docker CLI shows it: 12 hex digits, no `sha256:`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
