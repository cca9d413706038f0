/**
 * The workspace: everything dockstage knows about a compose project in one
 * environment. For each service, the Dockerfile's stage graph, the chosen
 * target and its closure, the compiled inputs, the ignore file in force, bind
 * mounts and dependencies. Pure: the loader reads the files listed by
 * `filesToRead` and hands their text in; each service's build is read from
 * them by core/service-build.ts, then aimed at its target here.
 */
import path from 'node:path/posix';
import type { ComposeDependency, ComposeProject, ComposeService } from './compose/project.js';
import { DockstageError, ConfigError, uniqueErrors } from './errors.js';
import { didYouMean } from './suggest.js';
import { stageClosure, type StageGraph } from './dockerfile/stage-graph.js';
import { compileInputs, type CompiledInput } from './dockerfile/stage-inputs.js';
import type { ContextLinks } from './dockerfile/follow-links.js';
import { buildKey, filesToRead, readServiceBuild, type BuildFiles, type BuildPart, type ServiceBlock } from './service-build.js';
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
 * A service's build resolved for one environment: the build as read from its files (BuildPart, core/service-build.ts)
 * aimed at the chosen target, with everything needed to hash, plan and run it without reading the Dockerfile again.
 */
export interface BuildModel extends BuildPart {
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

/**
 * What buildWorkspace needs, as data: the caller reads the files `filesToRead` lists and checks the `directoriesToCheck`
 * (both in core/service-build.ts, with the files' text and the default platform: BuildFiles), so building the workspace does
 * no I/O.
 */
export interface WorkspaceInput extends BuildFiles {
  readonly project: ComposeProject;
  readonly projectDir: string;
  readonly config: DockstageConfig;
  readonly environment: string;
  /** Warnings from reading `x-dockstage` (unknown keys), reported with the workspace's. */
  readonly configWarnings?: readonly ConfigIssue[];
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

/**
 * Builds the workspace, collecting every error (with file, line or config path) instead of stopping at the first.
 * `errors` are the problems of the whole project (an unknown environment, a default target no Dockerfile has): with any,
 * there is no workspace. A problem of one service (its Dockerfile, its target) blocks only that service
 * (`ServiceModel.blocked`), so one broken Dockerfile never stops the services that do not use it.
 */
export function buildWorkspace(input: WorkspaceInput): { workspace: Workspace | undefined; errors: DockstageError[] } {
  const { project, config } = input;
  const label = (file: string) => relativeLabel(input.projectDir, file);
  const read = project.services.map((service) => readServiceBuild(service, input, label));
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
