/**
 * The ContainerFiles port on the engine API, in one exec of `sh` per batch:
 * the new contents travel on the exec's stdin (one file: straight into its
 * target; several: into a staging file first, then cut out with `tail -c` and
 * `head -c`). Writing with `>` truncates and rewrites an existing file, so it
 * keeps its inode (replacing the file, as `docker cp` and the archive API do,
 * makes in-container watchers such as `node --watch` lose it). Every path is
 * a positional argument, never part of the script text, and `--chown` names
 * resolve from the container's own /etc/passwd and /etc/group with shell
 * built-ins. The archive API was measured slower: it starts a helper process
 * in the daemon for every upload (~2x one exec here).
 */
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { DockstageError, EngineUnavailableError } from '../core/errors.js';
import type { AppliedFiles, ContainerFileBatch, ContainerFiles, ContainerOwner } from '../ports/container-files.js';
import type { DockerEndpoint } from './docker-endpoint.js';
import { connectionOptions, dockerOptions } from './dockerode/connection.js';

/**
 * The applier script. Arguments: `stage` first when several files come on
 * stdin, then operations: `R path` (remove), `D path mode user group` (mkdir
 * when missing), `S path into mode user group` (the only file: stdin is its
 * content), `F offset length path into mode user group` (a slice of the
 * staged stdin). `into` non-empty: write inside `path` when it is a
 * directory. A group of `-` is the user's primary group (or the uid for a
 * numeric user). Prints each written path followed by NUL.
 */
const SCRIPT = `
fail() { echo "dockstage: $*" >&2; exit 3; }
resolve() {
  uid=$1; gid=$2
  case $uid in
    ''|*[!0-9]*)
      found=
      while IFS=: read -r name _ id primary _; do
        if [ "$name" = "$1" ]; then found=1; uid=$id; [ "$gid" = - ] && gid=$primary; break; fi
      done < /etc/passwd
      [ -n "$found" ] || fail "no user '$1' in the container's /etc/passwd" ;;
    *) [ "$gid" = - ] && gid=$uid ;;
  esac
  case $gid in
    ''|*[!0-9]*)
      found=
      while IFS=: read -r name _ id _; do
        if [ "$name" = "$gid" ]; then found=1; gid=$id; break; fi
      done < /etc/group
      [ -n "$found" ] || fail "no group '$2' in the container's /etc/group" ;;
  esac
  owner=$uid:$gid
}
place() {
  target=$1
  if [ -n "$2" ] && [ -d "$target" ]; then target=$target/$2; fi
  if [ -L "$target" ]; then rm -f "$target" || fail "cannot replace the symlink $target"; fi
}
finish() {
  chown "$owner" "$target" && chmod "$1" "$target" || fail "cannot set the owner and mode of $target"
  printf '%s\\0' "$target"
}
if [ "$1" = stage ]; then
  stage=/.dockstage-sync-$$
  trap 'rm -f "$stage"' EXIT
  cat > "$stage" || fail "cannot stage the new contents in /"
  shift
fi
while [ $# -gt 0 ]; do
  case $1 in
    R) rm -rf "$2" || fail "cannot remove $2"; shift 2 ;;
    D)
      if [ ! -d "$2" ]; then
        resolve "$4" "$5"
        mkdir "$2" && chown "$owner" "$2" && chmod "$3" "$2" || fail "cannot create $2"
      fi
      shift 5 ;;
    S)
      resolve "$5" "$6"; place "$2" "$3"
      cat > "$target" || fail "cannot write $target"
      finish "$4"; shift 6 ;;
    F)
      resolve "$7" "$8"; place "$4" "$5"
      tail -c "+$(($2 + 1))" "$stage" | head -c "$3" > "$target" || fail "cannot write $target"
      finish "$6"; shift 8 ;;
    *) fail "unknown operation $1" ;;
  esac
done
`;

/** A ContainerFiles on the engine at `endpoint` (the same connection rules as the runtime adapter). */
export function createDockerodeFiles(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): ContainerFiles {
  return containerFilesOn(new Docker(dockerOptions(connectionOptions(endpoint.host, env))), endpoint.host);
}

/** A ContainerFiles on an existing dockerode client, for callers that already hold one. */
export function containerFilesOn(docker: Docker, host = 'the Docker engine'): ContainerFiles {
  const apply = async (containerId: string, batch: ContainerFileBatch): Promise<AppliedFiles> => {
    const removals = batch.removals ?? [];
    const directories = batch.directories ?? [];
    const files = batch.files ?? [];
    for (const target of [...removals, ...directories.map((d) => d.path), ...files.map((f) => f.path)]) {
      if (!target.startsWith('/')) throw new DockstageError(`live sync needs absolute container paths, got ${target}`, { exitCode: 1 });
    }
    if (removals.length + directories.length + files.length === 0) return { written: [] };
    const args: string[] = files.length > 1 ? ['stage'] : [];
    for (const target of removals) args.push('R', target);
    for (const dir of directories) args.push('D', dir.path, mode(dir.mode), ...owner(dir.owner));
    let offset = 0;
    for (const file of files) {
      const place = [file.path, file.intoDirectoryNamed ?? '', mode(file.mode), ...owner(file.owner)];
      if (files.length === 1) args.push('S', ...place);
      else args.push('F', String(offset), String(file.content.length), ...place);
      offset += file.content.length;
    }
    let result: { exitCode: number; stdout: string; stderr: string };
    try {
      result = await run(docker, docker.getContainer(containerId), ['sh', '-c', SCRIPT, 'sh', ...args], files.map((f) => f.content));
    } catch (error) {
      throw asEngineError(error, containerId, host);
    }
    if (result.exitCode !== 0) {
      throw new DockstageError(`live sync into container ${containerId.slice(0, 12)} failed: ${lastLine(result.stderr) || `exit code ${result.exitCode}`}`, {
        exitCode: 1,
        hint: 'live sync needs sh, cat, head, tail, chmod, chown, mkdir and rm in the container; rebuild instead',
      });
    }
    return { written: result.stdout.split('\0').filter((p) => p !== '') };
  };
  return {
    apply,
    async writeFiles(containerId, files) {
      return await apply(containerId, { files });
    },
    async removePaths(containerId, paths) {
      await apply(containerId, { removals: paths });
    },
  } satisfies ContainerFiles;
}

/** Runs `cmd` in the container as root with `input` on its stdin, and collects its output and exit code. */
async function run(docker: Docker, container: Docker.Container, cmd: string[], input: readonly Uint8Array[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, User: '0:0', WorkingDir: '/' });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // The script closes stdin early when it fails before reading; its exit code tells why.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve();
      else reject(error);
    });
  });
  docker.modem.demuxStream(stream, stdout, stderr);
  for (const chunk of input) stream.write(chunk);
  stream.end();
  await finished;
  const inspected = (await exec.inspect()) as { ExitCode: number | null };
  return { exitCode: inspected.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function owner(value: ContainerOwner): [string, string] {
  return [String(value.user), value.group === null ? '-' : String(value.group)];
}

function mode(bits: number): string {
  return (bits & 0o7777).toString(8);
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function asEngineError(error: unknown, containerId: string, host: string): DockstageError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new EngineUnavailableError(`cannot reach ${host}: ${(error as Error).message}`, 'start the Docker engine, or set DOCKER_HOST / docker context to a running one');
  }
  const status = (error as { statusCode?: number } | undefined)?.statusCode;
  const reason = (error as { json?: { message?: string } } | undefined)?.json?.message ?? (error as Error).message;
  return new DockstageError(`live sync into container ${containerId.slice(0, 12)} failed${status === undefined ? '' : ` (${status})`}: ${reason}`, {
    exitCode: 1,
    hint: status === 409 ? 'the container is not running' : 'dockstage rebuilds instead',
  });
}

