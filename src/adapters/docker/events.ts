/**
 * The engine's event stream for one project's containers, decoded from
 * concatenated JSON objects into our ContainerEvent.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerEvent, ContainerRuntime } from '../../ports/container-runtime.js';
import { PROJECT_LABEL, SERVICE_LABEL } from './compose-labels.js';
import { healthValue } from './container-mapping.js';
import { consume, type EngineClient } from './engine-client.js';

const EVENT_ACTIONS: readonly ContainerEvent['action'][] = [
  'create',
  'start',
  'die',
  'stop',
  'kill',
  'restart',
  'destroy',
  'pause',
  'unpause',
  'oom',
  'health_status',
];

/** The events operation of the ContainerRuntime port. */
export function eventOperations(client: EngineClient) {
  const { openStream, unreachable } = client;
  return {
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
  } satisfies Pick<ContainerRuntime, 'events'>;
}

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
 * and `kill` the signal from its attributes; time is Unix milliseconds.
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
    ...(action === 'kill' && attributes['signal'] !== undefined ? { signal: attributes['signal'] } : {}),
    time: message.timeNano !== undefined ? Math.floor(message.timeNano / 1e6) : (message.time ?? 0) * 1000,
  };
}
