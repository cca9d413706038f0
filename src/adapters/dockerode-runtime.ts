/**
 * The ContainerRuntime port on dockerode. Only our own types cross this file's
 * boundary: the engine's JSON is read through the small `Engine*` shapes below
 * (API 1.41, the fields we use), and the pure mapping helpers are exported so
 * unit tests can feed them literal engine output.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ConfigError, DockstageError, EngineUnavailableError } from '../core/errors.js';
import type {
  ContainerEvent,
  ContainerHealth,
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  ImageInfo,
  LogLine,
  LogOptions,
  PublishedPort,
  StatsSample,
} from '../ports/container-runtime.js';
import { describeEndpoint, notAnEngine, publishedHost, type DockerEndpoint } from './docker-endpoint.js';
import { compareStrings, isRecord } from '../core/order.js';

const PROJECT_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';
const NUMBER_LABEL = 'com.docker.compose.container-number';
const EVENT_ACTIONS: readonly ContainerEvent['action'][] = [
  'create', 'start', 'die', 'stop', 'kill', 'restart', 'destroy', 'pause', 'unpause', 'oom', 'health_status',
];

/**
 * A ContainerRuntime talking to the engine at `endpoint`. `env` supplies the
 * docker CLI's TLS variables (DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH,
 * DOCKER_CONFIG) and SSH_AUTH_SOCK. Every call that cannot reach the engine
 * rejects with EngineUnavailableError, so callers handle "daemon down" once.
 */
export function createDockerodeRuntime(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): ContainerRuntime {
  const docker = new Docker(dockerOptions(connectionOptions(endpoint.host, env)));
  const unreachable = (error: unknown) =>
    new EngineUnavailableError(
      `cannot reach the Docker engine at ${describeEndpoint(endpoint)}: ${(error as Error).message}`,
      'start the Docker engine, or set DOCKER_HOST / docker context to a running one',
    );
  const guard = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (isConnectionError(error)) throw unreachable(error);
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (typeof code === 'string' && code.startsWith('HPE_')) throw notAnEngine(describeEndpoint(endpoint), 'it does not speak HTTP');
      const status = (error as { statusCode?: number } | undefined)?.statusCode;
      if (status !== undefined && !fromEngine(error)) throw notAnEngine(describeEndpoint(endpoint), `HTTP ${status} with a body that is not the engine's JSON`);
      throw error;
    }
  };
  /** A GET whose body we read as a stream (logs, events), aborted with `signal`. */
  const openStream = (urlPath: string, query: Record<string, unknown>, statusCodes: Record<number, string | boolean>, signal?: AbortSignal) =>
    guard(
      () =>
        new Promise<IncomingMessage>((resolve, reject) => {
          docker.modem.dial(
            { path: `${urlPath}?`, method: 'GET', options: query, isStream: true, statusCodes, ...(signal === undefined ? {} : { abortSignal: signal }) },
            (error, result) => (error === null ? resolve(result as IncomingMessage) : reject(error)),
          );
        }),
    );
  const listByFilters = (filters: Record<string, string[]>) =>
    guard(async () => (await docker.listContainers({ all: true, filters })) as unknown as EngineContainerSummary[]);

  return {
    async info() {
      const version = (await guard(() => docker.version())) as unknown;
      if (!isRecord(version) || typeof version['ApiVersion'] !== 'string' || typeof version['Version'] !== 'string') {
        throw notAnEngine(describeEndpoint(endpoint), '/version has no engine version');
      }
      return { serverVersion: version['Version'], apiVersion: version['ApiVersion'], host: publishedHost(endpoint) };
    },

    async inspectImage(reference) {
      return await guard(async (): Promise<ImageInfo | undefined> => {
        try {
          const image = await docker.getImage(reference).inspect();
          return { id: image.Id, labels: image.Config?.Labels ?? {}, created: image.Created };
        } catch (error) {
          if (statusCode(error) === 404) return undefined;
          throw error;
        }
      });
    },

    async imagesWithLabel(key, value) {
      return await guard(async () => {
        const images = await docker.listImages({ filters: JSON.stringify({ label: [`${key}=${value}`] }) });
        return images
          .map((image) => ({ id: image.Id, labels: image.Labels ?? {}, created: new Date(image.Created * 1000).toISOString() }))
          .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
      });
    },

    async tagImage(source, target) {
      const { repo, tag } = splitImageReference(target);
      await guard(() => docker.getImage(source).tag({ repo, tag }));
    },

    async removeImage(reference) {
      await guard(async () => {
        try {
          await docker.getImage(reference).remove();
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
        }
      });
    },

    async imagesByReference(prefix) {
      return await guard(async () => {
        const images = await docker.listImages();
        const tagged = images.flatMap((image) => (image.RepoTags ?? []).filter((tag) => tag.startsWith(prefix)).map((reference) => ({ reference, id: image.Id })));
        return tagged.sort((a, b) => compareStrings(a.reference, b.reference));
      });
    },

    async containersUsingImage(imageId) {
      const summaries = await guard(async () => (await docker.listContainers({ all: true })) as unknown as EngineContainerSummary[]);
      return summaries
        .filter((summary) => summary.ImageID === imageId)
        .map((summary) => (summary.Names?.[0] ?? summary.Id).replace(/^\//, ''))
        .sort(compareStrings);
    },

    async listContainers(project) {
      const summaries = await listByFilters({ label: [`${PROJECT_LABEL}=${project}`] });
      return sortContainers(summaries.map(containerFromSummary));
    },

    async inspectContainer(id) {
      return await guard(async () => {
        let inspected: EngineContainerInspect;
        try {
          inspected = (await docker.getContainer(id).inspect()) as unknown as EngineContainerInspect;
        } catch (error) {
          if (statusCode(error) === 404) return undefined;
          throw error;
        }
        // Inspect has no human status ("Up 3 minutes (healthy)"); the list call does.
        const [summary] = await listByFilters({ id: [inspected.Id] });
        return containerFromInspect(inspected, summary?.Status);
      });
    },

    async startContainer(id) {
      await guard(() => ignoreStatus(304, () => docker.getContainer(id).start()));
    },

    async stopContainer(id, timeoutSeconds) {
      await guard(() => ignoreStatus(304, () => docker.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })));
    },

    async restartContainer(id, timeoutSeconds) {
      await guard(() => docker.getContainer(id).restart(timeoutSeconds === undefined ? {} : { t: timeoutSeconds }));
    },

    async logs(id, options, onLine, signal) {
      if (signal?.aborted) return;
      const inspected = (await guard(() => docker.getContainer(id).inspect())) as unknown as EngineContainerInspect;
      const query = logQuery(options);
      let response: IncomingMessage;
      try {
        response = await openStream(`/containers/${encodeURIComponent(id)}/logs`, query, { 200: true, 404: 'no such container', 500: 'server error' }, signal);
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      const decoder = createLogDecoder(inspected.Config?.Tty !== true);
      await consume(response, signal, {
        onChunk: (chunk) => {
          for (const line of decoder.push(chunk)) if (signal?.aborted !== true) onLine(line);
        },
        onEnd: () => decoder.end().forEach(onLine),
        onDrop: unreachable,
      });
    },

    async stats(id) {
      const json = await guard(() => docker.getContainer(id).stats({ stream: false }));
      return statsSample(json as unknown as EngineStats);
    },

    async events(project, onEvent, signal) {
      if (signal.aborted) return;
      const filters = { type: ['container'], label: [`${PROJECT_LABEL}=${project}`], event: [...EVENT_ACTIONS] };
      let response: IncomingMessage;
      try {
        response = await openStream('/events', { filters }, { 200: true, 400: 'bad parameter', 500: 'server error' }, signal);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      const splitter = createJsonObjectSplitter();
      const deliver = (chunk: Uint8Array) => {
        for (const message of splitter.push(chunk)) {
          const event = containerEventFrom(message as EngineEventMessage);
          if (event !== undefined && !signal.aborted) onEvent(event);
        }
      };
      // The event stream never ends by itself: an end without abort is a lost engine.
      await consume(response, signal, {
        onChunk: deliver,
        onEnd: () => {
          throw unreachable(new Error('the engine closed the event stream'));
        },
        onDrop: unreachable,
      });
    },
  } satisfies ContainerRuntime;
}

/**
 * Reads `response` until it ends or `signal` aborts (then it is destroyed and
 * the promise resolves). `onChunk` and `onEnd` may throw to reject; `onDrop`
 * turns a connection lost mid-stream into the rejection.
 */
function consume(
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

async function ignoreStatus(code: number, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (statusCode(error) !== code) throw error;
  }
}

/** The HTTP status of an engine's error answer; undefined for anything else (so a web server's 404 is never "no such image"). */
function statusCode(error: unknown): number | undefined {
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

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' ||
    code === 'ECONNRESET' || code === 'EPIPE' || code === 'ENOTFOUND'
  );
}

// ── connection ──────────────────────────────────────────────────────────────

/** How to reach the engine, in our own terms; `dockerOptions` turns it into dockerode's. */
export interface EngineConnection {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https' | 'ssh';
  readonly username?: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** False for `DOCKER_TLS` without `DOCKER_TLS_VERIFY`: encrypted, server not verified. */
  readonly verifyServer?: boolean;
  readonly sshAgent?: string;
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
      return {
        host: url.hostname,
        port: Number(url.port || 22),
        protocol: 'ssh',
        ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
        ...(nonEmpty(env['SSH_AUTH_SOCK']) ? { sshAgent: env['SSH_AUTH_SOCK'] } : {}),
      };
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

function dockerOptions(connection: EngineConnection): Docker.DockerOptions {
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
  if (connection.protocol === 'ssh') {
    return { ...options, username: connection.username, sshOptions: connection.sshAgent === undefined ? {} : { agent: connection.sshAgent } } as Docker.DockerOptions;
  }
  if (connection.protocol === 'https' && connection.verifyServer === false) {
    // docker-modem forwards `agent` to the request; its types omit it.
    const agent = new https.Agent({ rejectUnauthorized: false, ...(connection.cert === undefined ? {} : { cert: connection.cert, key: connection.key }) });
    return { ...options, agent } as Docker.DockerOptions;
  }
  return options;
}

// ── images ──────────────────────────────────────────────────────────────────

/**
 * Splits `registry:5000/name:tag` into repository and tag (`latest` when
 * none), because the engine's tag call takes them apart. A colon before the
 * last slash belongs to a registry port, not a tag.
 */
export function splitImageReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

// ── containers ──────────────────────────────────────────────────────────────

/** One entry of `GET /containers/json` (API 1.41), the fields dockstage reads. */
export interface EngineContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[] | null;
  readonly Image?: string;
  readonly ImageID?: string;
  readonly State?: string;
  readonly Status?: string;
  readonly Ports?: readonly { readonly IP?: string; readonly PrivatePort: number; readonly PublicPort?: number; readonly Type: string }[] | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
}

/** `GET /containers/{id}/json` (API 1.41), the fields dockstage reads. */
export interface EngineContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  /** Image ID. */
  readonly Image?: string;
  readonly Config?: { readonly Image?: string; readonly Labels?: Readonly<Record<string, string>> | null; readonly Tty?: boolean } | null;
  readonly State?: {
    readonly Status?: string;
    readonly Running?: boolean;
    readonly Paused?: boolean;
    readonly Restarting?: boolean;
    readonly ExitCode?: number;
    readonly StartedAt?: string;
    readonly Health?: { readonly Status?: string } | null;
  } | null;
  readonly NetworkSettings?: {
    readonly Ports?: Readonly<Record<string, readonly { readonly HostIp?: string; readonly HostPort?: string }[] | null>> | null;
  } | null;
}

const STATES: ReadonlySet<string> = new Set<ContainerState>(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

function containerState(state: string | undefined): ContainerState {
  const lower = (state ?? '').toLowerCase();
  return STATES.has(lower) ? (lower as ContainerState) : 'dead';
}

/**
 * Health as the engine's status text shows it: `Up 3 minutes (healthy)`,
 * `(unhealthy)`, `Up 2 seconds (health: starting)`; null when the text has
 * none (no healthcheck, or not running — the engine only reports health for
 * running containers, and so do we).
 */
export function healthFromStatus(status: string): ContainerHealth {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (match === null) return null;
  return match[1] === 'health: starting' ? 'starting' : (match[1] as 'healthy' | 'unhealthy');
}

/** A list entry as our ContainerInfo (no startedAt/exitCode: only inspect knows them). */
export function containerFromSummary(summary: EngineContainerSummary): ContainerInfo {
  const labels = summary.Labels ?? {};
  const status = summary.Status ?? '';
  return {
    id: summary.Id,
    name: (summary.Names?.[0] ?? '').replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '',
    project: labels[PROJECT_LABEL] ?? '',
    number: containerNumber(labels[NUMBER_LABEL]),
    state: containerState(summary.State),
    status,
    health: healthFromStatus(status),
    imageId: summary.ImageID ?? '',
    image: summary.Image ?? '',
    ports: sortPorts(
      (summary.Ports ?? []).map((port) => ({
        containerPort: port.PrivatePort,
        protocol: port.Type,
        hostPort: port.PublicPort === undefined || port.PublicPort === 0 ? null : port.PublicPort,
        hostIp: port.IP === undefined || port.IP === '' ? null : port.IP,
      })),
    ),
    labels,
  };
}

/**
 * An inspected container as our ContainerInfo, with startedAt (undefined when
 * it never started) and exitCode. Health follows the engine's status text:
 * only for a running, unpaused container. `status` is the list call's human
 * text; without it the bare state stands in.
 */
export function containerFromInspect(inspected: EngineContainerInspect, status?: string): ContainerInfo {
  const labels = inspected.Config?.Labels ?? {};
  const state = inspected.State ?? {};
  const running = state.Running === true && state.Paused !== true && state.Restarting !== true;
  const health = running ? healthValue(state.Health?.Status) : null;
  const startedAt = state.StartedAt === undefined || state.StartedAt.startsWith('0001-') ? undefined : state.StartedAt;
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(inspected.NetworkSettings?.Ports ?? {})) {
    const [port = '', protocol = 'tcp'] = key.split('/');
    const containerPort = Number(port);
    if (bindings === null || bindings.length === 0) ports.push({ containerPort, protocol, hostPort: null, hostIp: null });
    for (const binding of bindings ?? []) {
      const hostPort = Number(binding.HostPort);
      ports.push({ containerPort, protocol, hostPort: hostPort > 0 ? hostPort : null, hostIp: binding.HostIp === undefined || binding.HostIp === '' ? null : binding.HostIp });
    }
  }
  return {
    id: inspected.Id,
    name: (inspected.Name ?? '').replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '',
    project: labels[PROJECT_LABEL] ?? '',
    number: containerNumber(labels[NUMBER_LABEL]),
    state: containerState(state.Status),
    status: status ?? state.Status ?? '',
    health,
    imageId: inspected.Image ?? '',
    image: inspected.Config?.Image ?? '',
    ports: sortPorts(ports),
    labels,
    startedAt,
    exitCode: state.ExitCode,
  };
}

function healthValue(value: string | undefined): ContainerHealth {
  return value === 'healthy' || value === 'unhealthy' || value === 'starting' ? value : null;
}

function containerNumber(label: string | undefined): number {
  const number = Number(label);
  return Number.isInteger(number) ? number : 0;
}

/** Sorted by service, then container number, then name: the port's order, stable for the UI. */
export function sortContainers(containers: readonly ContainerInfo[]): ContainerInfo[] {
  return [...containers].sort((a, b) => compareStrings(a.service, b.service) || a.number - b.number || compareStrings(a.name, b.name));
}

function sortPorts(ports: readonly PublishedPort[]): PublishedPort[] {
  return [...ports].sort(
    (a, b) =>
      a.containerPort - b.containerPort || compareStrings(a.protocol, b.protocol) || compareStrings(a.hostIp ?? '', b.hostIp ?? '') || (a.hostPort ?? 0) - (b.hostPort ?? 0),
  );
}

// ── logs ────────────────────────────────────────────────────────────────────

/** One payload of the engine's multiplexed stream (stdcopy); `system` carries an engine error. */
export interface LogFrame {
  readonly stream: 'stdin' | 'stdout' | 'stderr' | 'system';
  readonly payload: Buffer;
}

const FRAME_STREAMS = ['stdin', 'stdout', 'stderr', 'system'] as const;

/**
 * Cuts the engine's multiplexed log stream into frames. Each frame has an
 * 8-byte header (stream type, three zero bytes, big-endian payload length);
 * chunks from the socket split headers and payloads anywhere, so partial
 * input is kept until the frame is whole. A header with an unknown stream
 * type means the stream is not multiplexed (or is corrupt): that throws
 * rather than printing garbage.
 */
export function createFrameDemuxer(): { push(chunk: Uint8Array): LogFrame[] } {
  let buffered = Buffer.alloc(0);
  return {
    push(chunk) {
      buffered = buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffered, chunk]);
      const frames: LogFrame[] = [];
      let offset = 0;
      while (buffered.length - offset >= 8) {
        const stream = FRAME_STREAMS[buffered.readUInt8(offset)];
        if (stream === undefined) throw new Error(`the engine's log stream is not multiplexed (frame type ${buffered.readUInt8(offset)})`);
        const length = buffered.readUInt32BE(offset + 4);
        if (buffered.length - offset - 8 < length) break;
        frames.push({ stream, payload: buffered.subarray(offset + 8, offset + 8 + length) });
        offset += 8 + length;
      }
      buffered = offset === 0 ? buffered : Buffer.from(buffered.subarray(offset));
      return frames;
    },
  };
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/**
 * Splits the engine's `timestamps=true` prefix (RFC 3339 with nanoseconds,
 * then one space) off a log message. Without a recognisable prefix the text
 * is returned whole with an empty timestamp.
 */
export function splitTimestamp(text: string): { timestamp: string; text: string } {
  const match = TIMESTAMP.exec(text);
  if (match === null || match[1] === undefined) return { timestamp: '', text };
  return { timestamp: match[1], text: text.slice(match[0].length) };
}

/**
 * Turns the bytes of a `logs?timestamps=true` response into lines, in order.
 * Multiplexed (non-TTY) streams are demultiplexed first; each frame is one
 * engine message starting with its timestamp, so a message the engine split
 * (a partial line of 16 KiB or more, or output without a newline) joins the
 * next message of the same stream into one line, keeping the first timestamp.
 * A TTY container's log is one raw stream: all stdout, timestamp at each line
 * start (there a partial message's successor timestamp stays in the text,
 * as the docker CLI shows it). Lines are cut on bytes before decoding, so a
 * UTF-8 character split across chunks stays whole; a trailing `\r` is dropped.
 */
export function createLogDecoder(multiplexed: boolean): { push(chunk: Uint8Array): LogLine[]; end(): LogLine[] } {
  const demuxer = createFrameDemuxer();
  const pending: Record<'stdout' | 'stderr', { bytes: Buffer; timestamp: string }> = {
    stdout: { bytes: Buffer.alloc(0), timestamp: '' },
    stderr: { bytes: Buffer.alloc(0), timestamp: '' },
  };
  const line = (stream: 'stdout' | 'stderr', bytes: Buffer, timestamp: string | undefined): LogLine => {
    const text = bytes.toString('utf8').replace(/\r$/, '');
    if (timestamp !== undefined) return { stream, text, timestamp };
    return { stream, ...splitTimestamp(text) };
  };
  const message = (stream: 'stdout' | 'stderr', payload: Buffer, lines: LogLine[]) => {
    const state = pending[stream];
    const head = TIMESTAMP.exec(payload.subarray(0, 48).toString('latin1'));
    const timestamp = head?.[1] ?? '';
    let body = head === null ? payload : payload.subarray(head[0].length);
    if (state.bytes.length === 0) state.timestamp = timestamp;
    for (let newline = body.indexOf(0x0a); newline !== -1; newline = body.indexOf(0x0a)) {
      lines.push(line(stream, Buffer.concat([state.bytes, body.subarray(0, newline)]), state.timestamp));
      state.bytes = Buffer.alloc(0);
      state.timestamp = timestamp;
      body = body.subarray(newline + 1);
    }
    state.bytes = Buffer.concat([state.bytes, body]);
  };
  const raw = (chunk: Buffer, lines: LogLine[]) => {
    const state = pending.stdout;
    let body = chunk;
    for (let newline = body.indexOf(0x0a); newline !== -1; newline = body.indexOf(0x0a)) {
      lines.push(line('stdout', Buffer.concat([state.bytes, body.subarray(0, newline)]), undefined));
      state.bytes = Buffer.alloc(0);
      body = body.subarray(newline + 1);
    }
    state.bytes = Buffer.concat([state.bytes, body]);
  };
  return {
    push(chunk) {
      const lines: LogLine[] = [];
      if (!multiplexed) {
        raw(Buffer.from(chunk), lines);
        return lines;
      }
      for (const frame of demuxer.push(chunk)) {
        if (frame.stream === 'system') throw new Error(`error from the engine in the log stream: ${frame.payload.toString('utf8').trim()}`);
        message(frame.stream === 'stderr' ? 'stderr' : 'stdout', frame.payload, lines);
      }
      return lines;
    },
    end() {
      const lines: LogLine[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        const state = pending[stream];
        if (state.bytes.length > 0) lines.push(line(stream, state.bytes, multiplexed ? state.timestamp : undefined));
        state.bytes = Buffer.alloc(0);
      }
      return lines;
    },
  };
}

/**
 * The `since` query value for the logs call: Unix seconds as the engine takes
 * them (`seconds.nanoseconds`). ISO input keeps all nine fraction digits, so a
 * LogLine's own timestamp can be passed back to resume after it; an ISO time
 * without a zone is local time, as in the docker CLI.
 */
export function sinceParameter(since: number | string): string {
  if (typeof since === 'number') return String(since);
  if (/^\d+(\.\d{1,9})?$/.test(since)) return since;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,9})\d*)?(Z|[+-]\d\d:?\d\d)?$/i.exec(since);
  const milliseconds = match === null ? Number.NaN : Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`);
  if (match === null || Number.isNaN(milliseconds)) {
    throw new DockstageError(`cannot read the log start time "${since}"`, { hint: 'use Unix seconds or an ISO time such as 2024-05-01T12:00:00Z' });
  }
  const seconds = Math.floor(milliseconds / 1000);
  return `${seconds}.${(match[2] ?? '').padEnd(9, '0')}`;
}

function logQuery(options: LogOptions): Record<string, unknown> {
  return {
    follow: options.follow,
    stdout: true,
    stderr: true,
    timestamps: true,
    tail: options.tail === undefined ? 'all' : String(options.tail),
    ...(options.since === undefined ? {} : { since: sinceParameter(options.since) }),
  };
}

// ── stats ───────────────────────────────────────────────────────────────────

/** The parts of `GET /containers/{id}/stats?stream=false` (API 1.41) the CLI's formulas use. */
export interface EngineStats {
  readonly cpu_stats?: EngineCpuStats;
  readonly precpu_stats?: EngineCpuStats;
  readonly memory_stats?: {
    readonly usage?: number;
    readonly limit?: number;
    readonly stats?: Readonly<Record<string, number>>;
  };
}

interface EngineCpuStats {
  readonly cpu_usage?: { readonly total_usage?: number; readonly percpu_usage?: readonly number[] | null };
  readonly system_cpu_usage?: number;
  readonly online_cpus?: number;
}

/**
 * CPU % as `docker stats` computes it on Linux: the container's CPU time
 * delta over the host's between the engine's two readings, times the online
 * CPUs (per-CPU list length when the engine reports none), times 100; 0 when
 * either delta is not positive (stopped container) or there is no previous
 * reading (a one-shot sample), where the CLI would show the lifetime average.
 */
export function cpuPercent(stats: EngineStats): number {
  if (!stats.precpu_stats?.system_cpu_usage) return 0;
  const cpuDelta = (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) - (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (stats.cpu_stats?.system_cpu_usage ?? 0) - (stats.precpu_stats?.system_cpu_usage ?? 0);
  const online = stats.cpu_stats?.online_cpus || stats.cpu_stats?.cpu_usage?.percpu_usage?.length || 0;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

/**
 * Memory in use as `docker stats` shows it: usage minus the page cache that
 * can be reclaimed — `total_inactive_file` on cgroup v1, `inactive_file` on
 * cgroup v2 (the CLI since 20.10) — or `cache` from engines that report
 * neither (what the CLI subtracted up to 19.03). Never below zero.
 */
export function memoryUsage(memory: EngineStats['memory_stats']): number {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const reclaimable = stats['total_inactive_file'] ?? stats['inactive_file'] ?? stats['cache'] ?? 0;
  return reclaimable < usage ? usage - reclaimable : usage;
}

/** One stats reading as our StatsSample. */
export function statsSample(stats: EngineStats): StatsSample {
  return { cpuPercent: cpuPercent(stats), memoryBytes: memoryUsage(stats.memory_stats), memoryLimitBytes: stats.memory_stats?.limit ?? 0 };
}

// ── events ──────────────────────────────────────────────────────────────────

/** One message of `GET /events` (API 1.41), the fields dockstage reads. */
export interface EngineEventMessage {
  readonly Type?: string;
  readonly Action?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> | null } | null;
  readonly time?: number;
  readonly timeNano?: number;
}

/**
 * Cuts a stream of concatenated JSON objects (the engine's event stream,
 * newline-separated or not) into parsed values. A chunk may end anywhere,
 * inside a string or a multi-byte character: bytes are scanned for braces
 * outside strings and each object is decoded only once it is complete.
 */
export function createJsonObjectSplitter(): { push(chunk: Uint8Array): unknown[] } {
  let buffered = Buffer.alloc(0);
  let scanned = 0;
  let start = -1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  return {
    push(chunk) {
      buffered = buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffered, chunk]);
      const values: unknown[] = [];
      let consumed = 0;
      for (let index = scanned; index < buffered.length; index++) {
        const byte = buffered[index];
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === 0x5c) escaped = true;
          else if (byte === 0x22) inString = false;
        } else if (byte === 0x22 && depth > 0) {
          inString = true;
        } else if (byte === 0x7b) {
          if (depth === 0) start = index;
          depth++;
        } else if (byte === 0x7d && depth > 0) {
          depth--;
          if (depth === 0) {
            values.push(JSON.parse(buffered.subarray(start, index + 1).toString('utf8')));
            consumed = index + 1;
            start = -1;
          }
        } else if (depth === 0) {
          consumed = index + 1; // whitespace between objects
        }
      }
      buffered = Buffer.from(buffered.subarray(consumed));
      scanned = buffered.length;
      if (start !== -1) start -= consumed;
      return values;
    },
  };
}

/**
 * An engine event as our ContainerEvent, or undefined for what dockstage does
 * not track (exec_*, attach, non-container events). `health_status: healthy`
 * becomes action `health_status` with the health; `die` carries the exit code
 * from its attributes; time is Unix milliseconds.
 */
export function containerEventFrom(message: EngineEventMessage): ContainerEvent | undefined {
  if (message.Type !== undefined && message.Type !== 'container') return undefined;
  const fullAction = message.Action ?? '';
  const [name = '', detail] = fullAction.split(/:\s*/, 2);
  const action = EVENT_ACTIONS.find((known) => known === name);
  const containerId = message.Actor?.ID;
  if (action === undefined || containerId === undefined) return undefined;
  const attributes = message.Actor?.Attributes ?? {};
  const exitCode = attributes['exitCode'] === undefined ? undefined : Number(attributes['exitCode']);
  return {
    action,
    containerId,
    service: attributes[SERVICE_LABEL],
    project: attributes[PROJECT_LABEL],
    ...(action === 'health_status' ? { health: healthValue(detail?.trim()) } : {}),
    ...(action === 'die' && exitCode !== undefined && Number.isInteger(exitCode) ? { exitCode } : {}),
    time: message.timeNano !== undefined ? Math.floor(message.timeNano / 1e6) : (message.time ?? 0) * 1000,
  };
}
