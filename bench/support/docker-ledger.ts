/**
 * Everything the watch-loop benchmark creates on the shared engine, written down
 * as it is created so that one `cleanup()` removes exactly that, on success, on
 * failure and on Ctrl-C: compose projects (`down -v --rmi local`), containers and
 * image tags named with the run's prefix, every image ID ever seen under such a
 * tag (the ones a rebuild left dangling), and child processes still running.
 * Never a prune, never anything another user named.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the docker CLI with an argument array; rejects on a non-zero exit with its stderr. */
export async function docker(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await run('docker', [...args], {
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** A compose project the benchmark started: enough to bring it down again. */
export interface LedgerProject {
  readonly name: string;
  readonly files: readonly string[];
  readonly dir: string;
}

/** The run's record of what it made; `prefix` starts every project, container and image name it creates. */
export class DockerLedger {
  private readonly projects = new Map<string, LedgerProject>();
  private readonly children = new Set<ChildProcess>();
  private readonly imageIdsSeen = new Set<string>();
  private cleaning: Promise<string[]> | undefined;

  constructor(readonly prefix: string) {}

  /** Remembers a compose project before its first `up`, so a failure halfway still brings it down. */
  addProject(project: LedgerProject): void {
    this.projects.set(project.name, project);
  }

  /** Remembers a child process (compose watch, dockstage watch) until it exits. */
  addChild(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** The image ID of every tag whose repository starts with `namePrefix` (a row's project), recording each ID for cleanup. */
  async imagesTagged(namePrefix: string): Promise<Map<string, string>> {
    const out = await docker(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}}\t{{.ID}}']);
    const tags = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [tag, id] = line.split('\t');
      if (tag === undefined || id === undefined || !tag.startsWith(namePrefix) || !tag.startsWith(this.prefix)) continue;
      tags.set(tag, id);
      this.imageIdsSeen.add(id);
    }
    return tags;
  }

  /** Removes everything recorded (idempotent: a second call waits for the first). Resolves to what could not be removed. */
  cleanup(): Promise<string[]> {
    this.cleaning ??= this.removeAll();
    return this.cleaning;
  }

  private async removeAll(): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    };
    await Promise.all([...this.children].map((child) => stopChild(child)));
    for (const project of this.projects.values()) {
      if (!project.files.every((file) => existsSync(file))) continue;
      const files = project.files.flatMap((file) => ['-f', file]);
      await attempt(`down ${project.name}`, () =>
        docker(['compose', '-p', project.name, ...files, '--project-directory', project.dir, 'down', '-v', '--rmi', 'local', '-t', '2']),
      );
    }
    const containerLists = await Promise.all([
      docker(['ps', '-aq', '--filter', `name=${this.prefix}`]),
      ...[...this.projects.keys()].map((name) => docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`])),
    ]).catch(() => []);
    const containers = [...new Set(containerLists.flatMap((out) => out.split('\n').filter((id) => id !== '')))];
    if (containers.length > 0) await attempt('remove containers', () => docker(['rm', '-f', '-v', ...containers]));
    const tags = [...(await this.imagesTagged(this.prefix).catch(() => new Map<string, string>())).keys()];
    if (tags.length > 0) await attempt('remove image tags', () => docker(['rmi', ...tags]));
    // IDs a rebuild left dangling; an ID still tagged elsewhere or in use fails alone and is reported.
    const dangling = new Set((await docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true']).catch(() => '')).split('\n'));
    for (const id of this.imageIdsSeen) {
      if (dangling.has(id)) await attempt(`remove image ${id.slice(7, 19)}`, () => docker(['rmi', id]));
    }
    const networks = (await docker(['network', 'ls', '-q', '--filter', `name=${this.prefix}`]).catch(() => ''))
      .split('\n')
      .filter((id) => id !== '');
    if (networks.length > 0) await attempt('remove networks', () => docker(['network', 'rm', ...networks]));
    return problems;
  }
}

/** SIGINT (as Ctrl-C would), then SIGKILL after 5 s; resolves once the process is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
