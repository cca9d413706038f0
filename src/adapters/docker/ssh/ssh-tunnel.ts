/**
 * One ssh connection for a whole run. The system `ssh` (so ~/.ssh/config,
 * IdentityFile, ProxyJump, an agent or none, known_hosts all apply) logs in
 * once and forwards a unix socket in a private temp folder to the engine's
 * socket on the remote host: dockerode, compose and buildx all connect there,
 * each connection a channel of that one session, with no handshake and no
 * remote process per connection. When the connection is lost it is made
 * again (the same local path, so every client just reconnects); when the run
 * ends the ssh process is stopped and the folder removed, also on a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineUnavailableError } from '../../../core/errors.js';
import { masterArgs, remoteCommandArgs, type SshDestination, type SshOptions } from './ssh-destination.js';
import { lastLine, remoteEngineFailure, sshFailure } from './ssh-failure.js';

/** The local end of the connection. */
export interface SshTunnel {
  /** `unix:///tmp/dockstage-ssh-…/docker.sock`: the engine address for dockerode and the docker CLI. */
  readonly dockerHost: string;
  /** Resolves once ssh has logged in and the socket listens; rejects with the reason (login, host key, unreachable). */
  ready(): Promise<void>;
  /**
   * Why a connection through the socket failed, in the user's terms: ssh's reason when the session is down or the
   * forward was refused, else what the remote host says about its engine. Undefined when the tunnel is not the cause.
   */
  explain(): Promise<EngineUnavailableError | undefined>;
  /** While the connection is down: what ssh said last (`Connection refused`), else undefined. */
  problem(): string | undefined;
  /** How many times ssh logged in during this run: 1, plus one per reconnect. */
  logins(): number;
  /** Stops ssh and removes the socket and its folder; waits for ssh to exit. */
  close(): Promise<void>;
}

export interface SshTunnelOptions extends SshOptions {
  /** The endpoint as messages name it: `ssh://buildbox (DOCKER_HOST)`. */
  readonly where: string;
  /** The environment of the ssh processes (SSH_AUTH_SOCK, HOME, PATH). */
  readonly env: NodeJS.ProcessEnv;
}

/** Backoff between attempts to make a lost connection again. */
const RECONNECT_MS = { first: 250, max: 4000 };
const STDERR_LIMIT = 16_384;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long a signal's exit waits for ssh to go at most. */
const SIGNAL_EXIT_BOUND_MS = 2000;

/** Starts ssh at once; `ready()` says when the socket can be used. */
export function openSshTunnel(destination: SshDestination, options: SshTunnelOptions): SshTunnel {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dockstage-ssh-'));
  const localSocket = path.join(dir, 'docker.sock');
  const controlPath = path.join(dir, 'control');
  let child: ChildProcess | undefined;
  let stderr = '';
  let closing = false;
  let up = false;
  let logins = 0;
  let delay = RECONNECT_MS.first;
  let retry: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();

  /** Synchronous, for process exit and signals: nothing may be left listening. */
  const cleanUp = () => {
    closing = true;
    if (retry !== undefined) clearTimeout(retry);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Someone else handles the signal (watch stops its engine, then returns): the exit hook cleans up after them.
    if (process.listenerCount(signal) > 1) return;
    cleanUp();
    unhook();
    // The run ends once ssh is gone (it exits at SIGTERM within milliseconds), so no ssh outlives a Ctrl-C that came
    // before a command took the signal over; bounded in case ssh hangs, and a second Ctrl-C ends the run at once.
    const bound = new Promise((resolve) => setTimeout(resolve, SIGNAL_EXIT_BOUND_MS));
    void Promise.race([exited, bound]).then(() => process.kill(process.pid, signal));
  };
  const unhook = () => {
    process.off('exit', cleanUp);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.on('exit', cleanUp);
  for (const signal of SIGNALS) process.on(signal, onSignal);

  /** One login: resolves when the socket listens, rejects with ssh's reason when ssh exits first. */
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      stderr = '';
      logins += 1;
      // Its own process group: a Ctrl-C at the terminal goes to dockstage, which stops its work first and ssh last.
      const ssh = spawn('ssh', masterArgs(destination, { controlPath, localSocket }, options), {
        env: options.env,
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      child = ssh;
      let watcher: FSWatcher | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        watcher?.close();
        if (settled) return;
        settled = true;
        outcome();
      };
      const check = () => {
        if (existsSync(localSocket)) settle(resolve);
      };
      exited = new Promise((done) => ssh.once('close', () => done()));
      ssh.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_LIMIT)));
      ssh.once('error', (error: NodeJS.ErrnoException) =>
        settle(() =>
          reject(
            error.code === 'ENOENT'
              ? new EngineUnavailableError(
                  `${options.where} needs the ssh command, and it is not on PATH`,
                  'install the OpenSSH client (Debian/Ubuntu: apt-get install openssh-client)',
                )
              : error,
          ),
        ),
      );
      ssh.once('close', () => {
        settle(() => reject(sshFailure(destination, options.where, stderr)));
        if (up && !closing) lost();
      });
      // ssh binds the socket only after it has logged in, so its appearance is the signal: no polling.
      watcher = watch(dir, check);
      // The folder goes when the run ends mid-login; ssh's exit settles the attempt then.
      watcher.on('error', () => undefined);
      check();
    });

  /** The connection dropped mid-run: say nothing here (clients see their connections fail) and make it again. */
  const lost = () => {
    up = false;
    rmSync(localSocket, { force: true });
    const again = () => {
      retry = undefined;
      if (closing) return;
      start().then(
        () => {
          up = true;
          delay = RECONNECT_MS.first;
        },
        () => {
          retry = setTimeout(again, delay);
          delay = Math.min(delay * 2, RECONNECT_MS.max);
        },
      );
    };
    retry = setTimeout(again, delay);
  };

  const first = start().then(() => {
    up = true;
  });
  first.catch(() => {
    cleanUp();
    unhook();
  });

  return {
    dockerHost: `unix://${localSocket}`,
    ready: () => first,
    logins: () => logins,
    problem: () => (up ? undefined : lastLine(stderr)),
    async explain() {
      if (!up) return stderr === '' ? undefined : sshFailure(destination, options.where, stderr);
      if (!/open failed|administratively prohibited/.test(stderr)) return undefined;
      const remote = await runRemote([
        'docker',
        ...(/^[\w./-]+$/.test(destination.remoteSocket) ? [`--host=unix://${destination.remoteSocket}`] : []),
        'version',
        '--format',
        '{{.Server.APIVersion}}',
      ]);
      if (remote.code === 0) return sshFailure(destination, options.where, stderr);
      return remoteEngineFailure(destination, options.where, remote);
    },
    async close() {
      cleanUp();
      unhook();
      await exited;
    },
  };

  function runRemote(command: readonly string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const ssh = spawn('ssh', remoteCommandArgs(destination, controlPath, command, options), {
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      ssh.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      ssh.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      ssh.once('error', (error) => resolve({ code: null, output: error.message }));
      ssh.once('close', (code) => resolve({ code, output }));
    });
  }
}
