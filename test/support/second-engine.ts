/**
 * A second dockerd that cannot see a folder of this machine, to stand in for a
 * remote engine's host: it runs in its own mount and network namespaces
 * (`unshare -m -n --propagation private`) where a tmpfs covers `hidden`, with its
 * own data root, exec root and socket. Its own network namespace matters: a
 * dockerd started with `--bridge=none` deletes the `docker0` interface it finds,
 * which in the shared namespace was the main engine's (every later build step
 * then failed with "could not find bridge docker0"). No iptables; user-defined
 * networks such as compose's default one come from `--default-address-pool`. The images it needs are copied from the main engine with
 * `docker save | docker load`. Stopped by its own pid; its folders removed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface SecondEngine {
  /** The engine's socket path (serve it over ssh as `ssh://HOST<socket>`). */
  readonly socket: string;
  /** `docker -H unix://<socket> ARGS…`: stdout. */
  docker(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

/** True when a second engine can start here: root, unshare and dockerd present. */
export function canStartSecondEngine(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && (existsSync('/usr/sbin/dockerd') || existsSync('/usr/bin/dockerd'));
}

/** Starts the engine with `hidden` covered, and loads `images` into it from the main engine. */
export async function startSecondEngine(hidden: string, images: readonly string[]): Promise<SecondEngine> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-engine2-'));
  const socket = path.join(dir, 'docker.sock');
  const pidFile = path.join(dir, 'docker.pid');
  const script = 'ip link set lo up && mount -t tmpfs tmpfs "$1" && shift && exec dockerd "$@"';
  const child: ChildProcess = spawn(
    'unshare',
    [
      '-m',
      '-n',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      hidden,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      pidFile,
      '-H',
      `unix://${socket}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--default-address-pool',
      'base=172.30.0.0/16,size=24',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-4000);
  });
  const docker = async (args: readonly string[]) =>
    (await run('docker', ['-H', `unix://${socket}`, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      // Its containers go first, at once: dockerd would otherwise wait out each one's stop on SIGTERM.
      const ids = (await docker(['ps', '-aq']).catch(() => '')).split('\n').filter((id) => id !== '');
      if (ids.length > 0) await docker(['rm', '-f', ...ids]).catch(() => undefined);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the second dockerd exited: ${log}`);
        return (
          existsSync(socket) &&
          (await docker(['version', '--format', '{{.Server.Version}}']).then(
            () => true,
            () => false,
          ))
        );
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'the second dockerd to answer' },
    );
    for (const image of images) {
      const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'ignore'] });
      const load = spawn('docker', ['-H', `unix://${socket}`, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
      save.stdout!.pipe(load.stdin!);
      const code = await new Promise<number | null>((resolve) => load.once('exit', resolve));
      if (code !== 0) throw new Error(`loading ${image} into the second dockerd failed`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { socket, docker, stop };
}
