/**
 * Building the services of a workspace: one build per distinct build (services
 * that share context, Dockerfile, target and args are built once and tagged for
 * each), skipped when the image's inputs-hash label already matches the
 * sources. Failures carry the service, stage, instruction and Dockerfile line.
 */
import { locateStep, numberedSteps } from '../core/dockerfile/build-steps.js';
import { BuildFailedError, DockstageError } from '../core/errors.js';
import { explainMisspeltStage } from '../core/dockerfile/misspelt-stage.js';
import { explainUnfetchableBase } from '../core/dockerfile/unfetchable-base.js';
import type { StageGraph } from '../core/dockerfile/stage-graph.js';
import { INPUTS_HASH_LABEL } from '../core/inputs-hash.js';
import { PROJECT_LABEL, TARGET_LABEL } from '../core/compose/state-paths.js';
import { requireBuiltService, type BuildModel, type ServiceModel, type Workspace } from '../core/workspace.js';
import { findStage, stageClosure } from '../core/dockerfile/stage-graph.js';
import { compileInputs } from '../core/dockerfile/stage-inputs.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { FileSystem } from '../ports/file-system.js';
import type { BuildEvent, BuildRequest, ImageBuilder, StepRef } from '../ports/image-builder.js';
import { currentInputsHash } from './context-files.js';

/** The ports a build run uses: the file system to hash inputs, the runtime to find and tag fresh images, the builder to build. */
export interface BuildDeps {
  readonly fs: FileSystem;
  readonly runtime: ContainerRuntime;
  readonly builder: ImageBuilder;
}

/** How `build`, `up` and `env` ask for builds; with nothing set, every stale service of the environment is built. */
export interface BuildOptions {
  /** Services to build (default: every service with `build:`). */
  readonly services?: readonly string[];
  /** Build even when the image is up to date (BuildKit's cache still applies). */
  readonly force?: boolean;
  /** `--no-cache`, only when asked. */
  readonly noCache?: boolean;
  /** Push the tags (and compose's `image:` name) instead of only loading them. */
  readonly push?: boolean;
  /** Build this stage instead of the environment's target (one service; own tag, containers untouched). */
  readonly stage?: string;
  /** A buildx builder other than the current one. */
  readonly builder?: string;
  /** The engine's platform, preferred when a service lists several and the image is loaded locally. */
  readonly platform?: string;
  /** How many builds run at once. */
  readonly concurrency?: number;
  /** Build for the verdict only (a check): no image is loaded or tagged. */
  readonly cacheOnly?: boolean;
  readonly signal?: AbortSignal;
}

/** One unit of work: a build shared by one or more services. */
export interface BuildJob {
  readonly services: readonly string[];
  readonly target: string;
  /** Local tags the result gets, one per service (plus compose `build.tags`). */
  readonly tags: readonly string[];
  /** With `--push`: the registry names pushed (compose `image:` or the configured environment image). */
  readonly pushTags: readonly string[];
  /** Services whose images this build reads through `additional_contexts: {x: service:NAME}`: built first. */
  readonly needs: readonly string[];
  readonly hash: string;
  /** Time spent hashing the inputs (walk + digests), for the up-to-date report. */
  readonly hashMs: number;
  readonly build: BuildModel;
}

/**
 * What a build run reports, in order for each build. `services` lists everyone sharing the build, so one event covers
 * them all; `build --json` prints each one.
 */
export type BuildRunEvent =
  | {
      readonly type: 'build-up-to-date';
      readonly services: readonly string[];
      readonly target: string;
      readonly imageId: string;
      readonly tags: readonly string[];
      /** How long deciding "up to date" took: hashing the inputs plus inspecting the images. */
      readonly checkMs: number;
    }
  | { readonly type: 'build-started'; readonly services: readonly string[]; readonly target: string; readonly tags: readonly string[] }
  | { readonly type: 'build-step'; readonly services: readonly string[]; readonly event: BuildEvent; readonly line: number | undefined }
  | {
      readonly type: 'build-completed';
      readonly services: readonly string[];
      readonly target: string;
      readonly imageId: string | undefined;
      readonly durationMs: number;
      readonly cachedSteps: number;
      readonly totalSteps: number;
    }
  | { readonly type: 'build-failed'; readonly services: readonly string[]; readonly target: string; readonly error: BuildFailedError };

/**
 * How one shared build ended. `error` is set exactly when `status` is `failed`; `imageId` may be undefined after a
 * push-only build.
 */
export interface BuildOutcome {
  readonly services: readonly string[];
  readonly target: string;
  readonly status: 'up-to-date' | 'built' | 'failed';
  readonly imageId: string | undefined;
  readonly error?: BuildFailedError;
}

/**
 * Builds what is stale among the chosen services and returns one outcome per
 * build. Never throws for a failed build: it is reported as an outcome and an
 * event, so callers decide (the CLI exits 1; nothing is recreated).
 */
export async function buildServices(
  workspace: Workspace,
  deps: BuildDeps,
  options: BuildOptions,
  onEvent: (event: BuildRunEvent) => void,
): Promise<BuildOutcome[]> {
  const jobs = await planBuildJobs(workspace, deps, options);
  const outcomes: BuildOutcome[] = new Array(jobs.length);
  // One unexpected failure (the engine going away) stops the other builds instead of leaving them running.
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // Builds that read another service's image (`service:` contexts) wait for the first phase.
  const phases = [
    jobs.map((job, index) => [job, index] as const).filter(([job]) => job.needs.length === 0),
    jobs.map((job, index) => [job, index] as const).filter(([job]) => job.needs.length > 0),
  ];
  try {
    for (const phase of phases) {
      let next = 0;
      const worker = async () => {
        while (next < phase.length && !abort.signal.aborted) {
          const [job, index] = phase[next++]!;
          outcomes[index] = await runBuildJob(workspace, job, deps, { ...options, signal: abort.signal }, onEvent);
        }
      };
      const results = await Promise.allSettled(
        Array.from({ length: Math.min(options.concurrency ?? 3, Math.max(phase.length, 1)) }, () =>
          worker().catch((error: unknown) => {
            abort.abort(error);
            throw error;
          }),
        ),
      );
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
    }
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  return outcomes;
}

/** The builds needed for the chosen services: grouped by build key, with their inputs hash. */
export async function planBuildJobs(
  workspace: Workspace,
  deps: Pick<BuildDeps, 'fs' | 'runtime'>,
  options: BuildOptions,
): Promise<BuildJob[]> {
  const chosen = selectServices(workspace, options.services);
  if (options.stage !== undefined && chosen.length !== 1) {
    throw new DockstageError('--stage builds one service at a time', { hint: 'name the service: dockstage build SERVICE --stage STAGE' });
  }
  const groups = new Map<string, ServiceModel[]>();
  for (const service of chosen) {
    const key = service.build!.buildKey;
    groups.set(key, [...(groups.get(key) ?? []), service]);
  }
  if (options.stage !== undefined && options.push === true) {
    throw new DockstageError('--stage builds a debugging image; it cannot be pushed', {
      hint: 'drop --push, or push the environment target: dockstage build -e ci --push',
    });
  }
  const jobs: BuildJob[] = [];
  for (const members of groups.values()) {
    let build = members[0]!.build!;
    let tags = [...new Set([...members.map((member) => member.image!), ...build.compose.tags])];
    if (options.stage !== undefined) {
      build = retarget(build, options.stage);
      tags = members.map((member) => `${member.image!}-${build.target}`);
    }
    const pushTags = options.push === true ? members.map((member) => pushName(workspace, member)) : [];
    const needs = Object.values(build.compose.additionalContexts)
      .filter((value) => value.startsWith('service:'))
      .map((value) => value.slice('service:'.length));
    const started = performance.now();
    const { hash } = await currentInputsHash(deps.fs, build, deps.runtime);
    jobs.push({
      services: members.map((m) => m.name),
      target: build.target,
      tags,
      pushTags: [...new Set(pushTags)],
      needs,
      hash,
      hashMs: performance.now() - started,
      build,
    });
  }
  return jobs;
}

/**
 * The name a service's image is pushed under: the environment's configured
 * image, else compose's `image:`. It must name a repository (`org/app`,
 * `registry:5000/app`): dockstage's own `<project>-<service>:dockstage-<env>`
 * tags would resolve to Docker Hub's official library and are never pushed.
 */
function pushName(workspace: Workspace, service: ServiceModel): string {
  const configured = workspace.environment.services[service.name]?.image;
  const candidate = configured ?? workspace.project.services.find((s) => s.name === service.name)?.image;
  if (candidate !== undefined && candidate.includes('/')) return candidate;
  throw new DockstageError(
    `service '${service.name}' has no registry name to push${candidate === undefined ? '' : ` ('${candidate}' names no repository)`}`,
    {
      hint: `set image: registry.example.com/${workspace.project.name}/${service.name}:TAG in the compose file, or x-dockstage.environments.${workspace.environment.name}.services.${service.name}.image`,
    },
  );
}

/** Named contexts as buildx takes them: local directories absolute, `service:NAME` as that service's image. */
function namedContexts(workspace: Workspace, build: BuildModel): Record<string, string> {
  const contexts: Record<string, string> = {};
  for (const [name, value] of Object.entries(build.compose.additionalContexts)) {
    if (value.startsWith('service:')) {
      const other = workspace.services.find((s) => s.name === value.slice('service:'.length));
      contexts[name] = other?.image === undefined ? value : `docker-image://${other.image}`;
    } else {
      contexts[name] = build.namedContexts[name] ?? value;
    }
  }
  return contexts;
}

/**
 * The platforms to build. A local (loaded) image can have one platform only,
 * so without `--push` a multi-platform service builds the engine's platform
 * (or the first listed); pushing builds them all.
 */
function platformsFor(build: BuildModel, push: boolean, lookupPlatform: string): readonly string[] {
  if (push || build.compose.platforms.length <= 1) return build.compose.platforms;
  return [build.compose.platforms.find((platform) => platform === lookupPlatform) ?? build.compose.platforms[0]!];
}

/**
 * Runs one shared build: reuses an image whose inputs-hash label matches (any tag), else builds with BuildKit. Never
 * throws for a failed build (it is an outcome and an event); an unexpected failure (the engine went away) throws.
 */
export async function runBuildJob(
  workspace: Workspace,
  job: BuildJob,
  deps: BuildDeps,
  options: BuildOptions,
  onEvent: (event: BuildRunEvent) => void,
): Promise<BuildOutcome> {
  const { services, target } = job;
  const reuse = options.force !== true && options.noCache !== true && options.push !== true;
  const started = performance.now();
  // Both lookups at once, on the path from an edit to its build: the images the tags name now, and (for reuse) an
  // image with these inputs under another tag: the same target in another environment (dev and ci both building
  // `builder`), or a service added to a shared build.
  const [images, labelled] = await Promise.all([
    options.push === true ? [] : Promise.all(job.tags.map(async (tag) => [tag, await deps.runtime.inspectImage(tag)] as const)),
    reuse ? deps.runtime.imagesWithLabel(INPUTS_HASH_LABEL, job.hash) : [],
  ]);
  if (reuse) {
    const fresh = images.find(([, info]) => info?.labels[INPUTS_HASH_LABEL] === job.hash)?.[1] ?? labelled[0];
    if (fresh !== undefined) {
      for (const [tag, other] of images) if (other?.id !== fresh.id) await deps.runtime.tagImage(fresh.id, tag);
      const checkMs = Math.round((job.hashMs + performance.now() - started) * 10) / 10;
      onEvent({ type: 'build-up-to-date', services, target, imageId: fresh.id, tags: job.tags, checkMs });
      return { services, target, status: 'up-to-date', imageId: fresh.id };
    }
  }
  // A build moves the tags away from the images they name now, and an image left with no tag and no container is
  // removed below, so builds leave no dangling dockstage images behind.
  const superseded = images.flatMap(([, info]) => (info === undefined ? [] : [info.id]));
  onEvent({ type: 'build-started', services, target, tags: job.tags });
  const build = job.build;
  const request: BuildRequest = {
    context: build.contextDir ?? build.compose.context,
    dockerfile: build.dockerfilePath,
    dockerfileInline: build.dockerfilePath === undefined ? build.dockerfileText : undefined,
    target: build.buildTarget,
    tags: options.push === true ? job.pushTags : job.tags,
    args: build.compose.args,
    // No environment label on the image: the same target with the same inputs is the same image in every
    // environment, so switching between them recreates nothing. Containers carry the environment instead.
    labels: {
      ...build.compose.labels,
      [INPUTS_HASH_LABEL]: job.hash,
      [TARGET_LABEL]: build.target,
      [PROJECT_LABEL]: workspace.project.name,
    },
    namedContexts: namedContexts(workspace, build),
    secrets: build.compose.secrets.map((secret) => {
      const source = workspace.project.secrets[secret.source];
      // In compose's long syntax `target` is the id the Dockerfile mounts (`--mount=type=secret,id=…`).
      return {
        id: secret.target ?? secret.source,
        ...(source?.file === undefined ? {} : { file: source.file }),
        ...(source?.environment === undefined ? {} : { env: source.environment }),
      };
    }),
    ssh: build.compose.ssh,
    cacheFrom: build.compose.cacheFrom,
    cacheTo: build.compose.cacheTo,
    network: build.compose.network,
    extraHosts: build.compose.extraHosts,
    platforms: platformsFor(build, options.push === true, options.platform ?? ''),
    shmSize: build.compose.shmSize,
    noCache: options.noCache === true || build.compose.noCache,
    pull: build.compose.pull,
    push: options.push === true,
    builder: options.builder ?? workspace.config.builder,
    ...(options.cacheOnly === true ? { cacheOnly: true } : {}),
  };
  let failedStep: StepRef | undefined;
  try {
    const result = await deps.builder.build(
      request,
      (raw) => {
        const event = raw.type === 'build-warning' ? raw : ownStep(build, raw);
        if (event === undefined) return;
        const located = event.type === 'build-warning' ? undefined : locateStep(build.graph, event);
        if (event.type === 'step-completed' && event.error !== undefined) failedStep ??= event;
        onEvent({ type: 'build-step', services, event, line: located?.line });
      },
      options.signal,
    );
    if (options.push === true && result.imageId !== undefined) {
      // The docker driver keeps the pushed image in the engine: give it the local tags too. A remote
      // builder only pushes, so there may be nothing to tag.
      for (const tag of job.tags) await deps.runtime.tagImage(result.imageId, tag).catch(() => undefined);
    }
    onEvent({
      type: 'build-completed',
      services,
      target,
      imageId: result.imageId,
      durationMs: result.durationMs,
      cachedSteps: result.cachedSteps,
      totalSteps: result.totalSteps,
    });
    // Only an image left with no tag goes, and the engine refuses (without force) one a container uses: `watch` removes
    // that one once the container is replaced. Another environment's tag keeps an image.
    for (const old of new Set(superseded)) if (old !== result.imageId) await removeIfDangling(deps.runtime, old);
    return { services, target, status: 'built', imageId: result.imageId };
  } catch (error) {
    if (!(error instanceof BuildFailedError)) throw error;
    if (options.push === true && (error.instruction ?? failedStep?.instruction ?? '').startsWith('pushing ')) {
      // The image was built; the registry refused it. Nothing in the Dockerfile is at fault.
      const failed = new BuildFailedError(
        `${services.join(', ')}: ${error.instruction ?? failedStep?.instruction} failed: ${error.logTail.at(-1) ?? error.message}`,
        {
          service: services[0]!,
          logTail: error.logTail,
          hint: `check that ${job.pushTags.join(', ')} names your registry and that 'docker login <registry>' was done`,
        },
      );
      onEvent({ type: 'build-failed', services, target, error: failed });
      return { services, target, status: 'failed', imageId: undefined, error: failed };
    }
    const step = failedStep === undefined ? undefined : locateStep(build.graph, failedStep);
    const located = step === undefined ? undefined : { line: step.line, instruction: step.instruction.original };
    // A `COPY --from=bsae` that names no stage makes BuildKit pull an image `bsae`: say which line and which stage was
    // meant. A FROM image that cannot be fetched: say which FROM.
    const failed = explainFailure(
      new BuildFailedError(`${services.join(', ')}: ${error.message}`, {
        service: services[0]!,
        ...(error.stage === undefined ? (failedStep?.stage == null ? {} : { stage: failedStep.stage }) : { stage: error.stage }),
        ...(located?.instruction === undefined
          ? error.instruction === undefined
            ? {}
            : { instruction: error.instruction }
          : { instruction: located.instruction }),
        file: build.dockerfileLabel,
        ...(located === undefined ? {} : { line: located.line }),
        logTail: error.logTail,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      }),
      build.graph,
    );
    onEvent({ type: 'build-failed', services, target, error: failed });
    return { services, target, status: 'failed', imageId: undefined, error: failed };
  }
}

/** The services to build, in name order; unknown names and image-only services are usage errors. */
function selectServices(workspace: Workspace, names: readonly string[] | undefined): ServiceModel[] {
  const built = workspace.services.filter((service) => service.build !== undefined && service.image !== undefined);
  if (names === undefined || names.length === 0) return built;
  return names.map((name) => requireBuiltService(workspace, name));
}

/** The same build aimed at another stage (`build SERVICE --stage builder`). */
function retarget(build: BuildModel, stageName: string): BuildModel {
  const stage = findStage(build.graph, stageName);
  if (stage === undefined) {
    throw new DockstageError(`no stage '${stageName}' in ${build.dockerfileLabel}`, {
      hint: `stages: ${build.graph.stages.map((s) => s.displayName).join(', ')}`,
    });
  }
  if (stage.name === undefined && stage.index !== build.graph.stages.length - 1) {
    throw new DockstageError(`stage ${stage.index} of ${build.dockerfileLabel} has no name, so BuildKit cannot build it as a target`, {
      hint: `name it: ${stage.instructions[0]!.original} AS <name>`,
    });
  }
  const closure = stageClosure(build.graph, stage.index);
  return {
    ...build,
    target: stage.displayName,
    buildTarget: stage.name,
    targetStage: stage.index,
    closure,
    inputs: compileInputs(build.graph, closure, build.links),
  };
}

/**
 * BuildKit shares identical vertices between concurrent builds and reports a
 * shared one to every session under the name the build that created it gave
 * it (`[base 2/3] WORKDIR /app` arriving in another project's build). Such a
 * step is renamed to the stage and number it has in this Dockerfile when its
 * text matches one; a staged step found nowhere here is dropped.
 */
function ownStep<E extends Exclude<BuildEvent, { type: 'build-warning' }>>(build: BuildModel, event: E): E | undefined {
  if (event.stage === null || locateStep(build.graph, event) !== undefined) return event;
  for (const stage of build.graph.stages) {
    const located = locateStep(build.graph, { ...event, stage: stage.displayName, total: null });
    if (located === undefined) continue;
    const numbered = numberedSteps(build.graph.stages[located.stage]!);
    const index = numbered.indexOf(located.instruction);
    if (index === -1) continue;
    return { ...event, stage: stage.displayName, step: index + 1, total: numbered.length };
  }
  return undefined;
}

/**
 * Removes an image that no tag names any more (a build or a replacement moved its tags away). An image with a tag
 * (another environment's) is kept, and the engine itself refuses, without force, to remove one a container uses.
 * Returns whether it was removed.
 */
export async function removeIfDangling(runtime: Pick<ContainerRuntime, 'inspectImage' | 'removeImage'>, imageId: string): Promise<boolean> {
  const info = await runtime.inspectImage(imageId).catch(() => undefined);
  if (info === undefined || (info.tags ?? ['unknown']).length > 0) return false;
  return await runtime.removeImage(imageId).then(
    () => true,
    () => false,
  );
}

/** What the Dockerfile can say about a failed build: a misspelt stage behind a pull, else a FROM image that cannot be fetched. */
function explainFailure(error: BuildFailedError, graph: StageGraph): BuildFailedError {
  const misspelt = explainMisspeltStage(error, graph);
  return misspelt !== error ? misspelt : explainUnfetchableBase(error, graph);
}
