/**
 * The workspace: everything dockstage knows about a compose project in one
 * environment. For each service, the Dockerfile's stage graph, the chosen
 * target and its closure, the compiled inputs, the ignore file in force, bind
 * mounts and dependencies. Pure: the loader reads the files listed by
 * `filesToRead` and hands their text in.
 */
import path from 'node:path/posix';
import { createHash } from 'node:crypto';
import type { ComposeBuild, ComposeDependency, ComposeProject } from './compose/project.js';
import { DockstageError, ConfigError, type ErrorLocation } from './errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { createIgnoreMatcher, parseDockerignore, type IgnoreMatcher } from './dockerfile/dockerignore.js';
import { buildStageGraph, stageClosure, type StageGraph } from './dockerfile/stage-graph.js';
import { compileInputs, type CompiledInput } from './dockerfile/stage-inputs.js';
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
  readonly target: string;
  readonly targetStage: number;
  readonly targetSource: TargetSource;
  readonly closure: readonly number[];
  readonly inputs: readonly CompiledInput[];
  /** Local directories of the named contexts (`additional_contexts`), by name. */
  readonly namedContexts: Readonly<Record<string, string>>;
  /** Identical for services that build the same thing (context, Dockerfile, target, args). */
  readonly buildKey: string;
}

export interface ServiceModel {
  readonly name: string;
  /** The image this service runs in the environment: dockstage's tag for built services, compose's `image:` otherwise. */
  readonly image: string | undefined;
  readonly build: BuildModel | undefined;
  /** Absolute host paths bind-mounted into the service. */
  readonly bindMounts: readonly { readonly source: string; readonly target: string }[];
  readonly dependsOn: readonly ComposeDependency[];
  readonly onChange: OnChange;
}

export interface Workspace {
  readonly project: ComposeProject;
  readonly projectDir: string;
  readonly config: DockstageConfig;
  readonly environment: EnvironmentConfig;
  /** Sorted by name. */
  readonly services: readonly ServiceModel[];
  readonly warnings: readonly DockstageError[];
}

export interface WorkspaceInput {
  readonly project: ComposeProject;
  readonly projectDir: string;
  readonly config: DockstageConfig;
  readonly environment: string;
  /** Text of the files `filesToRead` listed, by absolute path; null when the file does not exist. */
  readonly files: ReadonlyMap<string, string | null>;
  readonly platform?: string;
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

/** Builds the workspace, collecting every error (with file, line or config path) instead of stopping at the first. */
export function buildWorkspace(input: WorkspaceInput): { workspace: Workspace | undefined; errors: DockstageError[] } {
  const { project, projectDir, config, files } = input;
  const errors: DockstageError[] = [];
  const warnings: DockstageError[] = [];
  const environment = config.environments[input.environment];
  const graphs: Record<string, StageGraph> = {};
  const parts: Record<string, Omit<BuildModel, 'target' | 'targetStage' | 'targetSource' | 'closure' | 'inputs' | 'buildKey'>> = {};
  const label = (file: string) => relativeLabel(projectDir, file);

  for (const service of project.services) {
    const build = service.build;
    if (build === undefined) continue;
    if (isRemote(build.context)) {
      warnings.push(new ConfigError(`service '${service.name}' builds from a remote context (${build.context}); dockstage cannot see its files`, {
        location: { path: `services.${service.name}.build.context` },
      }));
      continue;
    }
    const dockerfilePath = build.dockerfileInline === undefined ? path.resolve(build.context, build.dockerfile) : undefined;
    const dockerfileLabel = dockerfilePath === undefined ? `services.${service.name}.build.dockerfile_inline` : label(dockerfilePath);
    const text = dockerfilePath === undefined ? build.dockerfileInline! : files.get(dockerfilePath);
    if (text === null || text === undefined) {
      errors.push(new ConfigError(`service '${service.name}': Dockerfile not found: ${dockerfileLabel}`, {
        location: { path: `services.${service.name}.build.dockerfile` },
        hint: `create it, or point build.dockerfile (relative to the context ${label(build.context)}) at the right file`,
      }));
      continue;
    }
    const ignoreFile = chooseIgnoreFile(dockerfilePath, build.context, files);
    try {
      const parsed = parseDockerfile(text, { file: dockerfileLabel });
      const graph = buildStageGraph(parsed, {
        file: dockerfileLabel,
        buildArgs: build.args,
        namedContexts: Object.keys(build.additionalContexts),
        ...(input.platform === undefined ? {} : { platform: input.platform }),
      });
      for (const warning of graph.warnings) {
        warnings.push(new DockstageError(warning.message, { location: { file: dockerfileLabel, line: warning.line } }));
      }
      const { patterns: ignorePatterns, matcher: ignore } =
        ignoreFile === undefined ? { patterns: [], matcher: undefined } : compileIgnoreFile(files.get(ignoreFile)!, label(ignoreFile));
      graphs[service.name] = graph;
      const namedContexts: Record<string, string> = {};
      for (const [name, value] of Object.entries(build.additionalContexts)) {
        if (!isRemote(value) && !value.startsWith('docker-image://') && !value.startsWith('service:') && !value.startsWith('target:')) {
          namedContexts[name] = path.resolve(build.context, value);
        }
      }
      parts[service.name] = {
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
    } catch (error) {
      if (error instanceof DockstageError) errors.push(withService(error, service.name));
      else throw error;
    }
  }

  const targets = chooseTargets(project, graphs, config, input.environment);
  errors.push(...targets.errors.map(issueToError));
  if (errors.length > 0 || environment === undefined) return { workspace: undefined, errors };

  const services: ServiceModel[] = project.services.map((service) => {
    const choice = targets.value.find((c) => c.service === service.name);
    const part = parts[service.name];
    let build: BuildModel | undefined;
    if (part !== undefined && choice !== undefined && choice.stage !== null && choice.target !== null && choice.source !== null) {
      const closure = stageClosure(part.graph, choice.stage);
      build = {
        ...part,
        target: choice.target,
        targetStage: choice.stage,
        targetSource: choice.source,
        closure,
        inputs: compileInputs(part.graph, closure),
        buildKey: buildKey(part.compose, part.dockerfilePath, part.dockerfileText, choice.target),
      };
    }
    return {
      name: service.name,
      image: build === undefined ? service.image : imageTag(project.name, service.name, environment),
      build,
      bindMounts: service.volumes
        .filter((volume) => volume.type === 'bind' && volume.source !== undefined)
        .map((volume) => ({ source: path.resolve(projectDir, volume.source!), target: volume.target })),
      dependsOn: service.dependsOn,
      onChange: onChangeFor(service.name, environment),
    };
  });
  return { workspace: { project, projectDir, config, environment, services, warnings }, errors: [] };
}

/**
 * The ignore file BuildKit uses for a build: `<Dockerfile>.dockerignore` next to
 * the Dockerfile when it exists, else `<context>/.dockerignore`, else none.
 */
export function chooseIgnoreFile(dockerfilePath: string | undefined, contextDir: string, files: ReadonlyMap<string, string | null>): string | undefined {
  const candidates = [...(dockerfilePath === undefined ? [] : [`${dockerfilePath}.dockerignore`]), path.join(contextDir, '.dockerignore')];
  return candidates.find((candidate) => typeof files.get(candidate) === 'string');
}

/** Parses and compiles an ignore file; a bad pattern is a ConfigError naming the file. */
export function compileIgnoreFile(text: string, label: string): { patterns: string[]; matcher: IgnoreMatcher | undefined } {
  try {
    const patterns = parseDockerignore(text);
    return { patterns, matcher: patterns.length === 0 ? undefined : createIgnoreMatcher(patterns) };
  } catch (error) {
    throw new ConfigError(`invalid pattern in ${label}: ${(error as Error).message}`, {
      location: { file: label },
      hint: 'fix the pattern; .dockerignore uses Go filepath.Match syntax plus ** and ! exceptions',
    });
  }
}

/** Services that build the same image as `service` (same build key), sorted, `service` excluded. */
export function sharedBuilds(workspace: Workspace, service: string): string[] {
  const key = workspace.services.find((s) => s.name === service)?.build?.buildKey;
  if (key === undefined) return [];
  return workspace.services.filter((s) => s.name !== service && s.build?.buildKey === key).map((s) => s.name);
}

/** Closure stage names of a service's target, in file order. */
export function closureStageNames(build: BuildModel): string[] {
  return build.closure.map((index) => build.graph.stages[index]!.displayName);
}

/** A path relative to the project directory when inside it (POSIX), absolute otherwise. */
export function relativeLabel(projectDir: string, file: string): string {
  const relative = path.relative(projectDir, file);
  return relative === '' ? '.' : relative.startsWith('..') ? file : relative;
}

function buildKey(build: ComposeBuild, dockerfilePath: string | undefined, text: string, target: string): string {
  const key = {
    context: build.context,
    dockerfile: dockerfilePath ?? createHash('sha256').update(text).digest('hex'),
    target,
    args: Object.entries(build.args).sort(([a], [b]) => (a < b ? -1 : 1)),
    contexts: Object.entries(build.additionalContexts).sort(([a], [b]) => (a < b ? -1 : 1)),
    platforms: [...build.platforms].sort(),
    secrets: build.secrets.map((s) => s.source).sort(),
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

function issueToError(issue: ConfigIssue): ConfigError {
  return new ConfigError(issue.message, { location: issue.path === '' ? {} : { path: issue.path }, ...(issue.hint === undefined ? {} : { hint: issue.hint }) });
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

function isRemote(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@');
}
