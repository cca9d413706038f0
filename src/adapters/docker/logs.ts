/**
 * Container logs: the engine's multiplexed (stdcopy) or raw TTY stream cut
 * into lines with their stream and timestamp, and the `logs` operation that
 * reads it, following until the container stops or the caller aborts.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerRuntime, LogLine, LogOptions } from '../../ports/container-runtime.js';
import { DockstageError } from '../../core/errors.js';
import type { EngineContainerInspect } from './container-mapping.js';
import { consume, type EngineClient } from './engine-client.js';

/** The logs operation of the ContainerRuntime port. */
export function logOperations(client: EngineClient) {
  const { docker, guard, openStream, unreachable } = client;
  return {
    async logs(id, options, onLine, signal) {
      if (signal?.aborted) return;
      const inspected = (await guard(() => docker.getContainer(id).inspect())) as unknown as EngineContainerInspect;
      const query = logQuery(options);
      let response: IncomingMessage;
      try {
        response = await openStream(
          `/containers/${encodeURIComponent(id)}/logs`,
          query,
          { 200: true, 404: 'no such container', 500: 'server error' },
          signal,
        );
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
  } satisfies Pick<ContainerRuntime, 'logs'>;
}

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
    throw new DockstageError(`cannot read the log start time "${since}"`, {
      hint: 'use Unix seconds or an ISO time such as 2024-05-01T12:00:00Z',
    });
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
