/**
 * How to reach the engine: a DOCKER_HOST-style address and the docker CLI's
 * TLS variables turned into dockerode's connection options. An ssh:// engine
 * is never dialled here: docker-modem's own SSH client ignores ~/.ssh/config
 * and keys without an agent, and warns (DEP0170) on every call; the run's ssh
 * connection (adapters/docker/ssh) gives dockerode a local socket instead.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { ConfigError } from '../../core/errors.js';

/** How to reach the engine, in our own terms; `dockerOptions` turns it into dockerode's. */
export interface EngineConnection {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** False for `DOCKER_TLS` without `DOCKER_TLS_VERIFY`: encrypted, server not verified. */
  readonly verifyServer?: boolean;
}

/**
 * The connection for a DOCKER_HOST-style address, with TLS decided the way
 * the docker CLI decides it: TLS when DOCKER_TLS_VERIFY or DOCKER_TLS is
 * non-empty (or the scheme is https); the server is verified against
 * `ca.pem` when DOCKER_TLS_VERIFY is non-empty; `cert.pem`/`key.pem` are sent
 * when present. Files come from DOCKER_CERT_PATH, else the docker config
 * directory (DOCKER_CONFIG or ~/.docker). A missing CA is a ConfigError,
 * raised here rather than as an opaque TLS failure on the first call.
 */
export function connectionOptions(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (file: string) => Buffer = (file) => readFileSync(file),
): EngineConnection {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return { socketPath: host };
  }
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'ssh:':
      throw new ConfigError(`${host} is an ssh:// engine: it is reached through the run's ssh connection, not dialled directly`, {
        hint: 'open the route first (openEngineRoute in adapters/docker/docker-endpoint.ts), then dial its tunnel',
      });
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const verify = nonEmpty(env['DOCKER_TLS_VERIFY']);
      const tls = verify || nonEmpty(env['DOCKER_TLS']) || url.protocol === 'https:';
      // DOCKER_TLS alone encrypts without verifying (the CLI's --tls); an https:// host alone verifies against the system CAs.
      const verifyServer = verify || !nonEmpty(env['DOCKER_TLS']);
      const plain = { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' } as const;
      if (!tls) return plain;
      const certDir = nonEmpty(env['DOCKER_CERT_PATH'])
        ? (env['DOCKER_CERT_PATH'] as string)
        : nonEmpty(env['DOCKER_CONFIG'])
          ? (env['DOCKER_CONFIG'] as string)
          : path.join(os.homedir(), '.docker');
      const read = (name: string) => {
        try {
          return readFile(path.join(certDir, name));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      };
      const ca = verifyServer ? read('ca.pem') : undefined;
      if (verify && ca === undefined) {
        throw new ConfigError(`DOCKER_TLS_VERIFY is set but there is no ${path.join(certDir, 'ca.pem')}`, {
          hint: 'point DOCKER_CERT_PATH at the folder holding ca.pem, cert.pem and key.pem, or unset DOCKER_TLS_VERIFY',
        });
      }
      const cert = read('cert.pem');
      const key = read('key.pem');
      return {
        ...plain,
        verifyServer,
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined || key === undefined ? {} : { cert, key }),
      };
    }
    default:
      return { socketPath: host };
  }
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** dockerode's options for a connection: TLS without server verification through an https agent. */
export function dockerOptions(connection: EngineConnection): Docker.DockerOptions {
  // docker-modem merges its own reading of process.env under these options, so
  // every connection field is set explicitly: the endpoint we resolved wins.
  const options: Docker.DockerOptions = {
    socketPath: connection.socketPath,
    host: connection.host,
    port: connection.port,
    protocol: connection.protocol,
    ca: connection.ca,
    cert: connection.cert,
    key: connection.key,
  };
  if (connection.protocol === 'https' && connection.verifyServer === false) {
    // docker-modem forwards `agent` to the request; its types omit it.
    const agent = new https.Agent({
      rejectUnauthorized: false,
      ...(connection.cert === undefined ? {} : { cert: connection.cert, key: connection.key }),
    });
    return { ...options, agent } as Docker.DockerOptions;
  }
  return options;
}
