/**
 * Loading a project: find the compose files, let the compose CLI resolve them,
 * read the Dockerfiles and ignore files, and build the workspace for one
 * environment. Every problem comes back with the file and line it concerns.
 */
import path from 'node:path';
import { projectFromConfig, type ComposeProject } from '../core/compose/project.js';
import { composeTargetFor, type ComposeTargetDeps } from './compose-target.js';
import { overrideFileName, overrideFilePath, projectStateDir, STATE_DIR } from '../core/compose/state-paths.js';
import { parseDockstageConfig, type ConfigIssue, type DockstageConfig } from '../core/environments.js';
import { ConfigError, DockstageError, DockstageErrors, relocate, uniqueErrors } from '../core/errors.js';
import { checkPlatform } from '../core/env-variables.js';
import { engineIsRemote } from '../core/remote-engine.js';
import { buildWorkspace, type Workspace } from '../core/workspace.js';
import { directoriesToCheck, filesToRead } from '../core/service-build.js';
import { withLinksFromDisk } from './context-links.js';
import type { ComposeCli, ComposeTarget } from '../ports/compose-cli.js';
import type { FileSystem } from '../ports/file-system.js';

/** The global options every command takes (compose-compatible). */
export interface ProjectOptions extends ComposeTarget {
  /** `-e/--env`; when absent, the remembered environment, else the configured default. */
  readonly environment?: string | undefined;
}

/** What loading needs from outside; `lookup` stands in for process.env (COMPOSE_FILE, DOCKER_DEFAULT_PLATFORM) so tests choose the variables. */
export interface LoadDeps extends ComposeTargetDeps {
  readonly compose: ComposeCli;
  readonly fs: FileSystem;
  /**
   * The engine's endpoint address (`ssh://host`, `unix:///…`), asked only when `x-dockstage.remote.bind_mounts` is
   * `sync`: whether the engine is remote decides whether bind mounts are synced. Without it, they never are.
   */
  readonly engineHost?: () => Promise<string>;
}

/** A project loaded for one environment; builds and lifecycle take it so compose is resolved once per command. */
export interface LoadedProject {
  /** How to call compose for this project (without dockstage's override file). */
  readonly compose: ComposeTarget;
  readonly projectDir: string;
  readonly project: ComposeProject;
  readonly config: DockstageConfig;
  readonly workspace: Workspace;
}

export { STATE_DIR };

/**
 * The file remembering a project's chosen environment: `.dockstage/<project>/state.json`.
 * Without `projectName`, the file dockstage 0.1 shared between every project name in the
 * directory (`.dockstage/state.json`), which is only ever read as a fallback; writers pass the name.
 */
export function stateFile(projectDir: string, projectName?: string): string {
  return projectName === undefined
    ? path.join(projectDir, STATE_DIR, 'state.json')
    : path.join(projectDir, projectStateDir(projectName), 'state.json');
}

/** Resolves the compose project only (no Dockerfiles): enough for `env` and for config errors. */
export async function loadProject(
  options: ProjectOptions,
  deps: LoadDeps,
): Promise<{
  compose: ComposeTarget;
  projectDir: string;
  project: ComposeProject;
  config: DockstageConfig;
  configWarnings: readonly ConfigIssue[];
}> {
  const { compose, projectDir } = await composeTargetFor(options, deps);
  let resolved: unknown;
  try {
    resolved = await deps.compose.config(compose);
  } catch (error) {
    throw await pinpointComposeError(error, compose.files, deps.fs);
  }
  const project = projectFromConfig(resolved);
  const parsedConfig = parseDockstageConfig(project.extensions['x-dockstage']);
  if (parsedConfig.errors.length > 0) {
    const errors = parsedConfig.errors.map(
      (issue) =>
        new ConfigError(issue.message, { location: { path: issue.path }, ...(issue.hint === undefined ? {} : { hint: issue.hint }) }),
    );
    throw new DockstageErrors(await locateAll(errors, compose.files, deps.fs));
  }
  return { compose, projectDir, project, config: parsedConfig.value, configWarnings: parsedConfig.warnings };
}

/** Loads the workspace for the chosen environment. Throws DockstageErrors listing every problem. */
export async function loadWorkspace(options: ProjectOptions, deps: LoadDeps): Promise<LoadedProject> {
  const { compose, projectDir, project, config, configWarnings } = await loadProject(options, deps);
  const environment = await chosenEnvironment(options, projectDir, config, deps.fs, project.name);
  const files = new Map<string, string | null>();
  await Promise.all(
    filesToRead(project).map(async (file) => {
      files.set(file, await deps.fs.readText(file));
    }),
  );
  const missingDirectories = new Set<string>();
  for (const dir of directoriesToCheck(project)) if ((await deps.fs.kind(dir)) === null) missingDirectories.add(dir);
  const { workspace, errors } = buildWorkspace({
    project,
    projectDir,
    config,
    environment,
    files,
    configWarnings,
    missingDirectories,
    platform: defaultPlatform(deps.lookup),
  });
  if (workspace === undefined) throw new DockstageErrors(await locateAll(uniqueErrors(errors), compose.files, deps.fs));
  // A blocked service's problems, and warnings about config paths, point at their file and line, as errors do.
  const services = await Promise.all(
    workspace.services.map(async (service) =>
      service.blocked.length === 0 ? service : { ...service, blocked: await locateAll(service.blocked, compose.files, deps.fs) },
    ),
  );
  const warnings = await locateAll(workspace.warnings, compose.files, deps.fs);
  // BuildKit follows the symlinks on a COPY source's path: what they lead to is an input too.
  const linked = await withLinksFromDisk(deps.fs, { ...workspace, services, warnings });
  const syncBindMounts =
    config.remoteBindMounts === 'sync' && deps.engineHost !== undefined && engineIsRemote(await deps.engineHost(), config.remote);
  return { compose, projectDir, project, config, workspace: syncBindMounts ? { ...linked, syncBindMounts } : linked };
}

/**
 * The platform builds target when a service names none: DOCKER_DEFAULT_PLATFORM
 * as the docker CLI reads it, else Linux on this machine's CPU (what a local
 * engine, Docker Desktop included, builds for).
 */
export function defaultPlatform(lookup: (name: string) => string | undefined, arch: string = process.arch): string {
  const configured = lookup('DOCKER_DEFAULT_PLATFORM');
  if (configured !== undefined && configured !== '') {
    const problem = checkPlatform(configured, 'DOCKER_DEFAULT_PLATFORM');
    if (problem !== undefined) throw problem;
    return configured;
  }
  const cpu =
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm/v7', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<
        string,
        string
      >
    )[arch] ?? arch;
  return `linux/${cpu}`;
}

/**
 * The environment a command works in: `-e`, else the one `env` remembered for this project name, else the configured
 * default. `projectName` (compose's resolved name) keeps two `-p` names in one directory apart.
 */
export async function chosenEnvironment(
  options: ProjectOptions,
  projectDir: string,
  config: DockstageConfig,
  fs: FileSystem,
  projectName?: string,
): Promise<string> {
  return options.environment ?? (await rememberedEnvironment(projectDir, fs, projectName)) ?? config.defaultEnvironment;
}

/**
 * The environment remembered by `dockstage env NAME` for the project, if any: `.dockstage/<project>/state.json`, else
 * the shared `.dockstage/state.json` that dockstage 0.1 wrote (read, never written, so an upgrade keeps the choice
 * until the project remembers its own).
 */
export async function rememberedEnvironment(projectDir: string, fs: FileSystem, projectName?: string): Promise<string | undefined> {
  const own = projectName === undefined ? undefined : await readState(fs, stateFile(projectDir, projectName));
  return own ?? (await readState(fs, stateFile(projectDir)));
}

/** The override file compose should add for the project's environment: its own, else the one dockstage 0.1 shared; undefined when neither exists. */
export async function existingOverride(
  projectDir: string,
  projectName: string,
  environment: string,
  fs: FileSystem,
): Promise<string | undefined> {
  for (const candidate of [overrideFilePath(projectName, environment), overrideFileName(environment)]) {
    const file = path.join(projectDir, candidate);
    if (await fs.exists(file)) return file;
  }
  return undefined;
}

async function readState(fs: FileSystem, file: string): Promise<string | undefined> {
  const text = await fs.readText(file);
  if (text === null) return undefined;
  try {
    const state = JSON.parse(text) as { environment?: unknown };
    return typeof state.environment === 'string' ? state.environment : undefined;
  } catch {
    return undefined;
  }
}

/** Gives config-path errors (`x-dockstage.…`, `services.…`) the file and line that defines the path, last file first. */
async function locateAll(errors: readonly DockstageError[], files: readonly string[], fs: FileSystem): Promise<DockstageError[]> {
  if (!errors.some((error) => error.location.path !== undefined && error.location.file === undefined)) return [...errors];
  // Loaded only when there is something to locate: it brings a YAML parser, which a command that goes well never needs.
  const { lineOfPath } = await import('../core/compose/locate.js');
  const texts = await Promise.all(files.map(async (file) => [file, await fs.readText(file)] as const));
  return errors.map((error) => {
    const dotted = error.location.path;
    if (dotted === undefined || error.location.file !== undefined) return error;
    for (const [file, text] of [...texts].reverse()) {
      if (text === null) continue;
      const line = lineOfPath(text, dotted);
      if (line !== undefined) return relocate(error, { file, line, path: dotted });
    }
    return error;
  });
}

async function pinpointComposeError(error: unknown, files: readonly string[], fs: FileSystem): Promise<unknown> {
  if (!(error instanceof DockstageError) || error.exitCode !== 2) return error;
  const { findYamlSyntaxError } = await import('../core/compose/locate.js');
  for (const file of files) {
    const text = await fs.readText(file);
    if (text === null) continue;
    const problem = findYamlSyntaxError(text);
    if (problem !== undefined) {
      return new ConfigError(`invalid YAML: ${problem.message}`, {
        location: { file, line: problem.line },
        hint: `fix the YAML at line ${problem.line}, column ${problem.column} (compose said: ${error.message})`,
        cause: error,
      });
    }
  }
  // compose names the service or key; point at it when we can find it.
  const service = /service "([^"]+)"/.exec(error.message)?.[1];
  if (service !== undefined) {
    const [located] = await locateAll([relocate(error, { path: `services.${service}` })], files, fs);
    if (located !== undefined) return located;
  }
  return error;
}
