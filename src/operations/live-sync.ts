/**
 * Live sync on the hot path: for a build caused only by changed context files,
 * ask the Dockerfile (`decideSync`) whether every service's running container
 * can take the files as they are; if so write them in place and reload each
 * service its way (`restart`, `none`, `signal:NAME`), else say which
 * instruction needs the rebuild. The caller rebuilds in every other case.
 */
import { DockstageError } from '../core/errors.js';
import type { ReloadMode } from '../core/environments.js';
import { decideSync, type BaseImageConfig, type ContextChange, type SyncFile } from '../core/sync/decide-sync.js';
import { shapeRefusal } from '../core/sync/shape-refusal.js';
import type { SyncTarget } from '../core/state/sync-candidates.js';
import type { SyncedService } from '../core/state/actions.js';
import { relativeLabel, type BuildModel, type Workspace } from '../core/workspace.js';
import type { ContainerFiles } from '../ports/container-files.js';
import type { ContainerRuntime } from '../ports/container-runtime.js';
import type { FileSystem } from '../ports/file-system.js';
import { applySync } from './apply-sync.js';
import { filesReadByBuild } from './context-files.js';

/** The ports live sync uses. */
export interface LiveSyncPorts {
  readonly fs: FileSystem;
  readonly runtime: ContainerRuntime;
  readonly containerFiles: ContainerFiles;
}

/** What happened: synced (per service: files, reload) or a rebuild with its reason. */
export type LiveSyncOutcome =
  | { readonly kind: 'synced'; readonly services: readonly SyncedService[] }
  | {
      readonly kind: 'rebuild';
      readonly reason: {
        readonly message: string;
        readonly instruction: string | null;
        readonly line: number | null;
        readonly path: string | null;
      };
    };

/**
 * Tries to sync `paths` (absolute) into the targets' containers. Never throws: a failure to decide or to write is a
 * rebuild with the reason, and the containers are left as a rebuild would find them (a failed write changes at most
 * files the rebuild replaces anyway). The services in `deferred` get their files but not their restart: it is left to
 * the state (`deferredReloads`), so that the services served first restart alone.
 */
export async function trySync(
  workspace: Workspace,
  targets: readonly SyncTarget[],
  paths: readonly string[],
  ports: LiveSyncPorts,
  deferred: readonly string[] = [],
): Promise<LiveSyncOutcome> {
  const label = (p: string) => relativeLabel(workspace.projectDir, p);
  try {
    const models = targets.map((target) => workspace.services.find((s) => s.name === target.service)!);
    const build = models[0]!.build!;
    const changes = await Promise.all(paths.map(async (file): Promise<ContextChange> => ({ path: file, kind: await ports.fs.kind(file) })));
    // Most refusals come from the Dockerfile's shape (a RUN after the COPY): said before walking the context. The
    // services share the build, and no shape rule looks at bind mounts, so one look answers for all.
    const refusal = shapeRefusal({ build, bindMounts: models[0]!.bindMounts, changes });
    if (refusal !== undefined)
      return {
        kind: 'rebuild',
        reason: { message: refusal.message, instruction: refusal.instruction, line: refusal.line, path: label(refusal.path) },
      };
    const [contextFiles, baseImage] = await Promise.all([
      filesReadByBuild(ports.fs, build).then((contexts) => contexts.find((c) => c.context === '.')?.files ?? []),
      rootImageConfig(build, ports.runtime),
    ]);
    const plans: { target: SyncTarget; files: readonly SyncFile[] }[] = [];
    for (const [index, model] of models.entries()) {
      const decision = decideSync({ build, bindMounts: model.bindMounts, changes, contextFiles, baseImage });
      if (decision.kind === 'rebuild') {
        const reason = decision.reason;
        return {
          kind: 'rebuild',
          reason: { message: reason.message, instruction: reason.instruction, line: reason.line, path: label(reason.path) },
        };
      }
      if (decision.kind === 'none')
        return {
          kind: 'rebuild',
          reason: { message: 'no COPY of the target reads these files', instruction: null, line: null, path: null },
        };
      plans.push({ target: targets[index]!, files: decision.files });
    }
    const reloads = workspace.config.watch.reload;
    const services = await Promise.all(
      plans.map(async ({ target, files }) => {
        await applySync(files, target.containerId, ports);
        const reload = reloads[target.service] ?? 'restart';
        const later = reload === 'restart' && deferred.includes(target.service);
        if (!later) await applyReload(reload, target.containerId, ports.runtime);
        return {
          ...(later ? { deferred: true } : {}),
          name: target.service,
          containerId: target.containerId,
          reload: typeof reload === 'string' ? reload : `signal:${reload.signal}`,
          files: files.map((file) => ({
            path: label(file.source),
            destination: file.destination,
            deleted: file.delete,
            instruction: file.instruction,
            line: file.line,
            stage: file.stage,
          })),
        };
      }),
    );
    return { kind: 'synced', services };
  } catch (error) {
    const message = error instanceof DockstageError ? error.message : error instanceof Error ? error.message : String(error);
    return {
      kind: 'rebuild',
      reason: { message: `live sync failed (${message}); rebuilding instead`, instruction: null, line: null, path: null },
    };
  }
}

/** Reloads a service's container its way after files were written into it. */
export async function applyReload(reload: ReloadMode, containerId: string, runtime: ContainerRuntime): Promise<void> {
  if (reload === 'none') return;
  if (reload === 'restart') await runtime.restartContainer(containerId);
  else await runtime.signalContainer(containerId, reload.signal);
}

/**
 * WORKDIR and ENV of the image at the root of the target's FROM chain: a relative COPY destination lands under that
 * WORKDIR. Undefined for `scratch` or an image the engine lacks (decideSync then rebuilds when it matters).
 */
async function rootImageConfig(build: BuildModel, runtime: ContainerRuntime): Promise<BaseImageConfig | undefined> {
  let stage = build.graph.stages[build.targetStage]!;
  for (let guard = 0; stage.base.kind === 'stage' && guard < build.graph.stages.length; guard++)
    stage = build.graph.stages[stage.base.stage]!;
  if (stage.base.kind !== 'image') return undefined;
  const info = await runtime.inspectImage(stage.base.ref);
  if (info === undefined) return undefined;
  return { workingDir: info.workingDir ?? '', env: info.env ?? {} };
}
