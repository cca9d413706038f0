/**
 * The one dockerode client of a runtime and the helpers every operation
 * shares: a guard that turns "cannot connect" into EngineUnavailableError,
 * raw streaming GETs (logs, events) that an AbortSignal closes, and the
 * engine's HTTP status on a failed call.
 */
import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import { EngineUnavailableError } from '../../core/errors.js';
import { describeEndpoint, notAnEngine, type DockerEndpoint } from './docker-endpoint.js';
import { isRecord } from '../../core/order.js';
import { connectionOptions, dockerOptions } from './connection.js';

/** What the operation files get: the dockerode client plus the shared error and stream handling. */
export interface EngineClient {
  readonly docker: Docker;
  readonly endpoint: DockerEndpoint;
  /** The error for an engine that cannot be reached, naming the endpoint and the way out. */
  unreachable(error: unknown): EngineUnavailableError;
  /** Runs `action`, rejecting with EngineUnavailableError when the connection fails; other errors pass through. */
  guard<T>(action: () => Promise<T>): Promise<T>;
  /** A GET whose body is read as a stream (logs, events), aborted with `signal`. */
  openStream(
    urlPath: string,
    query: Record<string, unknown>,
    statusCodes: Record<number, string | boolean>,
    signal?: AbortSignal,
  ): Promise<IncomingMessage>;
}

/**
 * The client for the engine at `endpoint`; `env` supplies the docker CLI's TLS
 * variables (see `connectionOptions`); `tunnelProblem` says what ssh said while
 * the connection to an ssh:// engine is down.
 */
export function createEngineClient(
  endpoint: DockerEndpoint,
  env: NodeJS.ProcessEnv,
  tunnelProblem: () => string | undefined = () => undefined,
): EngineClient {
  const docker = new Docker(dockerOptions(connectionOptions(endpoint.tunnel ?? endpoint.host, env)));
  const unreachable = (error: unknown) =>
    endpoint.tunnel === undefined
      ? new EngineUnavailableError(
          `cannot reach the Docker engine at ${describeEndpoint(endpoint)}: ${(error as Error).message}`,
          'start the Docker engine, or set DOCKER_HOST / docker context to a running one',
        )
      : new EngineUnavailableError(
          `cannot reach the Docker engine at ${describeEndpoint(endpoint)}: the ssh connection is down (${tunnelProblem() || (error as Error).message})`,
          'check that the host is up and that Docker runs there; dockstage connects again by itself',
        );
  const guard = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(error);
      // Something answered, but not an engine (a web server, a proxy): one line naming the endpoint, not an HTTP error.
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (typeof code === 'string' && code.startsWith('HPE_')) throw notAnEngine(describeEndpoint(endpoint), 'it does not speak HTTP');
      const status = (error as { statusCode?: number } | undefined)?.statusCode;
      if (status !== undefined && !fromEngine(error))
        throw notAnEngine(describeEndpoint(endpoint), `HTTP ${status} with a body that is not the engine's JSON`);
      throw error;
    }
  };
  const openStream: EngineClient['openStream'] = (urlPath, query, statusCodes, signal) =>
    guard(
      () =>
        new Promise<IncomingMessage>((resolve, reject) => {
          docker.modem.dial(
            {
              path: `${urlPath}?`,
              method: 'GET',
              options: query,
              isStream: true,
              statusCodes,
              ...(signal === undefined ? {} : { abortSignal: signal }),
            },
            (error, result) => (error === null ? resolve(result as IncomingMessage) : reject(error)),
          );
        }),
    );
  return { docker, endpoint, unreachable, guard, openStream };
}

/**
 * Reads `response` until it ends or `signal` aborts (then it is destroyed and
 * the promise resolves). `onChunk` and `onEnd` may throw to reject; `onDrop`
 * turns a connection lost mid-stream into the rejection.
 */
export function consume(
  response: IncomingMessage,
  signal: AbortSignal | undefined,
  handlers: { onChunk: (chunk: Uint8Array) => void; onEnd: () => void; onDrop: (error: Error) => Error },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        outcome();
        resolve();
      } catch (error) {
        reject(error);
      }
    };
    const onAbort = () => {
      settle(() => undefined);
      response.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        handlers.onChunk(chunk);
      } catch (error) {
        settle(() => {
          throw error;
        });
        response.destroy();
      }
    });
    response.on('end', () => settle(handlers.onEnd));
    const drop = (error: Error) =>
      settle(() => {
        throw handlers.onDrop(error);
      });
    response.on('error', drop);
    // A close without 'end' (and without abort) is a connection cut mid-stream.
    response.on('close', () => drop(new Error('the connection closed mid-stream')));
    if (signal?.aborted) onAbort();
  });
}

/** Runs `action`, treating the engine's answer `code` (e.g. 304 "already started") as success. */
export async function ignoreStatus(code: number, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (statusCode(error) !== code) throw error;
  }
}

/** The HTTP status of an engine's error answer (404 for "no such …"); undefined for anything else (so a web server's 404 is never "no such image"). */
export function statusCode(error: unknown): number | undefined {
  const status = (error as { statusCode?: number } | undefined)?.statusCode;
  return status !== undefined && fromEngine(error) ? status : undefined;
}

/**
 * True when an error answer looks like the engine's: a JSON object (`{"message": …}`) or no body at all. An HTML page
 * or other text means DOCKER_HOST points at something else.
 */
function fromEngine(error: unknown): boolean {
  const body = (error as { json?: unknown } | undefined)?.json;
  if (Buffer.isBuffer(body)) return body.length === 0;
  return body === undefined || body === null || body === '' || isRecord(body);
}

/** The engine's own words for a failed call (`port is already allocated`…), without dockerode's HTTP prefix. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  const message = (json as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message.trim();
  return error instanceof Error ? error.message.trim() : String(error);
}

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'EACCES' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ENOTFOUND'
  );
}
