/**
 * The workspace: everything dockstage knows about a compose project in one
 * environment. For each service, the Dockerfile's stage graph, the chosen
 * target and its closure, the compiled inputs, the ignore file in force, bind
 * mounts and dependencies. Pure: the loader reads the files listed by
 * `filesToRead` and hands their text in.
 */
import path from 'node:path/posix';
import { createHash } from 'node:crypto';
import type { ComposeBuild, ComposeDependency, ComposeProject, ComposeService } from './compose/project.js';
import { DockstageError, ConfigError, uniqueErrors, type ErrorLocation } from './errors.js';
import { didYouMean } from './suggest.js';
import { parseDockerfile } from './dockerfile/parse.js';
import type { IgnoreMatcher } from './dockerfile/dockerignore.js';
import { chooseIgnoreFile, compileIgnoreFile } from './ignore-file.js';
import { buildStageGraph, stageClosure, type StageGraph } from './dockerfile/stage-graph.js';
import { compileInputs, type CompiledInput } from './dockerfile/stage-inputs.js';
import type { ContextLinks } from './dockerfile/follow-links.js';
import { sortedEntries } from './order.js';
import { chooseChecks, unknownEnvironmentChecks, type CheckModel } from './checks.js';
import {
  chooseTargets,
  imageTag,
  onChangeFor,
  type ConfigIssue,
  type DockstageConfig,
  type EnvironmentConfig,
  type OnChange,
  type TargetSource,
} from './environments.js';

/**
 * A service's build resolved for one environment: the chosen target and everything needed to hash, plan and run it without
 * reading the Dockerfile again.
 */
export interface BuildModel {
  readonly compose: ComposeBuild;
  /** Absolute context directory, or undefined for a remote (git/URL) context. */
  readonly contextDir: string | undefined;
  /** Absolute Dockerfile path; undefined for `dockerfile_inline`. */
  readonly dockerfilePath: string | undefined;
  /** The Dockerfile as shown to the user (relative to the project directory). */
  readonly dockerfileLabel: string;
  readonly dockerfileText: string;
  /** The ignore file in force (`<Dockerfile>.dockerignore` wins over `<context>/.dockerignore`). */
  readonly ignoreFile: string | undefined;
  readonly ignorePatterns: readonly string[];
  readonly ignore: IgnoreMatcher | undefined;
  readonly graph: StageGraph;
  /** The target's display name (`develop`, or `stage-2` for an unnamed stage). */
  readonly target: string;
  /**
   * What to pass as `--target`: the stage's name, or undefined for an unnamed
   * last stage (BuildKit finds targets by `AS` name only; no target builds the last stage).
   */
  readonly buildTarget: string | undefined;
  readonly targetStage: number;
  readonly targetSource: TargetSource;
  readonly closure: readonly number[];
  readonly inputs: readonly CompiledInput[];
  /** The symlinks found on the closure's source paths, by context name (`.` is the main context); see core/context-links.ts. */
  readonly links: Readonly<Record<string, ContextLinks>>;
  /** Local directories of the named contexts (`additional_contexts`), by name. */
  readonly namedContexts: Readonly<Record<string, string>>;
  /** Identical for services whose builds are the same in every option (context, Dockerfile, target, args, labels, …). */
  readonly buildKey: string;
  /** The check stages of this Dockerfile in the environment (core/checks.ts), in file order; empty in a check's own build. */
  readonly checks: readonly CheckModel[];
}

/** One compose service as the planner and the engine see it; `build` is undefined for image-only services and remote contexts. */
export interface ServiceModel {
  readonly name: string;
  /** The image this service runs in the environment: dockstage's tag for built services, compose's `image:` otherwise. */
  readonly image: string | undefined;
  readonly build: BuildModel | undefined;
  /** Absolute host paths bind-mounted into the service. */
  readonly bindMounts: readonly { readonly source: string; readonly target: string }[];
  readonly dependsOn: readonly ComposeDependency[];
  readonly onChange: OnChange;
  /**
   * Problems that concern only this service (its Dockerfile does not parse, its target is missing, …): it has no
   * `build` and is blocked until they are fixed, while every other service goes on. Empty when it is usable.
   */
  readonly blocked: readonly DockstageError[];
}

/**
 * A compose project in one environment, built once per command by loadWorkspace. `warnings` are for the user only: a
 * workspace that exists is usable.
 */
export interface Workspace {
  readonly project: ComposeProject;
  readonly projectDir: string;
  readonly config: DockstageConfig;
  readonly environment: EnvironmentConfig;
  /** Sorted by name. */
  readonly services: readonly ServiceModel[];
  readonly warnings: readonly DockstageError[];
  /**
   * Loaded for a remote engine with `x-dockstage.remote.bind_mounts: sync`: bind mounts of project files are dropped
   * from the override and synced instead (core/remote-engine.ts, `syncedBindMounts`).
   */
  readonly syncBindMounts?: boolean;
}

/** The problems of every blocked service, in service order (empty when none is blocked). */
export function blockedErrors(workspace: Workspace, names?: readonly string[]): DockstageError[] {
  return uniqueErrors(workspace.services.filter((s) => names === undefined || names.includes(s.name)).flatMap((s) => s.blocked));
}

/** What buildWorkspace needs, as data: the caller reads the files `filesToRead` lists, so building the workspace does no I/O. */
export interface WorkspaceInput {
  readonly project: ComposeProject;
  readonly projectDir: string;
  readonly config: DockstageConfig;
  readonly environment: string;
  /** Text of the files `filesToRead` listed, by absolute path; null when the file does not exist. */
  readonly files: ReadonlyMap<string, string | null>;
  /** The platform builds target when the service names none (`linux/amd64`): feeds TARGETARCH & co. */
  readonly platform?: string;
  /** Warnings from reading `x-dockstage` (unknown keys), reported with the workspace's. */
  readonly configWarnings?: readonly ConfigIssue[];
  /** Which of the `directoriesToCheck` do not exist (absolute paths). */
  readonly missingDirectories?: ReadonlySet<string>;
}

/** A build's local context directories by name: `.` for the main context, then each named context (`--build-context`). */
export function buildContexts(build: BuildModel): Array<[string, string]> {
  const contexts: Array<[string, string]> = [];
  if (build.contextDir !== undefined) contexts.push(['.', build.contextDir]);
  for (const [name, dir] of Object.entries(build.namedContexts)) contexts.push([name, dir]);
  return contexts;
}

/** The files that define the model: the compose files, then the Dockerfiles and ignore files (`filesToRead`). A change to one reloads it. */
export function modelFiles(project: ComposeProject, composeFiles: readonly string[]): Set<string> {
  return new Set([...composeFiles, ...filesToRead(project)]);
}

/** The Dockerfiles and ignore files the workspace needs, as absolute paths. */
export function filesToRead(project: ComposeProject): string[] {
  const files = new Set<string>();
  for (const service of project.services) {
    const build = service.build;
    if (build === undefined || isRemote(build.context)) continue;
    if (build.dockerfileInline === undefined) {
      const dockerfile = path.resolve(build.context, build.dockerfile);
      files.add(dockerfile);
      files.add(`${dockerfile}.dockerignore`);
    }
    files.add(path.join(build.context, '.dockerignore'));
  }
  return [...files].sort();
}

/** The local build-context directories (main and named contexts) the builds need, as absolute paths: the loader checks they exist. */
export function directoriesToCheck(project: ComposeProject): string[] {
  const dirs = new Set<string>();
  for (const service of project.services) {
    const build = service.build;
    if (build === undefined || isRemote(build.context)) continue;
    dirs.add(build.context);
    for (const value of Object.values(build.additionalContexts)) if (isLocalContext(value)) dirs.add(path.resolve(build.context, value));
  }
  return [...dirs].sort();
}

/**
 * Builds the workspace, collecting every error (with file, line or config path) instead of stopping at the first.
 * `errors` are the problems of the whole project (an unknown environment, a default target no Dockerfile has): with any,
 * there is no workspace. A problem of one service (its Dockerfile, its target) blocks only that service
 * (`ServiceModel.blocked`), so one broken Dockerfile never stops the services that do not use it.
 */
export function buildWorkspace(input: WorkspaceInput): { workspace: Workspace | undefined; errors: DockstageError[] } {
  const { project, config } = input;
  const read = project.services.map((service) => readServiceBuild(service, input));
  const parts: Record<string, BuildPart> = {};
  const graphs: Record<string, StageGraph> = {};
  for (const [index, outcome] of read.entries()) {
    if (outcome.part === undefined) continue;
    const name = project.services[index]!.name;
    parts[name] = outcome.part;
    graphs[name] = outcome.part.graph;
  }
  const errors = read.flatMap((outcome) => outcome.errors);
  const blocks = read.flatMap((outcome) => outcome.blocks);
  const targets = chooseTargets(project, graphs, config, input.environment);
  for (const issue of targets.errors) {
    if (issue.service === undefined) errors.push(issueToError(issue));
    else blocks.push({ service: issue.service, error: issueToError(issue) });
  }
  const warnings = [
    ...read.flatMap((outcome) => outcome.warnings),
    ...targets.warnings.map(issueToError),
    ...(input.configWarnings ?? []).map(issueToError),
  ];
  const environment = config.environments[input.environment];
  if (environment !== undefined) errors.push(...unknownEnvironmentChecks(environment, Object.values(graphs)).map(issueToError));
  if (errors.length > 0 || environment === undefined) return { workspace: undefined, errors };
  blocks.push(...unnamedTargets(targets.value, parts));
  const checks = checkStagesOf(targets.value, parts, environment);
  blocks.push(...checks.blocks);
  const blocked = new Map<string, DockstageError[]>();
  for (const { service, error } of blocks) blocked.set(service, [...(blocked.get(service) ?? []), error]);
  const services = project.services.map((service) => {
    const choice = targets.value.find((c) => c.service === service.name);
    const part = blocked.has(service.name) ? undefined : parts[service.name];
    const build =
      part === undefined || choice === undefined ? undefined : resolveBuild(part, choice, checks.stages.get(service.name) ?? []);
    return serviceModel(service, build, blocked.get(service.name) ?? [], input, environment);
  });
  return {
    workspace: { project, projectDir: input.projectDir, config, environment, services, warnings: uniqueErrors(warnings) },
    errors: [],
  };
}

/** A service's build as its Dockerfile and ignore file give it, before a target is chosen. */
type BuildPart = Omit<
  BuildModel,
  'target' | 'buildTarget' | 'targetStage' | 'targetSource' | 'closure' | 'inputs' | 'links' | 'buildKey' | 'checks'
>;

/** A problem that blocks one service only. */
interface ServiceBlock {
  readonly service: string;
  readonly error: DockstageError;
}

/** What reading one service's build gave: its part (when it could be read), and the problems found on the way. */
interface ReadBuild {
  readonly part: BuildPart | undefined;
  /** Problems that stop the whole project (a context that does not exist). */
  readonly errors: readonly DockstageError[];
  readonly blocks: readonly ServiceBlock[];
  readonly warnings: readonly DockstageError[];
}

/** The service's Dockerfile parsed into its stage graph, with the ignore file in force; nothing for an image-only service. */
function readServiceBuild(service: ComposeService, input: WorkspaceInput): ReadBuild {
  const nothing: ReadBuild = { part: undefined, errors: [], blocks: [], warnings: [] };
  const build = service.build;
  if (build === undefined) return nothing;
  const label = (file: string) => relativeLabel(input.projectDir, file);
  if (isRemote(build.context)) {
    const warning = new ConfigError(
      `service '${service.name}' builds from a remote context (${build.context}); dockstage cannot see its files`,
      {
        location: { path: `services.${service.name}.build.context` },
      },
    );
    return { ...nothing, warnings: [warning] };
  }
  const missingContexts = missingContextErrors(service.name, build, input.missingDirectories ?? new Set(), label);
  if (missingContexts.length > 0) return { ...nothing, errors: missingContexts };
  const dockerfilePath = build.dockerfileInline === undefined ? path.resolve(build.context, build.dockerfile) : undefined;
  const dockerfileLabel = dockerfilePath === undefined ? `services.${service.name}.build.dockerfile_inline` : label(dockerfilePath);
  const text = dockerfilePath === undefined ? build.dockerfileInline! : input.files.get(dockerfilePath);
  if (text === null || text === undefined) {
    const error = new ConfigError(`service '${service.name}': Dockerfile not found: ${dockerfileLabel}`, {
      location: { path: `services.${service.name}.build.dockerfile` },
      hint: `create it, or point build.dockerfile (relative to the context ${label(build.context)}) at the right file`,
    });
    return { ...nothing, blocks: [{ service: service.name, error }] };
  }
  const ignoreFile = chooseIgnoreFile(dockerfilePath, build.context, input.files);
  const platform = build.platforms[0] ?? input.platform;
  // The graph's warnings stand even when the ignore file then blocks the service.
  let warnings: DockstageError[] = [];
  try {
    const graph = buildStageGraph(parseDockerfile(text, { file: dockerfileLabel }), {
      file: dockerfileLabel,
      buildArgs: build.args,
      namedContexts: Object.keys(build.additionalContexts),
      ...(platform === undefined ? {} : { platform }),
    });
    warnings = graph.warnings.map(
      (warning) => new DockstageError(warning.message, { location: { file: dockerfileLabel, line: warning.line } }),
    );
    const { patterns: ignorePatterns, matcher: ignore } =
      ignoreFile === undefined ? { patterns: [], matcher: undefined } : compileIgnoreFile(input.files.get(ignoreFile)!, label(ignoreFile));
    const namedContexts: Record<string, string> = {};
    for (const [name, value] of Object.entries(build.additionalContexts)) {
      if (isLocalContext(value)) namedContexts[name] = path.resolve(build.context, value);
    }
    const part: BuildPart = {
      compose: build,
      contextDir: build.context,
      dockerfilePath,
      dockerfileLabel,
      dockerfileText: text,
      ignoreFile,
      ignorePatterns,
      ignore,
      graph,
      namedContexts,
    };
    return { ...nothing, part, warnings };
  } catch (error) {
    if (error instanceof DockstageError)
      return { ...nothing, blocks: [{ service: service.name, error: withService(error, service.name) }], warnings };
    throw error;
  }
}

/** The build context, or a local additional context, that does not exist: a project error naming the compose key. */
function missingContextErrors(
  service: string,
  build: ComposeBuild,
  missing: ReadonlySet<string>,
  label: (file: string) => string,
): DockstageError[] {
  if (missing.has(build.context)) {
    return [
      new ConfigError(`service '${service}': build context ${label(build.context)} does not exist`, {
        location: { path: `services.${service}.build.context` },
        hint: "create it, or fix build.context (relative to the compose file's folder)",
      }),
    ];
  }
  return Object.entries(build.additionalContexts)
    .filter(([, value]) => isLocalContext(value) && missing.has(path.resolve(build.context, value)))
    .map(
      ([name, value]) =>
        new ConfigError(`service '${service}': additional context '${name}' is ${value}, which does not exist`, {
          location: { path: `services.${service}.build.additional_contexts.${name}` },
          hint: `create ${label(path.resolve(build.context, value))}, or fix the path (relative to the build context ${label(build.context)})`,
        }),
    );
}

/** Targets that are unnamed stages other than the last: BuildKit cannot be asked for them. */
function unnamedTargets(choices: ReturnType<typeof chooseTargets>['value'], parts: Readonly<Record<string, BuildPart>>): ServiceBlock[] {
  return choices.flatMap((choice) => {
    const part = parts[choice.service];
    if (part === undefined || choice.stage === null) return [];
    const problem = unnamedTargetProblem(part.graph, choice.stage, choice.service);
    return problem === undefined ? [] : [{ service: choice.service, error: problem }];
  });
}

/** Each service's check stages in the environment (core/checks.ts), and the services a misnamed check blocks. */
function checkStagesOf(
  choices: ReturnType<typeof chooseTargets>['value'],
  parts: Readonly<Record<string, BuildPart>>,
  environment: EnvironmentConfig,
): { readonly stages: ReadonlyMap<string, CheckStages>; readonly blocks: ServiceBlock[] } {
  const stages = new Map<string, CheckStages>();
  const blocks: ServiceBlock[] = [];
  for (const choice of choices) {
    const part = parts[choice.service];
    if (part === undefined || choice.stage === null) continue;
    const checks = chooseChecks(part.graph, choice.stage, environment, choice.service);
    blocks.push(...checks.errors.map((issue) => ({ service: choice.service, error: issueToError(issue) })));
    stages.set(choice.service, checks.stages);
  }
  return { stages, blocks };
}

type CheckStages = ReturnType<typeof chooseChecks>['stages'];

/** The build aimed at its chosen target: the stage closure, its compiled inputs, the key shared builds go by, its checks. */
function resolveBuild(
  part: BuildPart,
  choice: ReturnType<typeof chooseTargets>['value'][number],
  checks: CheckStages,
): BuildModel | undefined {
  if (choice.stage === null || choice.target === null || choice.source === null) return undefined;
  const closure = stageClosure(part.graph, choice.stage);
  return {
    ...part,
    target: choice.target,
    buildTarget: part.graph.stages[choice.stage]!.name,
    targetStage: choice.stage,
    targetSource: choice.source,
    closure,
    inputs: compileInputs(part.graph, closure),
    links: {},
    buildKey: buildKey(part.compose, part.dockerfilePath, part.dockerfileText, choice.target, part.namedContexts),
    checks: checks.map(({ index, source }) => {
      const stage = part.graph.stages[index]!.displayName;
      // Keyed like a build of that stage: services that share the Dockerfile and its options run it once.
      return {
        stage,
        stageIndex: index,
        source,
        key: buildKey(part.compose, part.dockerfilePath, part.dockerfileText, `check:${stage}`, part.namedContexts),
      };
    }),
  };
}

/** One service of the workspace: its image for the environment, its build, bind mounts, dependencies and what blocks it. */
function serviceModel(
  service: ComposeService,
  build: BuildModel | undefined,
  blocked: readonly DockstageError[],
  input: WorkspaceInput,
  environment: EnvironmentConfig,
): ServiceModel {
  return {
    name: service.name,
    image: build !== undefined || blocked.length > 0 ? imageTag(input.project.name, service.name, environment) : service.image,
    build,
    bindMounts: service.volumes
      .filter((volume) => volume.type === 'bind' && volume.source !== undefined)
      .map((volume) => ({ source: path.resolve(input.projectDir, volume.source!), target: volume.target })),
    dependsOn: service.dependsOn,
    onChange: onChangeFor(service.name, environment),
    blocked: uniqueErrors(blocked),
  };
}

/** The service named `name`; an unknown name is a usage error with a did-you-mean. */
export function requireService(workspace: Workspace, name: string): ServiceModel {
  const service = workspace.services.find((s) => s.name === name);
  if (service !== undefined) return service;
  const names = workspace.services.map((s) => s.name);
  throw new DockstageError(`no service '${name}' in project ${workspace.project.name}`, {
    hint: `${didYouMean(name, names)}services: ${names.join(', ')}`,
  });
}

/** The service named `name`, which must have a `build:` section (it may be blocked: callers report that). */
export function requireBuiltService(workspace: Workspace, name: string): ServiceModel {
  const service = requireService(workspace, name);
  if (service.build !== undefined || service.blocked.length > 0) return service;
  const built = workspace.services.filter((s) => s.build !== undefined).map((s) => s.name);
  throw new DockstageError(`service '${name}' has no build: section (it runs ${service.image ?? 'no image'})`, {
    hint: `services that build: ${built.join(', ') || 'none'}`,
  });
}

/** Services that build the same image as `service` (same build key), sorted, `service` excluded. */
export function sharedBuilds(workspace: Workspace, service: string): string[] {
  const key = workspace.services.find((s) => s.name === service)?.build?.buildKey;
  if (key === undefined) return [];
  return workspace.services.filter((s) => s.name !== service && s.build?.buildKey === key).map((s) => s.name);
}

/** The build of a check: the service's build aimed at the check stage (its closure and inputs), under the check's key. */
export function checkBuild(build: BuildModel, check: CheckModel): BuildModel {
  const closure = stageClosure(build.graph, check.stageIndex);
  return {
    ...build,
    target: check.stage,
    buildTarget: check.stage,
    targetStage: check.stageIndex,
    closure,
    inputs: compileInputs(build.graph, closure, build.links),
    buildKey: check.key,
    checks: [],
  };
}

/** Closure stage names of a service's target, in file order. */
export function closureStageNames(build: BuildModel): string[] {
  return build.closure.map((index) => build.graph.stages[index]!.displayName);
}

/** A relative path that path.relative would not return as it is: an empty, `.` or `..` element, or a trailing slash. */
const UNCLEAN_TAIL = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|\/$/;

/** A path relative to the project directory when inside it (POSIX), absolute otherwise. */
export function relativeLabel(projectDir: string, file: string): string {
  // Below the project directory (nearly always): the rest of the path, without path.relative's work.
  const base = projectDir.endsWith('/') ? projectDir : `${projectDir}/`;
  if (file.startsWith(base) && file.length > base.length && !UNCLEAN_TAIL.test(file.slice(base.length))) return file.slice(base.length);
  const relative = path.relative(projectDir, file);
  return relative === '' ? '.' : isOutside(relative) ? file : relative;
}

/** True for a relative path that climbs out of its base (`..` or `../…`), not for names like `..data`. */
export function isOutside(relative: string): boolean {
  return relative === '..' || relative.startsWith('../') || path.isAbsolute(relative);
}

/**
 * Services share a build only when every build option is the same: the same
 * context, Dockerfile, target, args, labels, contexts, platforms, secrets, ssh,
 * cache settings, network and hosts. Anything less would give one service the
 * other's labels or options.
 */
function buildKey(
  build: ComposeBuild,
  dockerfilePath: string | undefined,
  text: string,
  target: string,
  namedContexts: Readonly<Record<string, string>>,
): string {
  const key = {
    context: build.context,
    dockerfile: dockerfilePath ?? createHash('sha256').update(text).digest('hex'),
    target,
    args: sortedEntries(build.args),
    labels: sortedEntries(build.labels),
    contexts: sortedEntries({ ...build.additionalContexts, ...namedContexts }),
    platforms: [...build.platforms].sort(),
    secrets: build.secrets.map((s) => `${s.source}:${s.target ?? ''}`).sort(),
    ssh: [...build.ssh].sort(),
    cacheFrom: [...build.cacheFrom].sort(),
    cacheTo: [...build.cacheTo].sort(),
    network: build.network ?? null,
    extraHosts: [...build.extraHosts].sort(),
    shmSize: build.shmSize ?? null,
    pull: build.pull,
    noCache: build.noCache,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/**
 * BuildKit finds `--target` by `AS` name only; an unnamed stage can be built
 * only as the last stage (no `--target`). Any other unnamed target is an error
 * that says how to fix the Dockerfile.
 */
function unnamedTargetProblem(graph: StageGraph, stage: number, service: string): DockstageError | undefined {
  const chosen = graph.stages[stage]!;
  if (chosen.name !== undefined || stage === graph.stages.length - 1) return undefined;
  return new ConfigError(
    `service '${service}' targets stage ${stage} of ${graph.file}, which has no name, so BuildKit cannot build it as a target`,
    {
      location: { file: graph.file, line: chosen.line },
      hint: `name it: ${chosen.instructions[0]!.original} AS <name>`,
    },
  );
}

function issueToError(issue: ConfigIssue): ConfigError {
  return new ConfigError(issue.message, {
    location: issue.path === '' ? {} : { path: issue.path },
    ...(issue.hint === undefined ? {} : { hint: issue.hint }),
  });
}

function withService(error: DockstageError, service: string): DockstageError {
  const location: ErrorLocation = error.location;
  return new DockstageError(`service '${service}': ${error.message}`, {
    location,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    exitCode: error.exitCode,
    cause: error,
  });
}

/** A named context that is a local directory (not an image, another service or target, or a URL). */
function isLocalContext(value: string): boolean {
  return (
    !isRemote(value) &&
    !value.startsWith('docker-image://') &&
    !value.startsWith('service:') &&
    !value.startsWith('target:') &&
    !value.startsWith('oci-layout://')
  );
}

function isRemote(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@');
}
