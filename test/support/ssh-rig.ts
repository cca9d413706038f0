/**
 * An sshd the suite starts itself, so `DOCKER_HOST=ssh://…` is tested with no
 * manual steps: Debian's openssh-server (installed when missing and running as
 * root, as .ci/run does), `sshd -D -f <own config>` on 127.0.0.1 on a free
 * port, a host key and a client key made for the run in a temp folder, and an
 * ssh config of its own with `Host` aliases. The system ssh reads only the
 * passwd home's ~/.ssh/config (not $HOME), so dockstage is pointed at the
 * rig's config with DOCKSTAGE_SSH_CONFIG (its `-F`). No agent: SSH_AUTH_SOCK is
 * empty and every alias says `IdentityAgent none`. The remote side's `docker`
 * is this machine's engine, reached through sshd.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './compose-project.js';
import { waitFor } from './wait.js';

const SSHD = '/usr/sbin/sshd';
/** Installs openssh-server when it is missing and we may (root); true when sshd and ssh are there. */
export function ensureSshd(): boolean {
  const present = () => existsSync(SSHD) && hasCommand('ssh') && hasCommand('ssh-keygen');
  if (present()) return true;
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client >/dev/null'],
      { stdio: 'ignore', timeout: 300_000 },
    );
  } catch {
    return false;
  }
  return present();
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface SshRig {
  /** The alias that logs in (key made for the test, known host key). */
  readonly host: string;
  /** Aliases that fail one way each: a key sshd does not accept, a host key nobody accepted, a port nothing listens on. */
  readonly badKeyHost: string;
  readonly unknownHostKeyHost: string;
  readonly closedPortHost: string;
  /** An alias reached through the rig itself as a ProxyJump host (two logins: the jump, then the target). */
  readonly jumpHost: string;
  /** An alias whose logins find no `docker` command (PATH emptied by sshd); pair it with a socket path nothing serves. */
  readonly noDockerHost: string;
  /** The rig's ssh config (`-F`). */
  readonly configFile: string;
  /** What dockstage needs to use the rig: DOCKER_HOST, DOCKSTAGE_SSH_CONFIG, no agent, and a TMPDIR of its own (to see what is left behind). */
  env(host?: string): NodeJS.ProcessEnv;
  /** The folder given as TMPDIR: dockstage's ssh socket folders live there while it runs. */
  readonly tmpDir: string;
  /** How many logins sshd accepted so far. */
  logins(): number;
  /** Kills every connection sshd is serving (the per-connection sshd processes), by pid. */
  dropConnections(): number;
  /** The ssh clients dockstage started that are still running (their command line names a socket in tmpDir). */
  clients(): number[];
  /** Stops sshd and removes the folder. */
  stop(): Promise<void>;
}

/** Starts sshd on 127.0.0.1 on a free port and writes keys, known_hosts and the ssh config. */
export async function startSshRig(): Promise<SshRig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-ssh-rig-'));
  const file = (name: string) => path.join(dir, name);
  const keygen = (name: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dockstage-test', '-f', file(name)], { stdio: 'ignore' });
  keygen('host_key');
  keygen('client_key');
  keygen('stranger_key');
  await writeFile(file('authorized_keys'), readFileSync(file('client_key.pub')));
  await chmod(file('authorized_keys'), 0o600);
  const tmpDir = file('tmp');
  execFileSync('mkdir', ['-p', tmpDir, '/run/sshd']);
  const port = await freePort();
  const noDockerPort = await freePort();
  const closedPort = await freePort();
  await writeFile(
    file('sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `Port ${noDockerPort}`,
      `HostKey ${file('host_key')}`,
      `PidFile ${file('sshd.pid')}`,
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel INFO',
      // A host without docker: logins on the second port find no `docker` on PATH.
      `Match LocalPort ${noDockerPort}`,
      '  SetEnv PATH=/nonexistent',
      '',
    ].join('\n'),
  );
  const hostKey = readFileSync(file('host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  await writeFile(file('known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n[127.0.0.1]:${noDockerPort} ${hostKey}\n`);
  await writeFile(file('empty_known_hosts'), '');
  const user = os.userInfo().username;
  const alias = (name: string, lines: string[]) =>
    [
      `Host ${name}`,
      '  HostName 127.0.0.1',
      `  User ${user}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      '  StrictHostKeyChecking yes',
      ...lines.map((line) => `  ${line}`),
      '',
    ].join('\n');
  await writeFile(
    file('ssh_config'),
    [
      alias('dockstage-rig', [`Port ${port}`, `IdentityFile ${file('client_key')}`, `UserKnownHostsFile ${file('known_hosts')}`]),
      alias('dockstage-rig-badkey', [`Port ${port}`, `IdentityFile ${file('stranger_key')}`, `UserKnownHostsFile ${file('known_hosts')}`]),
      alias('dockstage-rig-newhost', [
        `Port ${port}`,
        `IdentityFile ${file('client_key')}`,
        `UserKnownHostsFile ${file('empty_known_hosts')}`,
      ]),
      alias('dockstage-rig-nodocker', [
        `Port ${noDockerPort}`,
        `IdentityFile ${file('client_key')}`,
        `UserKnownHostsFile ${file('known_hosts')}`,
      ]),
      alias('dockstage-rig-jump', [
        `Port ${port}`,
        `IdentityFile ${file('client_key')}`,
        `UserKnownHostsFile ${file('known_hosts')}`,
        'ProxyJump dockstage-rig',
      ]),
      alias('dockstage-rig-closed', [
        `Port ${closedPort}`,
        `IdentityFile ${file('client_key')}`,
        `UserKnownHostsFile ${file('known_hosts')}`,
      ]),
    ].join('\n'),
  );
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-f', file('sshd_config'), '-E', file('sshd.log')], { stdio: 'ignore' });
  await waitFor(async () => sshd.exitCode === null && (await canConnect(port)) && (await canConnect(noDockerPort)), {
    timeoutMs: 15_000,
    message: `sshd on 127.0.0.1:${port}`,
  });
  const configFile = file('ssh_config');
  return {
    host: 'dockstage-rig',
    badKeyHost: 'dockstage-rig-badkey',
    unknownHostKeyHost: 'dockstage-rig-newhost',
    closedPortHost: 'dockstage-rig-closed',
    noDockerHost: 'dockstage-rig-nodocker',
    jumpHost: 'dockstage-rig-jump',
    configFile,
    tmpDir,
    env: (host = 'dockstage-rig') => ({
      DOCKER_HOST: `ssh://${host}`,
      DOCKSTAGE_SSH_CONFIG: configFile,
      SSH_AUTH_SOCK: '',
      TMPDIR: tmpDir,
    }),
    logins: () => (existsSync(file('sshd.log')) ? (readFileSync(file('sshd.log'), 'utf8').match(/Accepted publickey/g)?.length ?? 0) : 0),
    dropConnections() {
      const sessions = descendantsOf(sshd.pid!);
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited with its parent
        }
      }
      return sessions.length;
    },
    clients: () => sshProcessesNaming(tmpDir),
    async stop() {
      if (sshd.exitCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The pids of `ssh` processes whose command line contains `text`. */
function sshProcessesNaming(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(args[0] ?? '') === 'ssh' && args.some((arg) => arg.includes(text))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every process below `pid`, children first (from /proc). */
function descendantsOf(pid: number): number[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap(descendantsOf)];
}

/** The pids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
