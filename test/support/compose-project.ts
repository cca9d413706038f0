/**
 * What the Docker-backed watch and TUI tests share about a compose project on
 * the real engine: a free port on 127.0.0.1, the IDs of its containers by
 * service, and removing everything it made (containers, volumes, networks,
 * dockstage's image tags, the temp directory).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A port nothing listens on now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Container IDs of the project's services (running ones, or all with `all`), by service name. */
export async function containerIds(project: string, options: { all?: boolean } = {}): Promise<Record<string, string>> {
  const args = [
    'ps',
    ...(options.all === true ? ['-a'] : []),
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.ID}}',
  ];
  const { stdout } = await run('docker', args);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** `compose down -v`, every `<project>-*` image tag, and the directory. Never throws: cleanup must not hide a failure. */
export async function removeProject(project: string, dir: string): Promise<void> {
  if (dir === '') return;
  await run('docker', ['compose', '-p', project, '--project-directory', dir, 'down', '-v', '--remove-orphans', '--timeout', '1']).catch(
    () => undefined,
  );
  const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${project}-*`]).catch(
    () => ({ stdout: '' }),
  );
  const tags = stdout.split('\n').filter((t) => t !== '');
  if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
