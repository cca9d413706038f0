/**
 * Containers of the project, driven through compose so networks, volumes,
 * labels and depends_on behave exactly as compose makes them: `up` builds what
 * is stale and then lets compose create or recreate; switching environments
 * builds the new environment's stale targets and recreates only the services
 * whose image changed; `status` joins the workspace with what runs.
 */
import path from 'node:path';
import { environmentOverride } from '../core/compose/override.js';
import { upWithoutDependencies } from '../core/compose/up-scope.js';
import { overrideFilePath, ENVIRONMENT_LABEL, TARGET_LABEL } from '../core/compose/state-paths.js';
import { requireService, type Workspace } from '../core/workspace.js';
import type { ComposeCli, ComposeTarget } from '../ports/compose-cli.js';
import type { ContainerInfo, ContainerRuntime } from '../ports/container-runtime.js';
import type { FileSystem } from '../ports/file-system.js';
import { stateFile, type LoadedProject } from './load-workspace.js';
import { servicesFreshness } from './freshness.js';
import { shortId, staleness } from '../core/state/plan.js';
import type { BuildOutcome } from './builds.js';

/** The ports the lifecycle uses: compose makes every container change, the runtime is only read. */
export interface LifecycleDeps {
  readonly fs: FileSystem;
  readonly compose: ComposeCli;
  readonly runtime: ContainerRuntime;
}

/** Writes `.dockstage/<env>.compose.yaml` and returns the compose target that ends with it. */
export async function writeOverride(loaded: LoadedProject, fs: FileSystem): Promise<ComposeTarget> {
  const file = path.join(loaded.projectDir, overrideFilePath(loaded.workspace.project.name, loaded.workspace.environment.name));
  await fs.writeText(file, environmentOverride(loaded.workspace));
  return { ...loaded.compose, files: [...loaded.compose.files, file] };
}

/** Remembers the environment in `.dockstage/state.json` (what `env` shows and later commands use). */
export async function rememberEnvironment(projectDir: string, projectName: string, environment: string, fs: FileSystem): Promise<void> {
  await fs.writeText(stateFile(projectDir, projectName), `${JSON.stringify({ environment }, null, 2)}\n`);
}

/** Throws the first build failure, so nothing is recreated after a failed build. */
export function requireBuilt(outcomes: readonly BuildOutcome[]): void {
  const failed = outcomes.find((outcome) => outcome.error !== undefined);
  if (failed?.error !== undefined) throw failed.error;
}

/** The services `up SERVICE…` starts: the named ones and, as compose does, what they depend on. */
export function withDependencies(workspace: Workspace, names: readonly string[]): string[] {
  if (names.length === 0) return workspace.services.map((service) => service.name);
  const result = new Set<string>();
  const visit = (name: string) => {
    if (result.has(name)) return;
    result.add(name);
    for (const dep of workspace.services.find((s) => s.name === name)?.dependsOn ?? []) if (dep.required) visit(dep.service);
  };
  for (const name of names) visit(requireService(workspace, name).name);
  return [...result].sort();
}

/** What an environment switch did; every service is in exactly one list. `env` prints it. */
export interface SwitchResult {
  readonly recreated: readonly string[];
  readonly unchanged: readonly string[];
  readonly restarted: readonly string[];
  readonly notRunning: readonly string[];
}

/**
 * After the new environment's images are built: recreate only the running
 * services whose image ID differs from the one they run, then restart their
 * `depends_on … restart: true` dependents. Services that are not running stay
 * down; the next `up` starts them in the new environment. compose converges the
 * dependencies of a service that has any (see core/compose/up-scope.ts); one it
 * recreated on the way is reported as recreated, from the container IDs.
 */
export async function recreateChanged(loaded: LoadedProject, deps: LifecycleDeps, target: ComposeTarget): Promise<SwitchResult> {
  const { workspace } = loaded;
  const containers = await deps.runtime.listContainers(workspace.project.name);
  const recreated: string[] = [];
  const unchanged: string[] = [];
  const notRunning: string[] = [];
  for (const service of workspace.services) {
    const running = containers.filter((c) => c.service === service.name && c.state !== 'exited' && c.state !== 'dead');
    if (running.length === 0) {
      notRunning.push(service.name);
      continue;
    }
    const wanted =
      service.build === undefined || service.image === undefined ? undefined : (await deps.runtime.inspectImage(service.image))?.id;
    if (wanted !== undefined && running.some((c) => c.imageId !== wanted)) recreated.push(service.name);
    else unchanged.push(service.name);
  }
  if (recreated.length > 0) {
    await deps.compose.up(target, recreated, upWithoutDependencies(workspace, recreated) ? { noDeps: true } : {});
    const runningBefore = new Map(containers.filter((c) => c.state === 'running').map((c) => [c.service, c.id]));
    const after = await deps.runtime.listContainers(workspace.project.name);
    for (const name of [...unchanged]) {
      const before = runningBefore.get(name);
      if (before !== undefined && !after.some((c) => c.service === name && c.id === before)) {
        unchanged.splice(unchanged.indexOf(name), 1);
        recreated.push(name);
      }
    }
    recreated.sort();
  }
  const restarted = workspace.services
    .filter((service) => !recreated.includes(service.name) && !notRunning.includes(service.name))
    .filter((service) => service.dependsOn.some((dep) => dep.restart && recreated.includes(dep.service)))
    .map((service) => service.name);
  if (restarted.length > 0) await deps.compose.lifecycle(target, 'restart', restarted);
  return { recreated, unchanged: unchanged.filter((name) => !restarted.includes(name)), restarted, notRunning };
}

/**
 * One row of `status` (and its JSON). `environment` and `target` come from the container's labels when present, so a
 * container from an earlier environment shows what it really runs.
 */
export interface ServiceStatus {
  readonly name: string;
  /** The environment the running container was created for (its label), else the workspace's. */
  readonly environment: string;
  readonly target: string | null;
  /**
   * What runs: the running container's image reference, else the image the environment would run. Never a bare image
   * ID: a container whose tag a newer build took shows the tag with `(older build)`.
   */
  readonly image: string | null;
  /** Inputs hash matches the image label and the running container runs that image; null for services without `build:`. */
  readonly upToDate: boolean | null;
  /** Why it is not up to date, as the planner's rule (null when it is, or has no build). */
  readonly staleReason: 'image-missing' | 'inputs-changed' | 'container-behind' | null;
  readonly containers: readonly {
    readonly name: string;
    readonly state: string;
    readonly health: string | null;
    readonly status: string;
    readonly ports: readonly string[];
    readonly image: string;
  }[];
}

/** One status row per service: build freshness plus what runs. */
export async function projectStatus(workspace: Workspace, deps: LifecycleDeps, host: string): Promise<ServiceStatus[]> {
  const containers = await deps.runtime.listContainers(workspace.project.name);
  const freshnessByService = await servicesFreshness(workspace, deps.fs, deps.runtime, containers);
  return await Promise.all(
    workspace.services.map(async (service): Promise<ServiceStatus> => {
      const own = containers.filter((c) => c.service === service.name);
      const freshness = freshnessByService[service.name];
      const labelled = own.find((c) => c.labels[ENVIRONMENT_LABEL] !== undefined);
      const shown = own.find((c) => c.state === 'running') ?? own[0];
      const stale = staleness(freshness);
      return {
        name: service.name,
        environment: labelled?.labels[ENVIRONMENT_LABEL] ?? workspace.environment.name,
        target: labelled?.labels[TARGET_LABEL] ?? service.build?.target ?? null,
        // Exactly what runs: a container kept across a switch (same image ID) still runs its own environment's tag.
        image: shown === undefined ? (service.image ?? null) : imageName(shown, service.image),
        upToDate: freshness === undefined ? null : stale === undefined,
        staleReason: stale ?? null,
        containers: own.map((c) => ({
          name: c.name,
          state: c.state,
          health: c.health,
          status: c.status,
          ports: formatPorts(c, host),
          image: c.image,
        })),
      };
    }),
  );
}

/**
 * The image a container runs, by name. The engine reports a bare ID once no tag names the image any more (a build took
 * its tag): then the service's tag stands for it, marked as an older build, with the ID's first digits.
 */
function imageName(container: ContainerInfo, serviceImage: string | undefined): string {
  if (!/^(sha256:)?[0-9a-f]{12,64}$/.test(container.image)) return container.image;
  const id = shortId(container.imageId || container.image);
  return serviceImage === undefined ? id : `${serviceImage} (older build ${id})`;
}

/** `host:8080→3000/tcp` for published ports, with the engine's host (not always localhost). */
export function formatPorts(container: ContainerInfo, host: string): string[] {
  const seen = new Set<string>();
  const ports: string[] = [];
  // A port published on IPv4 and IPv6 is one port to the user; the engine may even give the two different host ports.
  const onIpv4 = new Set(
    container.ports.filter((p) => p.hostPort !== null && !isIpv6(p.hostIp)).map((p) => `${p.containerPort}/${p.protocol}`),
  );
  for (const port of container.ports) {
    if (port.hostPort === null) continue;
    if (isIpv6(port.hostIp) && onIpv4.has(`${port.containerPort}/${port.protocol}`)) continue;
    const shown = `${host}:${port.hostPort}→${port.containerPort}/${port.protocol}`;
    if (!seen.has(shown)) {
      seen.add(shown);
      ports.push(shown);
    }
  }
  return ports;
}

function isIpv6(hostIp: string | null): boolean {
  return hostIp !== null && hostIp.includes(':');
}
