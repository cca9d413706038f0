/**
 * What every command gets: I/O, the environment, and the adapters (created on first use). Creating a context loads
 * no engine client: dockerode is imported when a command first asks for the runtime, the docker-compose package
 * when it first runs compose.
 */
import { existsSync } from 'node:fs';
import { createComposeCli } from '../adapters/compose-cli.js';
import { createNodeFileSystem } from '../adapters/node-fs.js';
import { resolveDockerEndpoint, type DockerEndpoint } from '../adapters/docker-endpoint.js';
import type { ComposeCli } from '../ports/compose-cli.js';
import { prefetchingCompose } from './prefetch.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import { createBuildxBuilder } from '../adapters/buildx-builder.js';
import type { FileSystem } from '../ports/file-system.js';
import type { LoadDeps, ProjectOptions } from '../engine/load-workspace.js';
import type { Io } from './output/report.js';
import { createInterrupts, type Interrupts } from './interrupt.js';

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
  /** The engine endpoint (DOCKER_HOST / docker context), resolved once. */
  endpoint(): Promise<DockerEndpoint>;
  /** The container runtime on that endpoint, created on first use. */
  runtime(): Promise<ContainerRuntime>;
  /** The BuildKit builder (buildx CLI), with the same endpoint. */
  builder(): ImageBuilder;
  /** Starts resolving the project with compose now, so the command's modules load while compose runs (see prefetch.ts). */
  prefetchProject(options: ProjectOptions): void;
  /** SIGINT and SIGTERM for this run (see interrupt.ts); without the CLI listening, none ever comes. */
  readonly interrupts: Interrupts;
}

/**
 * The real adapters for one CLI run. Nothing connects here: the endpoint, runtime and builder are created on first use
 * and reused after.
 */
export function createContext(options: { io: Io; env: NodeJS.ProcessEnv; cwd: string; version: string; interrupts?: Interrupts }): CommandContext {
  const fs = createNodeFileSystem();
  const compose = prefetchingCompose(createComposeCli({ env: options.env }));
  const lookup = (name: string) => options.env[name];
  let endpoint: Promise<DockerEndpoint> | undefined;
  let runtime: Promise<ContainerRuntime> | undefined;
  let builder: ImageBuilder | undefined;
  const getEndpoint = () => (endpoint ??= resolveDockerEndpoint(options.env));
  const loadDeps: LoadDeps = { compose, fs, cwd: options.cwd, lookup, existsSync };
  return {
    ...options,
    interrupts: options.interrupts ?? createInterrupts(options.io, () => undefined),
    fs,
    compose,
    loadDeps,
    prefetchProject: (project) =>
      compose.prefetchConfig(import('../engine/compose-target.js').then(async ({ composeTargetFor }) => (await composeTargetFor(project, loadDeps)).compose)),
    endpoint: getEndpoint,
    // One version call first: an engine that is down, or an address that is not an engine, fails here in one line.
    runtime: () =>
      (runtime ??= Promise.all([getEndpoint(), import('../adapters/dockerode-runtime.js')]).then(async ([endpoint, adapter]) => {
        const created = adapter.createDockerodeRuntime(endpoint, options.env);
        await created.info();
        return created;
      })),
    builder: () => (builder ??= createBuildxBuilder({ env: options.env })),
  };
}
