/**
 * Decoding of `docker buildx build --progress=rawjson` output: pure, no I/O.
 *
 * buildx writes a sequence of pretty-printed JSON `SolveStatus` objects to
 * stderr (`{ vertexes, statuses, logs, warnings }`), with plain text lines such
 * as `ERROR: failed to solve: …` in between. A vertex is repeated in many
 * objects as its state changes; we turn that stream into our `BuildEvent`s,
 * each step started once and completed once, log data as whole lines.
 *
 * Facts measured on engine 20.10 (BuildKit v0.8) with buildx 0.13.1, and read
 * in BuildKit's dockerfile2llb:
 * - vertex names are `[<stage> k/n] <instruction>`; stage names lower-case,
 *   unnamed stages `stage-<index>`; a Dockerfile with a single stage prints no
 *   stage at all (`[1/3] COPY . .`, even with `AS name` and `--target name`);
 *   multi-platform builds prefix the platform (`[linux/amd64 builder 2/4]`);
 *   `k` is space-padded to the width of `n` (`[builder  2/12]`).
 * - only FROM <image>, RUN, COPY, ADD and WORKDIR are numbered; ENV, ARG,
 *   LABEL, … and FROM <stage> / FROM scratch are not.
 * - ARG and ENV values are expanded in the printed instruction
 *   (`RUN echo $E $F` prints `RUN echo envval a`), quotes are kept, and text
 *   the expander rejects (`$((1+2))`) is printed as written.
 * - BuildKit never marks a FROM vertex `cached`; a failing vertex carries
 *   `error: "executor failed running [/bin/sh -c …]: exit code: 3"` and no line.
 * - log `data` is base64 of arbitrary byte chunks: a line, or a UTF-8
 *   character, may be split across two log entries.
 */
import { TextDecoder } from 'node:util';
import type { BuildEvent, BuildFailure, StepRef } from '../../ports/image-builder.js';

/** A vertex name taken apart: where the step sits and what BuildKit printed for it. */
export interface ParsedVertexName {
  /**
   * The stage as printed, or null. Null with `step` set means a step of a
   * single-stage Dockerfile (BuildKit prints `[1/3]` there); null with `step`
   * null means an internal vertex (`[internal] load build context`, `exporting to image`).
   */
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  /** `linux/amd64` when BuildKit prefixed a platform (multi-platform builds). */
  readonly platform: string | null;
  /** The text after the bracket (`RUN npm ci`, `load build context`), or the whole name without one. */
  readonly instruction: string;
}

const BRACKETED = /^\[([^\]]*)\]\s*([\s\S]*)$/;
const STEP_NUMBERS = /^(\d+)\/(\d+)$/;

/**
 * Parses a BuildKit vertex name. Never throws: anything it does not recognise
 * is an internal vertex with the whole name as its instruction.
 */
export function parseVertexName(name: string): ParsedVertexName {
  const internal: ParsedVertexName = { stage: null, step: null, total: null, platform: null, instruction: name };
  const match = BRACKETED.exec(name);
  if (match === null) return internal;
  const tokens = match[1]!.trim().split(/\s+/);
  const numbers = STEP_NUMBERS.exec(tokens.at(-1) ?? '');
  const instruction = match[2]!;
  if (numbers === null) return { ...internal, instruction };
  const rest = tokens.slice(0, -1);
  if (rest.length > 2) return { ...internal, instruction };
  // Platforms always contain a slash; stage names never do.
  const platform = rest.find((token) => token.includes('/')) ?? null;
  const stage = rest.find((token) => !token.includes('/')) ?? null;
  return { stage, step: Number(numbers[1]), total: Number(numbers[2]), platform, instruction };
}

/** What the decoder knows about one vertex, in the order vertices first appeared. */
export interface StepState {
  readonly ref: StepRef;
  readonly startedAt: number | undefined;
  readonly completedAt: number | undefined;
  readonly cached: boolean;
  readonly error: string | undefined;
  /** The last lines this vertex logged (stdout and stderr interleaved), at most `logLinesKept`. */
  readonly logTail: readonly string[];
}

/** Options for `createRawjsonDecoder`: what the stream itself cannot tell. */
export interface RawjsonDecoderOptions {
  /**
   * The stage to report for numbered steps printed without one: BuildKit drops
   * the name when the Dockerfile has a single stage, which is then the target.
   */
  readonly unnamedStage?: string | undefined;
  /** How many log lines to keep per vertex for failure reports. Default 50. */
  readonly logLinesKept?: number;
}

/** A streaming decoder of rawjson output. Holds its own state; create one per build. */
export interface RawjsonDecoder {
  /** Feeds the next chunk of buildx's stderr (text or raw bytes); returns the events it completed, in order. */
  push(chunk: string | Uint8Array): BuildEvent[];
  /** Ends the stream: flushes a last text line without newline and partial log lines. */
  end(): BuildEvent[];
  /** Plain text lines seen between the JSON objects, in order. */
  textLines(): readonly string[];
  /** Every vertex seen so far, in first-seen order. */
  steps(): readonly StepState[];
}

interface RawVertex {
  digest?: unknown;
  name?: unknown;
  started?: unknown;
  completed?: unknown;
  cached?: unknown;
  error?: unknown;
}

interface MutableStep {
  ref: StepRef;
  startedAt: number | undefined;
  completedAt: number | undefined;
  started: boolean;
  completed: boolean;
  cached: boolean;
  error: string | undefined;
  hadStatus: boolean;
  logTail: string[];
}

interface LogStream {
  readonly decoder: TextDecoder;
  partial: string;
}

/** Creates a decoder. Events come out deduplicated: `step-started` and `step-completed` once per vertex. */
export function createRawjsonDecoder(options: RawjsonDecoderOptions = {}): RawjsonDecoder {
  const keep = options.logLinesKept ?? 50;
  const bytes = new TextDecoder('utf-8');
  const steps = new Map<string, MutableStep>();
  const logStreams = new Map<string, LogStream>();
  const text: string[] = [];
  let buffer = '';
  // Scanner state over `buffer`: where the current item starts, how far we looked.
  let mode: 'idle' | 'object' | 'text' = 'idle';
  let scan = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;

  const stepFor = (digest: string, name?: string): MutableStep => {
    let step = steps.get(digest);
    if (step === undefined || (name !== undefined && step.ref.instruction === '' && name !== '')) {
      const parsed = parseVertexName(name ?? '');
      const stage = parsed.stage ?? (parsed.step !== null ? (options.unnamedStage ?? null) : null);
      const ref: StepRef = { vertex: digest, stage, step: parsed.step, total: parsed.total, instruction: parsed.instruction };
      step =
        step === undefined
          ? {
              ref,
              startedAt: undefined,
              completedAt: undefined,
              started: false,
              completed: false,
              cached: false,
              error: undefined,
              hadStatus: false,
              logTail: [],
            }
          : { ...step, ref };
      steps.set(digest, step);
    }
    return step;
  };

  const remember = (step: MutableStep, line: string): void => {
    step.logTail.push(line);
    if (step.logTail.length > keep) step.logTail.splice(0, step.logTail.length - keep);
  };

  const logLines = (step: MutableStep, stream: 'stdout' | 'stderr', lines: readonly string[], out: BuildEvent[]): void => {
    for (const line of lines) {
      remember(step, line);
      out.push({ type: 'step-log', ...step.ref, stream, text: line });
    }
  };

  const flushLogs = (digest: string, out: BuildEvent[]): void => {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${digest} ${stream}`;
      const log = logStreams.get(key);
      if (log === undefined) continue;
      const rest = log.partial + log.decoder.decode();
      logStreams.delete(key);
      if (rest !== '') logLines(stepFor(digest), stream, [rest.replace(/\r$/, '')], out);
    }
  };

  const onVertex = (raw: RawVertex, out: BuildEvent[]): void => {
    if (typeof raw.digest !== 'string') return;
    const step = stepFor(raw.digest, typeof raw.name === 'string' ? raw.name : undefined);
    const started = timestamp(raw.started);
    const completed = timestamp(raw.completed);
    if (raw.cached === true) step.cached = true;
    if (typeof raw.error === 'string' && raw.error !== '' && step.error === undefined) step.error = raw.error;
    if (started !== undefined && !step.started) {
      step.started = true;
      step.startedAt = started;
      out.push({ type: 'step-started', ...step.ref, at: started });
    }
    if (completed !== undefined && !step.completed) {
      if (!step.started) {
        step.started = true;
        out.push({ type: 'step-started', ...step.ref, at: started ?? completed });
      }
      step.completed = true;
      step.completedAt = completed;
      // FROM is never marked cached by BuildKit; it did no work unless it pulled (which reports layer statuses).
      if (step.ref.step !== null && /^FROM\s/i.test(step.ref.instruction) && !step.hadStatus && step.error === undefined)
        step.cached = true;
      flushLogs(raw.digest, out);
      const begin = started ?? step.startedAt;
      out.push({
        type: 'step-completed',
        ...step.ref,
        at: completed,
        cached: step.cached,
        durationMs: begin === undefined ? null : Math.max(0, completed - begin),
        ...(step.error === undefined ? {} : { error: step.error }),
      });
    }
  };

  const onLog = (raw: { vertex?: unknown; stream?: unknown; data?: unknown }, out: BuildEvent[]): void => {
    if (typeof raw.vertex !== 'string' || typeof raw.data !== 'string') return;
    const stream = raw.stream === 2 ? 'stderr' : 'stdout';
    const key = `${raw.vertex} ${stream}`;
    let log = logStreams.get(key);
    if (log === undefined) {
      log = { decoder: new TextDecoder('utf-8'), partial: '' };
      logStreams.set(key, log);
    }
    const chunk = log.partial + log.decoder.decode(Buffer.from(raw.data, 'base64'), { stream: true });
    const lines = chunk.split('\n');
    log.partial = lines.pop() ?? '';
    logLines(
      stepFor(raw.vertex),
      stream,
      lines.map((line) => line.replace(/\r$/, '')),
      out,
    );
  };

  const onWarning = (raw: { short?: unknown; range?: unknown }, out: BuildEvent[]): void => {
    if (typeof raw.short !== 'string') return;
    const message = Buffer.from(raw.short, 'base64').toString('utf8').trim();
    const line = Array.isArray(raw.range) ? (raw.range[0] as { start?: { line?: unknown } } | undefined)?.start?.line : undefined;
    out.push({ type: 'build-warning', message, line: typeof line === 'number' ? line : undefined });
  };

  const onStatus = (raw: Record<string, unknown>, out: BuildEvent[]): void => {
    for (const vertex of arrayOf(raw['vertexes'])) onVertex(vertex as RawVertex, out);
    for (const status of arrayOf(raw['statuses'])) {
      const digest = (status as { vertex?: unknown }).vertex;
      if (typeof digest === 'string') stepFor(digest).hadStatus = true;
    }
    for (const log of arrayOf(raw['logs'])) onLog(log as { vertex?: unknown; stream?: unknown; data?: unknown }, out);
    for (const warning of arrayOf(raw['warnings'])) onWarning(warning as { short?: unknown; range?: unknown }, out);
  };

  const addText = (raw: string): void => {
    for (const line of raw.split('\n')) {
      const trimmed = line.replace(/\r$/, '').trim();
      if (trimmed !== '') text.push(trimmed);
    }
  };

  const consume = (out: BuildEvent[]): void => {
    while (scan < buffer.length) {
      if (mode === 'idle') {
        const char = buffer[scan]!;
        if (/\s/.test(char)) {
          scan++;
          continue;
        }
        buffer = buffer.slice(scan);
        scan = 0;
        if (char === '{') {
          mode = 'object';
          depth = 0;
          inString = false;
          escaped = false;
        } else {
          mode = 'text';
        }
        continue;
      }
      if (mode === 'text') {
        const newline = buffer.indexOf('\n', scan);
        if (newline === -1) {
          scan = buffer.length;
          return;
        }
        addText(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        scan = 0;
        mode = 'idle';
        continue;
      }
      // mode === 'object': find the closing brace outside strings.
      for (; scan < buffer.length; scan++) {
        const char = buffer[scan]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (char === '\\') escaped = true;
          else if (char === '"') inString = false;
        } else if (char === '"') {
          inString = true;
        } else if (char === '{') {
          depth++;
        } else if (char === '}') {
          depth--;
          if (depth === 0) break;
        }
      }
      if (scan >= buffer.length) return;
      const body = buffer.slice(0, scan + 1);
      buffer = buffer.slice(scan + 1);
      scan = 0;
      mode = 'idle';
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        addText(body);
        continue;
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) onStatus(parsed as Record<string, unknown>, out);
    }
  };

  return {
    push(chunk) {
      buffer += typeof chunk === 'string' ? chunk : bytes.decode(chunk, { stream: true });
      const out: BuildEvent[] = [];
      consume(out);
      return out;
    },
    end() {
      buffer += bytes.decode();
      const out: BuildEvent[] = [];
      consume(out);
      if (buffer.trim() !== '') addText(buffer);
      buffer = '';
      scan = 0;
      mode = 'idle';
      for (const key of [...logStreams.keys()]) flushLogs(key.slice(0, key.lastIndexOf(' ')), out);
      return out;
    },
    textLines() {
      return [...text];
    },
    steps() {
      return [...steps.values()].map((step) => ({
        ref: step.ref,
        startedAt: step.startedAt,
        completedAt: step.completedAt,
        cached: step.cached,
        error: step.error,
        logTail: [...step.logTail],
      }));
    },
  };
}

/**
 * Cached and total steps of a finished build, counting Dockerfile steps
 * (numbered vertices) only, not `[internal]` work or the export.
 */
export function countSteps(steps: readonly StepState[]): { readonly cachedSteps: number; readonly totalSteps: number } {
  const real = steps.filter((step) => step.ref.step !== null && step.completedAt !== undefined);
  return { cachedSteps: real.filter((step) => step.cached).length, totalSteps: real.length };
}

const CANCELLED = /^(context canceled|canceled|cancelled)$/i;

/**
 * What failed, from what the decoder saw: the first vertex with an error that
 * is not a cancellation (siblings of a failing step get `context canceled`),
 * and the last `tailLength` lines of its log, else of buildx's text output.
 */
export function describeFailure(steps: readonly StepState[], textLines: readonly string[], tailLength = 20): BuildFailure {
  const failed = steps.filter((step) => step.error !== undefined);
  const failing = failed.find((step) => !CANCELLED.test(step.error!.trim())) ?? failed[0];
  const errorLine = [...textLines].reverse().find((line) => line.startsWith('ERROR:'));
  const solveError = errorLine
    ?.replace(/^ERROR:\s*/, '')
    .replace(/^failed to solve:\s*/, '')
    .replace(/^rpc error: code = \w+ desc = /, '');
  if (failing === undefined) {
    return {
      message: `build failed: ${solveError ?? textLines.at(-1) ?? 'buildx exited without saying why'}`,
      step: undefined,
      logTail: textLines.slice(-tailLength),
    };
  }
  const { ref } = failing;
  const where =
    ref.step === null
      ? ref.instruction
      : `${ref.stage === null ? '' : `stage '${ref.stage}' `}step ${ref.step}/${ref.total} (${ref.instruction})`;
  const exitCode = /exit code: (\d+)/.exec(failing.error!);
  const reason = exitCode === null ? failing.error! : `exit code ${exitCode[1]}`;
  return {
    message: `${where} failed: ${reason}`,
    step: ref,
    logTail: failing.logTail.length > 0 ? failing.logTail.slice(-tailLength) : textLines.slice(-tailLength),
  };
}

/** A next step for failures whose cause is known (old BuildKit, parse errors), or undefined. */
export function failureHint(textLines: readonly string[]): string | undefined {
  const all = textLines.join('\n');
  if (all.includes('moby.buildkit.frontend.contexts')) {
    return "this builder's BuildKit is too old for named build contexts (additional_contexts need BuildKit 0.10+): use a newer engine or a docker-container builder";
  }
  if (/dockerfile parse error line \d+: unknown instruction/.test(all)) {
    return 'BuildKit could not parse the Dockerfile at that line; heredocs (RUN <<EOF) need a newer BuildKit than this builder has';
  }
  if (/cannot connect to the docker daemon/i.test(all)) return 'start the Docker engine and try again';
  return undefined;
}

/** The Dockerfile line BuildKit's parser complained about (`dockerfile parse error line 10: …`), if any. */
export function parseErrorLine(textLines: readonly string[]): number | undefined {
  for (const line of textLines) {
    const match = /dockerfile parse error (?:on )?line (\d+)/.exec(line);
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}

function timestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.filter((item) => item !== null && typeof item === 'object') : [];
}
