/**
 * The ContainerFiles port on the engine API: one `sh` per batch (the script in
 * sync-script.ts), the new contents on its stdin. Writing with `>` truncates
 * and rewrites an existing file, so it keeps its inode (replacing the file, as
 * `docker cp` and the archive API do, makes in-container watchers such as
 * `node --watch` lose it). For one small batch the archive API is slower: it
 * starts a helper process in the daemon for every upload (~2x one exec here).
 * Files a container does not hold yet (a bind mount's full copy) go the other
 * way, `createFiles`: one archive upload, where the script starts processes
 * per file.
 *
 * Starting a process in a container costs the engine ~50 ms, as much as the
 * rest of a sync, so `keepReady` starts the next batch's `sh` ahead of time in
 * each container a sync may write into: it waits on stdin for its arguments
 * and contents, and exits at EOF when dockstage closes it (or goes away).
 * Batches that find no writer waiting, or whose writer died (the container
 * restarted) or stalls, run in a fresh exec with the same script.
 */
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { DockstageError, EngineUnavailableError } from '../../core/errors.js';
import type { AppliedFiles, ContainerFileBatch, ContainerFiles, ContainerTree } from '../../ports/container-files.js';
import type { DockerEndpoint } from './docker-endpoint.js';
import { connectionOptions, dockerOptions } from './connection.js';
import { archiveOf } from './file-archive.js';
import { LIST_SCRIPT, SCRIPT_FAILED, scriptInvocation, stdinArguments, SYNC_SCRIPT } from './sync-script.js';

/** A ContainerFiles on the engine at `endpoint` (the same connection rules as the runtime adapter). */
export function createDockerodeFiles(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): ContainerFiles {
  return containerFilesOn(new Docker(dockerOptions(connectionOptions(endpoint.tunnel ?? endpoint.host, env))), endpoint.host);
}

/** A ContainerFiles on an existing dockerode client, for callers that already hold one. */
export function containerFilesOn(docker: Docker, host = 'the Docker engine'): ContainerFiles {
  const writers = new ReadyWriters(docker);
  const apply = async (containerId: string, batch: ContainerFileBatch): Promise<AppliedFiles> => {
    const removals = batch.removals ?? [];
    const directories = batch.directories ?? [];
    const files = batch.files ?? [];
    for (const target of [...removals, ...directories.map((d) => d.path), ...files.map((f) => f.path)]) {
      if (!target.startsWith('/')) throw new DockstageError(`live sync needs absolute container paths, got ${target}`, { exitCode: 1 });
    }
    if (removals.length + directories.length + files.length === 0) return { written: [] };
    const { args, contents } = scriptInvocation(batch);
    const header = stdinArguments(args);
    // A ready writer's answer counts when the script ran to its end (success or its own refusal); a writer that died
    // or stalled on the way leaves the batch to a fresh exec (the script is idempotent: whole files, mkdir -p, rm -rf).
    let result = header === undefined ? undefined : await writers.run(containerId, [header, ...contents]);
    if (result !== undefined && result.exitCode !== 0 && result.exitCode !== SCRIPT_FAILED) result = undefined;
    if (result === undefined) {
      try {
        result = await (await startScript(docker.getContainer(containerId), args)).send(contents);
      } catch (error) {
        throw asEngineError(error, containerId, host);
      }
    }
    if (result.exitCode !== 0) {
      throw new DockstageError(
        `live sync into container ${containerId.slice(0, 12)} failed: ${lastLine(result.stderr) || `exit code ${result.exitCode}`}`,
        {
          exitCode: 1,
          hint: 'live sync needs sh, cat, head, tail, chmod, chown, mkdir and rm in the container; rebuild instead',
        },
      );
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
    async createFiles(containerId, batch) {
      const entries = [...batch.directories, ...batch.files];
      for (const entry of entries)
        if (!entry.path.startsWith('/'))
          throw new DockstageError(`live sync needs absolute container paths, got ${entry.path}`, { exitCode: 1 });
      if (entries.length === 0) return { written: [] };
      try {
        await docker.getContainer(containerId).putArchive(await archiveOf(batch), { path: '/' });
      } catch (error) {
        throw asEngineError(error, containerId, host);
      }
      return { written: batch.files.map((file) => file.path) };
    },
    async listTree(containerId, directory, marker) {
      let result: ScriptResult;
      try {
        const exec = await docker.getContainer(containerId).exec({
          Cmd: ['sh', '-c', LIST_SCRIPT, 'sh', directory, marker],
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          User: '0:0',
          WorkingDir: '/',
        });
        result = await attach(exec, await exec.start({ hijack: true, stdin: true })).send([]);
      } catch (error) {
        throw asEngineError(error, containerId, host);
      }
      if (result.exitCode !== 0)
        throw new DockstageError(
          `cannot list ${directory} in container ${containerId.slice(0, 12)}: ${lastLine(result.stderr) || `exit code ${result.exitCode}`}`,
          { exitCode: 1, hint: 'syncing bind mounts needs sh, find and stat in the container' },
        );
      return parseTree(result.stdout);
    },
    keepReady: (containerIds) => writers.keep(containerIds),
    close: () => writers.close(),
  } satisfies ContainerFiles;
}

/** What one run of the script said. */
interface ScriptResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A writer that starts dying this soon after it was ready, unused, counts as a container that cannot keep one. */
const QUICK_DEATH_MS = 1000;
/** After that many in a row, the container gets no more writers (every batch takes a fresh exec, as without them). */
const MAX_QUICK_DEATHS = 3;
/** A container whose exec could not be created is not asked again for this long. */
const RETRY_AFTER_MS = 1000;

/** The writers waiting in containers, one per container at most, each used for one batch. */
class ReadyWriters {
  private readonly waiting = new Map<string, Promise<Writer | undefined>>();
  private readonly quickDeaths = new Map<string, number>();
  private readonly retryAt = new Map<string, number>();
  private closed = false;

  constructor(private readonly docker: Docker) {}

  /** Starts a writer in each of `containerIds` that lacks one; closes the others. */
  keep(containerIds: readonly string[]): void {
    if (this.closed) return;
    const wanted = new Set(containerIds);
    for (const [id, pending] of this.waiting) {
      if (wanted.has(id)) continue;
      this.waiting.delete(id);
      void pending.then((writer) => writer?.close());
    }
    for (const id of containerIds) this.start(id);
  }

  /** Runs a batch on the container's waiting writer; undefined when there is none or it failed on the way. */
  async run(containerId: string, input: readonly Uint8Array[]): Promise<ScriptResult | undefined> {
    const pending = this.waiting.get(containerId);
    if (pending === undefined) return undefined;
    this.waiting.delete(containerId);
    const writer = await pending;
    if (writer === undefined || !writer.open) return undefined;
    const result = await writer.run(input);
    if (result !== undefined) this.quickDeaths.delete(containerId);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.waiting.values()];
    this.waiting.clear();
    await Promise.all(pending.map(async (p) => (await p)?.close()));
  }

  private start(id: string): void {
    if (this.waiting.has(id) || (this.quickDeaths.get(id) ?? 0) >= MAX_QUICK_DEATHS || performance.now() < (this.retryAt.get(id) ?? 0))
      return;
    const pending: Promise<Writer | undefined> = startWriter(this.docker.getContainer(id)).then(
      (writer) => {
        const readyAt = performance.now();
        void writer.ended.then(() => {
          if (this.waiting.get(id) === pending) this.waiting.delete(id);
          if (!writer.used && performance.now() - readyAt < QUICK_DEATH_MS) this.quickDeaths.set(id, (this.quickDeaths.get(id) ?? 0) + 1);
        });
        if (this.closed) writer.close();
        return writer;
      },
      () => {
        if (this.waiting.get(id) === pending) this.waiting.delete(id);
        this.retryAt.set(id, performance.now() + RETRY_AFTER_MS);
        return undefined;
      },
    );
    this.waiting.set(id, pending);
  }
}

/** An `sh` waiting in a container for one batch. */
interface Writer {
  /** Still attached: the process has not exited. */
  readonly open: boolean;
  readonly used: boolean;
  /** Resolves when the process's output ended, however it ended. */
  readonly ended: Promise<void>;
  /** Sends the batch and waits for the script's end; undefined when it died or stalled on the way. */
  run(input: readonly Uint8Array[]): Promise<ScriptResult | undefined>;
  /** Closes stdin: the waiting script exits. */
  close(): void;
}

/** A batch this long overdue on a ready writer (a connection gone quietly dead) goes to a fresh exec. */
function stallMs(bytes: number): number {
  return 5_000 + Math.ceil(bytes / 1_000_000) * 1_000;
}

async function startWriter(container: Docker.Container): Promise<Writer> {
  const attached = await startScript(container, ['--stdin-args']);
  let open = true;
  let used = false;
  const ended = attached.finished.then(
    () => undefined,
    () => undefined,
  );
  void ended.then(() => {
    open = false;
  });
  return {
    get open() {
      return open;
    },
    get used() {
      return used;
    },
    ended,
    async run(input) {
      used = true;
      let timer: NodeJS.Timeout | undefined;
      const bytes = input.reduce((sum, chunk) => sum + chunk.length, 0);
      const stalled = new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), stallMs(bytes));
      });
      try {
        const outcome = await Promise.race([attached.send(input), stalled]);
        if (outcome === 'stalled') {
          attached.stream.destroy();
          return undefined;
        }
        return outcome;
      } catch {
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      attached.stream.end();
    },
  };
}

/** Starts the sync script in the container as root with `args`, attached to its stdin and output. */
async function startScript(container: Docker.Container, args: readonly string[]) {
  const exec = await container.exec({
    Cmd: ['sh', '-c', SYNC_SCRIPT, 'sh', ...args],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    User: '0:0',
    WorkingDir: '/',
  });
  return attach(exec, await exec.start({ hijack: true, stdin: true }));
}

/** An attached exec: its output collected, a way to send stdin and wait for the exit code. */
function attach(exec: Docker.Exec, stream: NodeJS.ReadWriteStream & { destroy(): void }) {
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
  // A waiting writer may end (its container restarted) with nobody awaiting it yet.
  finished.catch(() => undefined);
  exec.modem.demuxStream(stream, stdout, stderr);
  return {
    stream,
    finished,
    async send(input: readonly Uint8Array[]): Promise<ScriptResult> {
      for (const chunk of input) stream.write(chunk);
      stream.end();
      await finished;
      const inspected = (await exec.inspect()) as { ExitCode: number | null };
      return {
        exitCode: inspected.ExitCode ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    },
  };
}

/** LIST_SCRIPT's output as a ContainerTree. */
export function parseTree(output: string): ContainerTree {
  const [owner = '-', marker = '-', ...rest] = output.split('\0');
  const ids = /^(\d+):(\d+)$/.exec(owner);
  const sections: Record<string, string[]> = { d: [], f: [], m: [] };
  let current: string[] | undefined;
  for (const item of rest) {
    if (item === 'd' || item === 'f' || item === 'm') current = sections[item];
    else if (item !== '' && current !== undefined) current.push(item);
  }
  return {
    owner: ids === null ? undefined : { user: Number(ids[1]), group: Number(ids[2]) },
    directories: sections['d']!,
    files: sections['f']!,
    mounts: sections['m']!,
    marker: marker.startsWith('+') ? marker.slice(1) : undefined,
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function asEngineError(error: unknown, containerId: string, host: string): DockstageError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new EngineUnavailableError(
      `cannot reach ${host}: ${(error as Error).message}`,
      'start the Docker engine, or set DOCKER_HOST / docker context to a running one',
    );
  }
  const status = (error as { statusCode?: number } | undefined)?.statusCode;
  const reason = (error as { json?: { message?: string } } | undefined)?.json?.message ?? (error as Error).message;
  return new DockstageError(
    `live sync into container ${containerId.slice(0, 12)} failed${status === undefined ? '' : ` (${status})`}: ${reason}`,
    {
      exitCode: 1,
      hint: status === 409 ? 'the container is not running' : 'dockstage rebuilds instead',
    },
  );
}
