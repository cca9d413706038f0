/**
 * Reading one service's build before a target is chosen: which files and
 * directories the builds need (the loader reads them), the Dockerfile parsed
 * into its stage graph, the ignore file in force, the named contexts, and the
 * key services that build the same image share. Pure, like the workspace
 * (core/workspace.ts) that aims these builds at their targets.
 */
import path from 'node:path/posix';
import { createHash } from 'node:crypto';
import type { ComposeBuild, ComposeProject, ComposeService } from './compose/project.js';
import { DockstageError, ConfigError, type ErrorLocation } from './errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import type { IgnoreMatcher } from './dockerfile/dockerignore.js';
import { chooseIgnoreFile, compileIgnoreFile } from './ignore-file.js';
import { buildStageGraph, type StageGraph } from './dockerfile/stage-graph.js';
import { sortedEntries } from './order.js';

/** A service's build as its Dockerfile and ignore file give it, before a target is chosen (the workspace's BuildModel adds the rest). */
export interface BuildPart {
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
  /** Local directories of the named contexts (`additional_contexts`), by name. */
  readonly namedContexts: Readonly<Record<string, string>>;
}

/** A problem that blocks one service only. */
export interface ServiceBlock {
  readonly service: string;
  readonly error: DockstageError;
}

/** What reading one service's build gave: its part (when it could be read), and the problems found on the way. */
export interface ReadBuild {
  readonly part: BuildPart | undefined;
  /** Problems that stop the whole project (a context that does not exist). */
  readonly errors: readonly DockstageError[];
  readonly blocks: readonly ServiceBlock[];
  readonly warnings: readonly DockstageError[];
}

/** What reading the builds needs of the workspace's input (`WorkspaceInput` in core/workspace.ts), as the loader read it. */
export interface BuildFiles {
  /** Text of the files `filesToRead` listed, by absolute path; null when the file does not exist. */
  readonly files: ReadonlyMap<string, string | null>;
  /** The platform builds target when the service names none (`linux/amd64`): feeds TARGETARCH & co. */
  readonly platform?: string;
  /** Which of the `directoriesToCheck` do not exist (absolute paths). */
  readonly missingDirectories?: ReadonlySet<string>;
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
 * The service's Dockerfile parsed into its stage graph, with the ignore file in force; nothing for an image-only service.
 * `label` names a file as the user sees it (relative to the project directory).
 */
export function readServiceBuild(service: ComposeService, input: BuildFiles, label: (file: string) => string): ReadBuild {
  const nothing: ReadBuild = { part: undefined, errors: [], blocks: [], warnings: [] };
  const build = service.build;
  if (build === undefined) return nothing;
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

/**
 * Services share a build only when every build option is the same: the same
 * context, Dockerfile, target, args, labels, contexts, platforms, secrets, ssh,
 * cache settings, network and hosts. Anything less would give one service the
 * other's labels or options.
 */
export function buildKey(
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
