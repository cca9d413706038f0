/**
 * Whether the engine runs on another machine, and what that breaks: a bind
 * mount names a path on the engine's host, so on a remote engine a project
 * folder mounted as written is the remote host's folder (usually empty), not
 * this machine's files. Pure: the endpoint address and the workspace in.
 */
import path from 'node:path';
import type { Workspace } from './workspace.js';

/**
 * True for `ssh://…`, and for `tcp://`/`http(s)://` to a host that is not loopback; `declared`
 * (`x-dockstage.remote`) overrides both ways. unix sockets, npipe and fd are this machine.
 */
export function engineIsRemote(endpointHost: string, declared: boolean | undefined): boolean {
  if (declared !== undefined) return declared;
  let url: URL;
  try {
    url = new URL(endpointHost);
  } catch {
    return false;
  }
  if (url.protocol === 'ssh:') return true;
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}

/** One service's bind mounts of project files, which a remote engine does not see (or dockstage syncs there). */
export interface UnreachableBindMounts {
  readonly service: string;
  /** Sources relative to the project (`./src`), with their container targets. */
  readonly mounts: readonly { readonly source: string; readonly target: string }[];
}

/**
 * The services whose bind mounts take files from inside the project directory, sorted by service. Mounts of paths
 * outside the project (a socket, /etc/localtime) are left out: those usually mean the engine host's own paths.
 */
export function projectBindMounts(workspace: Workspace): UnreachableBindMounts[] {
  const inside = (source: string) => source === workspace.projectDir || source.startsWith(`${workspace.projectDir}${path.sep}`);
  return workspace.services
    .map((service) => ({
      service: service.name,
      mounts: service.bindMounts
        .filter((mount) => inside(mount.source))
        .map((mount) => ({
          source: `./${path.relative(workspace.projectDir, mount.source).split(path.sep).join('/')}`.replace(/\/$/, ''),
          target: mount.target,
        })),
    }))
    .filter((entry) => entry.mounts.length > 0)
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** The warning for one service, once per run: what is mounted, what the container sees, and what to do. */
export function remoteBindMountWarning(
  entry: UnreachableBindMounts,
  endpoint: string,
): { readonly message: string; readonly hint: string } {
  const mounts = entry.mounts.map((mount) => `${mount.source} → ${mount.target}`).join(', ');
  return {
    message: `${entry.service}: the engine at ${endpoint} is remote, so the bind mount ${mounts} mounts that host's folder, not this machine's files (usually an empty folder)`,
    hint: 'set x-dockstage.remote.bind_mounts: sync (dockstage copies the folder in and keeps it equal), copy the files in the image instead (COPY), or set x-dockstage.remote: false if the engine does see this folder',
  };
}

/** What a service's bind mounts of project files are on this engine: `native` (the engine sees them), `synced` (dockstage copies them), `unreachable` (remote, warned). */
export type BindMountMode = 'native' | 'synced' | 'unreachable';

/**
 * Per service with bind mounts of project files, what they are on an engine that is `remote` or not: with
 * `x-dockstage.remote.bind_mounts: sync` on a remote engine they are synced, without it they are unreachable.
 */
export function bindMountModes(workspace: Workspace, remote: boolean): Record<string, BindMountMode> {
  const modes: Record<string, BindMountMode> = {};
  for (const entry of projectBindMounts(workspace))
    modes[entry.service] = !remote ? 'native' : workspace.config.remoteBindMounts === 'sync' ? 'synced' : 'unreachable';
  return modes;
}

/** One bind mount dockstage keeps in sync: the absolute local source and the container target. */
export interface SyncedBindMount {
  readonly service: string;
  readonly source: string;
  readonly target: string;
}

/**
 * The bind mounts dockstage replaces with copies: those of project files, when the workspace was loaded for a remote
 * engine with `bind_mounts: sync` (`workspace.syncBindMounts`). Empty otherwise.
 */
export function syncedBindMounts(workspace: Workspace): SyncedBindMount[] {
  if (workspace.syncBindMounts !== true) return [];
  const inside = (source: string) => source === workspace.projectDir || source.startsWith(`${workspace.projectDir}${path.sep}`);
  return workspace.services.flatMap((service) =>
    service.bindMounts
      .filter((mount) => inside(mount.source))
      .map((mount) => ({ service: service.name, source: mount.source, target: mount.target })),
  );
}

/**
 * Whether a file below a synced bind mount stays out of the copy: `.git` anywhere, and what the service's build context
 * ignore file excludes when the file lies in that context (a service without a build has only the `.git` rule).
 */
export function excludedFromBindSync(workspace: Workspace, service: string, file: string): boolean {
  if (file.split(path.sep).includes('.git')) return true;
  const build = workspace.services.find((s) => s.name === service)?.build;
  if (build?.ignore === undefined || build.contextDir === undefined) return false;
  const relative = path.relative(build.contextDir, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  return build.ignore.excludes(relative.split(path.sep).join('/'));
}
