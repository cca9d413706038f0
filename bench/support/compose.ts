/** The compose and docker calls the benchmark rows share, each with argument arrays. */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { docker, type DockerLedger } from './docker-ledger.js';

const run = promisify(execFile);

/** A compose project of the fixture: its name, its one compose file and the project directory. */
export interface ComposeTarget {
  readonly name: string;
  readonly file: string;
  readonly dir: string;
}

/** `-p NAME -f FILE --project-directory DIR`, the way every call names the project. */
export function projectArgs(project: ComposeTarget): string[] {
  return ['-p', project.name, '-f', project.file, '--project-directory', project.dir];
}

/** `docker compose … up -d --build [services]`, recorded in the ledger first; resolves to stdout and stderr together. */
export async function composeUpBuild(ledger: DockerLedger, project: ComposeTarget, services: readonly string[] = []): Promise<string> {
  ledger.addProject({ name: project.name, files: [project.file], dir: project.dir });
  const { stdout, stderr } = await run('docker', ['compose', ...projectArgs(project), 'up', '-d', '--build', ...services], {
    cwd: project.dir,
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return `${stdout}\n${stderr}`;
}

/** `down -v --rmi local`: containers, networks, volumes and the images compose named. */
export async function composeDown(project: ComposeTarget): Promise<void> {
  await docker(['compose', ...projectArgs(project), 'down', '-v', '--rmi', 'local', '-t', '2'], { cwd: project.dir });
}

/** The services compose built, from its plain progress output (`#3 [api internal] load build definition …`). */
export function builtServicesIn(output: string): string[] {
  const services = new Set<string>();
  for (const match of output.matchAll(/\[([^\]\s]+) internal\] load build definition/g)) services.add(match[1]!);
  return [...services].sort();
}

/** The id of a compose service's container. */
export async function containerOf(project: ComposeTarget, service: string): Promise<string> {
  const id = (await docker(['compose', ...projectArgs(project), 'ps', '-q', service], { cwd: project.dir })).trim();
  if (id === '') throw new Error(`no container for ${service} in project ${project.name}`);
  return id;
}

/** Writes `content` into `file` inside a running container, in place (`cat >` keeps the inode), with the path as an argument. */
export function writeInContainer(container: string, file: string, content: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['exec', '-i', container, 'sh', '-c', 'cat > "$1"', 'sh', file], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker exec write of ${file} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(content);
  });
}
