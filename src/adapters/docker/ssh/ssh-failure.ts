/**
 * What ssh's own words mean for the user: one line naming the engine address
 * and one hint naming the fix, for each way a login or the engine behind it
 * can fail. Pure: ssh's stderr and exit code in, an error value out.
 */
import { EngineUnavailableError } from '../../../core/errors.js';
import { sshCommand, type SshDestination } from './ssh-destination.js';

/** Why the ssh master could not start (or stopped): from its stderr, the last meaningful line kept as ssh said it. */
export function sshFailure(destination: SshDestination, where: string, stderr: string): EngineUnavailableError {
  const said = lastLine(stderr);
  const check = `${sshCommand(destination)} true`;
  if (/Permission denied|Too many authentication failures|no mutual signature|Authentication failed/i.test(stderr)) {
    return new EngineUnavailableError(
      `ssh to ${where} could not log in: ${said}`,
      `'${check}' must log in without a prompt: give it a key it accepts (IdentityFile in ~/.ssh/config, or ssh-add it to an agent) and check the user name`,
    );
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return new EngineUnavailableError(
      `ssh to ${where}: the host key has changed since it was accepted`,
      `if ${destination.host} was reinstalled, remove the old key (ssh-keygen -R ${destination.host}), then run '${check}' and check the new one`,
    );
  }
  if (/Host key verification failed|host key is known for|No .* host key is known/i.test(stderr)) {
    return new EngineUnavailableError(
      `ssh to ${where}: the host key of ${destination.host} is not known`,
      `run '${check}' once, check the key's fingerprint and accept it (or add it to ~/.ssh/known_hosts)`,
    );
  }
  if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(stderr)) {
    return new EngineUnavailableError(
      `ssh to ${where}: cannot resolve ${destination.host}`,
      'check the host in DOCKER_HOST or the docker context (an alias must be a Host entry of ~/.ssh/config)',
    );
  }
  if (
    /Connection refused|Connection timed out|No route to host|Network is unreachable|Connection closed by|Connection reset|kex_exchange_identification|timed out/i.test(
      stderr,
    )
  ) {
    return new EngineUnavailableError(
      `cannot reach ${where} over ssh: ${said}`,
      `check that the host is up, that sshd listens on that port, and that '${check}' works`,
    );
  }
  if (/open failed|forwarding failed|cannot listen|administratively prohibited/i.test(stderr)) {
    return new EngineUnavailableError(
      `ssh to ${where} cannot reach the engine socket ${destination.remoteSocket}: ${said}`,
      `check that Docker runs on ${destination.host} and that the ssh user may use ${destination.remoteSocket} (and sshd allows stream-local forwarding)`,
    );
  }
  return new EngineUnavailableError(
    `ssh to ${where} failed${said === '' ? '' : `: ${said}`}`,
    `run '${sshCommand(destination, '-v')} true' to see why`,
  );
}

/**
 * Why the engine behind a working login does not answer, from `docker --host=unix://SOCKET version` run on the remote
 * host (its exit code and output): docker missing, engine down, no permission on the socket.
 */
export function remoteEngineFailure(
  destination: SshDestination,
  where: string,
  result: { readonly code: number | null; readonly output: string },
): EngineUnavailableError {
  const said = lastLine(result.output);
  if (result.code === 127 || /command not found|No such file or directory.*docker|docker: not found/i.test(result.output)) {
    return new EngineUnavailableError(
      `${where}: Docker is not installed on ${destination.host} (no 'docker' command there, and no engine at ${destination.remoteSocket})`,
      `install Docker on ${destination.host}, or point DOCKER_HOST / the docker context at a host that has it`,
    );
  }
  if (/permission denied/i.test(result.output)) {
    return new EngineUnavailableError(
      `${where}: the ssh user may not use the engine socket ${destination.remoteSocket} on ${destination.host}`,
      `add the user to the docker group on ${destination.host} (then log in again), or log in as a user who may`,
    );
  }
  return new EngineUnavailableError(
    `${where}: no Docker engine answers at ${destination.remoteSocket} on ${destination.host}${said === '' ? '' : ` (${said})`}`,
    `start Docker on ${destination.host} (systemctl start docker), or name its socket in the address: ssh://HOST/path/to/docker.sock`,
  );
}

/** ssh's last meaningful line, without the known-hosts notice and the final period. */
export function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^Warning: Permanently added/.test(line));
  return (lines[lines.length - 1] ?? '').replace(/\.$/, '');
}
