/**
 * The composition root: every adapter of a CLI run is created here and nowhere else (commands, the engine and the UI
 * get ports). What every command gets: I/O, the environment, and the adapters (created on first use). Creating a context loads
 * no engine client: dockerode is imported when a command first asks for the runtime, the docker-compose package
 * when it first runs compose. The engine route (for ssh://, the run's one ssh connection) opens on first use, or
 * early through `connectEngine`, and `close` ends it.
 */
import { existsSync } from 'node:fs';
import { createComposeCli } from '../adapters/compose/compose-cli.js';
import { createNodeFileSystem } from '../adapters/local/node-fs.js';
import {
  describeEndpoint,
  openEngineRoute,
  resolveDockerEndpoint,
  type DockerEndpoint,
  type EngineRoute,
} from '../adapters/docker/docker-endpoint.js';
import type { ComposeCli } from '../ports/compose-cli.js';
import { prefetchingCompose } from './prefetch.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import { createBuildxBuilder } from '../adapters/buildx/buildx-builder.js';
import type { FileSystem } from '../ports/file-system.js';
import type { LoadDeps, ProjectOptions } from '../operations/load-workspace.js';
import type { Io } from './output/report.js';
import { createInterrupts, type Interrupts } from './interrupt.js';
import { createSystemClock } from '../adapters/local/system-clock.js';
import type { Clock } from '../ports/clock.js';
import type { FileWatcher } from '../ports/file-watcher.js';
import type { ContainerFiles } from '../ports/container-files.js';

/** A held project lock (one watch or TUI per project); see adapters/local/project-lock.ts. */
export interface ProjectLock {
  release(): Promise<void>;
}

/** The terminal the TUI draws on: its own keyboard stream and the alternate screen (adapters/terminal). */
export type Terminal = typeof import('../adapters/terminal/terminal-input.js') & typeof import('../adapters/terminal/terminal-screen.js');

/**
 * What commands get instead of globals. The engine-backed adapters are functions so a command that never needs the
 * engine never connects to it.
 */
export interface CommandContext {
  readonly io: Io;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly version: string;
  readonly fs: FileSystem;
  readonly compose: ComposeCli;
  /** Dependencies for loading the workspace. */
  readonly loadDeps: LoadDeps;
  /** The engine endpoint (DOCKER_HOST / docker context), resolved once, with its tunnel when it is ssh://. */
  endpoint(): Promise<DockerEndpoint>;
  /** The environment for docker CLI processes that talk to the engine (`docker exec`): the same connection as dockerode. */
  dockerEnv(): Promise<NodeJS.ProcessEnv>;
  /** Starts connecting to the engine now (ssh logs in while the project loads); failures surface where the engine is used. */
  connectEngine(): void;
  /** Ends the engine connection (the ssh process, its socket): call once when the command is done. */
  close(): Promise<void>;
  /** The container runtime on that endpoint, created on first use. */
  runtime(): Promise<ContainerRuntime>;
  /** The BuildKit builder (buildx CLI), with the same endpoint. */
  builder(): ImageBuilder;
  /** Starts resolving the project with compose now, so the command's modules load while compose runs (see prefetch.ts). */
  prefetchProject(options: ProjectOptions): void;
  /** SIGINT and SIGTERM for this run (see interrupt.ts); without the CLI listening, none ever comes. */
  readonly interrupts: Interrupts;
  /** The run's one clock. */
  readonly clock: Clock;
  /** A new file watcher for this platform (loaded on first use: only watch and the TUI watch). */
  fileWatcher(): Promise<FileWatcher>;
  /** Writes into running containers (live sync) on the run's engine route, created on first use. */
  containerFiles(): Promise<ContainerFiles>;
  /** Takes the project's lock, or fails in one line naming who holds it. */
  lockProject(projectDir: string, project: string): Promise<ProjectLock>;
  /** Hands the terminal to a shell in a container until it exits (the TUI's `x`). */
  openShell(containerId: string): Promise<{ readonly shell: 'bash' | 'sh'; readonly exitCode: number }>;
  /** The terminal adapters, for the TUI only (loaded on first use). */
  terminal(): Promise<Terminal>;
}

/**
 * The real adapters for one CLI run. Nothing connects here: the endpoint, runtime and builder are created on first use
 * and reused after.
 */
export function createContext(options: {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  interrupts?: Interrupts;
}): CommandContext {
  const fs = createNodeFileSystem();
  const clock = createSystemClock();
  let route: Promise<EngineRoute> | undefined;
  let runtime: Promise<ContainerRuntime> | undefined;
  let builder: ImageBuilder | undefined;
  let containerFiles: Promise<ContainerFiles> | undefined;
  const ending = new AbortController();
  let resolved: Promise<DockerEndpoint> | undefined;
  const resolveEndpoint = () => (resolved ??= resolveDockerEndpoint(options.env));
  const getRoute = () => (route ??= resolveEndpoint().then((endpoint) => openEngineRoute(endpoint, options.env, ending.signal)));
  // `config` needs no engine (compose reads files only), so `plan --changed`, `stages` and `inputs` never connect.
  const configCompose = createComposeCli({ env: options.env });
  let engineCompose: Promise<ComposeCli> | undefined;
  const onEngine = () =>
    (engineCompose ??= getRoute().then((r) => (r.env === options.env ? configCompose : createComposeCli({ env: r.env }))));
  const compose = prefetchingCompose({
    config: (target) => configCompose.config(target),
    up: async (target, services, upOptions) => await (await onEngine()).up(target, services, upOptions),
    down: async (target, downOptions) => await (await onEngine()).down(target, downOptions),
    lifecycle: async (target, command, services) => await (await onEngine()).lifecycle(target, command, services),
  });
  const lookup = (name: string) => options.env[name];
  const loadDeps: LoadDeps = { compose, fs, cwd: options.cwd, lookup, existsSync, engineHost: async () => (await resolveEndpoint()).host };
  return {
    ...options,
    interrupts: options.interrupts ?? createInterrupts(options.io, () => undefined),
    fs,
    clock,
    compose,
    loadDeps,
    fileWatcher,
    containerFiles: () =>
      (containerFiles ??= Promise.all([getRoute(), import('../adapters/docker/dockerode-files.js')]).then(([opened, adapter]) =>
        adapter.createDockerodeFiles(opened.endpoint, options.env),
      )),
    lockProject: async (projectDir, project) => (await import('../adapters/local/project-lock.js')).acquireProjectLock(projectDir, project),
    openShell: async (containerId) =>
      (await import('../adapters/docker/container-shell.js')).openContainerShell(containerId, (await getRoute()).env),
    terminal: async () => ({
      ...(await import('../adapters/terminal/terminal-input.js')),
      ...(await import('../adapters/terminal/terminal-screen.js')),
    }),
    prefetchProject: (project) =>
      compose.prefetchConfig(
        import('../operations/compose-target.js').then(async ({ composeTargetFor }) => (await composeTargetFor(project, loadDeps)).compose),
      ),
    endpoint: async () => (await getRoute()).endpoint,
    dockerEnv: async () => (await getRoute()).env,
    connectEngine: () => void getRoute().catch(() => undefined),
    async close() {
      const opened = route;
      route = undefined;
      ending.abort();
      await (await opened?.catch(() => undefined))?.close();
    },
    // One version call first: an engine that is down, or an address that is not an engine, fails here in one line.
    runtime: () =>
      (runtime ??= Promise.all([getRoute(), import('../adapters/docker/dockerode-runtime.js')]).then(async ([opened, adapter]) => {
        const created = adapter.createDockerodeRuntime(opened.endpoint, options.env, () => opened.problem());
        try {
          await created.info();
        } catch (error) {
          throw (await opened.explain(error)) ?? error;
        }
        return created;
      })),
    builder: () =>
      (builder ??= (() => {
        const onRoute = getRoute().then((r) => createBuildxBuilder({ env: r.env, endpointName: describeEndpoint(r.endpoint) }));
        onRoute.catch(() => undefined); // whoever calls info or build sees the rejection
        return {
          info: async (name) => await (await onRoute).info(name),
          build: async (request, onEvent, signal) => await (await onRoute).build(request, onEvent, signal),
        } satisfies ImageBuilder;
      })()),
  };
}

/**
 * The file watcher for this platform. On Linux chokidar 4 opens one inotify watch per file, so dockstage watches one
 * folder per watch there (README, "Benchmarks", has the measured cost of each); elsewhere chokidar, whose fs.watch is
 * recursive and cheap (macOS, Windows). Both pass one contract suite.
 */
async function fileWatcher(): Promise<FileWatcher> {
  if (process.platform === 'linux') return (await import('../adapters/file-watching/node-fs-watcher.js')).createNodeFsWatcher();
  return (await import('../adapters/file-watching/chokidar-watcher.js')).createChokidarWatcher();
}
