/**
 * An `ssh://[user@]host[:port][/socket]` engine address read as the docker
 * CLI reads it (cli/connhelper/ssh): no password, query or fragment; a path is
 * the engine's socket on the remote host. Pure: the arguments for the system
 * `ssh` are built here as arrays, so what runs is testable.
 */
import { ConfigError } from '../../../core/errors.js';

/** Where an ssh:// endpoint points. */
export interface SshDestination {
  /** The address as given (`ssh://build@buildbox`), for messages. */
  readonly url: string;
  /** A host name or an alias of ~/.ssh/config. */
  readonly host: string;
  readonly user?: string;
  readonly port?: string;
  /** The engine's socket on the remote host. */
  readonly remoteSocket: string;
}

/** The engine socket when the address names none, as for `docker system dial-stdio` on a default install. */
export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';

/** Reads an ssh:// address; rejects what the docker CLI rejects, with the fix. */
export function parseSshDestination(address: string): SshDestination {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalid(address, 'it is not a URL');
  }
  if (url.protocol !== 'ssh:') throw invalid(address, `the scheme is ${url.protocol.replace(/:$/, '')}, not ssh`);
  if (url.password !== '') throw invalid(address, 'a password in the address is not supported (use a key)');
  if (url.search !== '') throw invalid(address, 'query parameters are not allowed');
  if (url.hash !== '') throw invalid(address, 'fragments are not allowed');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(address, 'the host name is empty');
  const socket = decodeURIComponent(url.pathname);
  return {
    url: address,
    host,
    ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
    ...(url.port === '' ? {} : { port: url.port }),
    remoteSocket: socket.replace(/^\/+/, '') === '' ? DEFAULT_REMOTE_SOCKET : socket,
  };
}

function invalid(address: string, why: string): ConfigError {
  return new ConfigError(`${address} is not a usable ssh:// engine address: ${why}`, {
    hint: 'use ssh://[USER@]HOST[:PORT], where HOST may be a Host alias of ~/.ssh/config',
  });
}

/** The ssh command a person would type to check the same login: `ssh -p 2222 build@buildbox`. */
export function sshCommand(destination: SshDestination, flags = ''): string {
  return `ssh ${flags === '' ? '' : `${flags} `}${destination.port === undefined ? '' : `-p ${destination.port} `}${destination.user === undefined ? '' : `${destination.user}@`}${destination.host}`;
}

/** What the options of every ssh we start have in common. */
export interface SshOptions {
  /** An ssh config file to read instead of ~/.ssh/config (`-F`; DOCKSTAGE_SSH_CONFIG). */
  readonly configFile?: string | undefined;
}

/** `-l user -p port -- host`: the destination part, last on every command line (the docker CLI's own order). */
export function destinationArgs(destination: SshDestination): string[] {
  return [
    ...(destination.user === undefined ? [] : ['-l', destination.user]),
    ...(destination.port === undefined ? [] : ['-p', destination.port]),
    '--',
    destination.host,
  ];
}

/**
 * The one ssh process of a run: it authenticates once, serves `localSocket` (every API call, stream, compose and
 * buildx process connects there; each connection is a channel of this session to the remote engine socket), and is
 * the control master for `remoteCommand`. BatchMode: no prompt can stall a run whose terminal belongs to the TUI, so
 * a key must work without typing (agent, or a key without passphrase), as `ssh HOST true` shows. No remote shell runs.
 */
export function masterArgs(
  destination: SshDestination,
  paths: { readonly controlPath: string; readonly localSocket: string },
  options: SshOptions = {},
): string[] {
  return [
    ...(options.configFile === undefined ? [] : ['-F', options.configFile]),
    '-M',
    '-S',
    paths.controlPath,
    '-o',
    'ControlPersist=no',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=30',
    '-o',
    'ServerAliveInterval=10',
    '-o',
    'ServerAliveCountMax=3',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'StreamLocalBindUnlink=yes',
    '-N',
    '-T',
    '-L',
    `${paths.localSocket}:${destination.remoteSocket}`,
    ...destinationArgs(destination),
  ];
}

/** A command on the remote host through the master (no second handshake): the words are ssh's remote command list. */
export function remoteCommandArgs(
  destination: SshDestination,
  controlPath: string,
  command: readonly string[],
  options: SshOptions = {},
): string[] {
  return [
    ...(options.configFile === undefined ? [] : ['-F', options.configFile]),
    '-S',
    controlPath,
    '-o',
    'ControlMaster=no',
    '-o',
    'BatchMode=yes',
    '-T',
    ...destinationArgs(destination),
    ...command,
  ];
}
