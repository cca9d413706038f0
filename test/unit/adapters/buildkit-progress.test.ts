import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  countSteps,
  createRawjsonDecoder,
  describeFailure,
  failureHint,
  parseErrorLine,
  parseVertexName,
  type StepState,
} from '../../../src/adapters/buildx/buildkit-progress.js';
import type { BuildEvent } from '../../../src/ports/image-builder.js';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/buildkit');

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** One SolveStatus object as buildx prints it: indented JSON followed by a newline. */
const status = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;

const RUN = 'sha256:run';
const RUN_NAME = '[builder 2/4] RUN npm ci';
const T0 = '2026-11-22T16:20:13.100000000Z';
const T1 = '2026-11-22T16:20:13.350123456Z';

const STREAM =
  status({ vertexes: [{ digest: RUN, inputs: ['sha256:copy'], name: RUN_NAME }] }) +
  status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0 }] }) +
  status({ logs: [{ vertex: RUN, stream: 1, data: b64('added 1 package\n'), timestamp: T0 }] }) +
  status({ logs: [{ vertex: RUN, stream: 2, data: b64('npm warn deprecated\n'), timestamp: T0 }] }) +
  status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0, completed: T1 }] }) +
  status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0, completed: T1 }] });

function decodeAll(chunks: ReadonlyArray<string | Uint8Array>): {
  events: BuildEvent[];
  text: readonly string[];
  steps: readonly StepState[];
} {
  const decoder = createRawjsonDecoder();
  const events = chunks.flatMap((chunk) => decoder.push(chunk));
  events.push(...decoder.end());
  return { events, text: decoder.textLines(), steps: decoder.steps() };
}

function split(input: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  return chunks;
}

/** Events without vertex digests, for readable comparisons. */
const brief = (events: readonly BuildEvent[]): string[] =>
  events.map((event) => {
    switch (event.type) {
      case 'step-started':
        return `started ${event.stage ?? '-'} ${event.step ?? '-'}/${event.total ?? '-'} ${event.instruction}`;
      case 'step-completed':
        return `completed ${event.stage ?? '-'} ${event.step ?? '-'}/${event.total ?? '-'} ${event.instruction}${event.cached ? ' (cached)' : ''}${event.error === undefined ? '' : ' ERROR'}`;
      case 'step-log':
        return `log ${event.stage ?? '-'} ${event.step ?? '-'} ${event.stream}: ${event.text}`;
      case 'build-warning':
        return `warning ${event.line ?? '-'}: ${event.message}`;
    }
  });

describe('parseVertexName', () => {
  test.each([
    ['[builder 2/4] RUN npm ci', { stage: 'builder', step: 2, total: 4, platform: null, instruction: 'RUN npm ci' }],
    ['[stage-2 3/3] RUN make', { stage: 'stage-2', step: 3, total: 3, platform: null, instruction: 'RUN make' }],
    [
      '[base 1/2] FROM docker.io/library/busybox:latest',
      { stage: 'base', step: 1, total: 2, platform: null, instruction: 'FROM docker.io/library/busybox:latest' },
    ],
    // A single-stage Dockerfile: BuildKit prints no stage, even for `FROM x AS app`.
    ['[2/3] COPY . .', { stage: null, step: 2, total: 3, platform: null, instruction: 'COPY . .' }],
    // k is padded to the width of n.
    ['[builder  2/12] COPY src/ ./src/', { stage: 'builder', step: 2, total: 12, platform: null, instruction: 'COPY src/ ./src/' }],
    ['[ 3/10] RUN true', { stage: null, step: 3, total: 10, platform: null, instruction: 'RUN true' }],
    // Multi-platform builds put the platform first (dockerfile2llb prefixCommand).
    ['[linux/amd64 builder 2/4] RUN npm ci', { stage: 'builder', step: 2, total: 4, platform: 'linux/amd64', instruction: 'RUN npm ci' }],
    [
      '[linux/arm/v7 1/2] FROM docker.io/library/busybox:latest',
      { stage: null, step: 1, total: 2, platform: 'linux/arm/v7', instruction: 'FROM docker.io/library/busybox:latest' },
    ],
    ['[internal] load build context', { stage: null, step: null, total: null, platform: null, instruction: 'load build context' }],
    [
      '[auth] library/busybox:pull token for registry-1.docker.io',
      { stage: null, step: null, total: null, platform: null, instruction: 'library/busybox:pull token for registry-1.docker.io' },
    ],
    ['exporting to image', { stage: null, step: null, total: null, platform: null, instruction: 'exporting to image' }],
    ['', { stage: null, step: null, total: null, platform: null, instruction: '' }],
  ])('%s', (name, expected) => {
    expect(parseVertexName(name)).toEqual(expected);
  });
});

describe('createRawjsonDecoder', () => {
  test('a vertex repeated across objects starts once and completes once, with its duration', () => {
    const { events } = decodeAll([STREAM]);
    expect(brief(events)).toEqual([
      'started builder 2/4 RUN npm ci',
      'log builder 2 stdout: added 1 package',
      'log builder 2 stderr: npm warn deprecated',
      'completed builder 2/4 RUN npm ci',
    ]);
    expect(events[0]).toEqual({
      type: 'step-started',
      vertex: RUN,
      stage: 'builder',
      step: 2,
      total: 4,
      instruction: 'RUN npm ci',
      at: Date.parse(T0),
    });
    expect(events[3]).toMatchObject({ type: 'step-completed', cached: false, durationMs: 250, at: Date.parse(T1) });
  });

  test('splitting the stream at every position inside the JSON objects gives the same events', () => {
    const whole = decodeAll([STREAM]).events;
    for (const at of [1, 2, 17, 40, 41, 100, STREAM.length - 2]) {
      expect(decodeAll([STREAM.slice(0, at), STREAM.slice(at)]).events, `split at ${at}`).toEqual(whole);
    }
    expect(decodeAll([...STREAM]).events).toEqual(whole);
  });

  test('a UTF-8 character split between two byte chunks of stderr is decoded whole', () => {
    const name = '[dev 1/1] RUN echo "ünïcødé ✓"';
    const input = Buffer.from(status({ vertexes: [{ digest: 'sha256:u', name, started: T0, completed: T1 }] }));
    const tick = input.indexOf(Buffer.from('✓'));
    const { events } = decodeAll([input.subarray(0, tick + 1), input.subarray(tick + 1, tick + 2), input.subarray(tick + 2)]);
    expect(events.map((event) => (event.type === 'step-completed' ? event.instruction : undefined))).toContain('RUN echo "ünïcødé ✓"');
    expect(decodeAll(split(input, 1)).events).toEqual(decodeAll([input]).events);
  });

  test('log data split inside a line and inside a UTF-8 character is joined into whole lines', () => {
    const bytes = Buffer.from('first ✓ line\nsecond', 'utf8');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // between the bytes of ✓
    const log = (data: Buffer): string => status({ logs: [{ vertex: RUN, stream: 1, data: data.toString('base64'), timestamp: T0 }] });
    const { events } = decodeAll([
      status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0 }] }),
      log(bytes.subarray(0, cut)),
      log(bytes.subarray(cut)),
      log(Buffer.from(' half\n')),
      log(Buffer.from('no newline at the end')),
      status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0, completed: T1 }] }),
    ]);
    expect(brief(events)).toEqual([
      'started builder 2/4 RUN npm ci',
      'log builder 2 stdout: first ✓ line',
      'log builder 2 stdout: second half',
      'log builder 2 stdout: no newline at the end',
      'completed builder 2/4 RUN npm ci',
    ]);
  });

  test('plain text lines between objects are collected, the last one even without a newline', () => {
    const { events, text } = decodeAll([
      'WARNING: buildx: git was not found\n',
      status({ vertexes: [{ digest: RUN, name: RUN_NAME, started: T0, completed: T1, error: 'exit code: 3' }] }),
      'ERROR: failed to solve: exit code: 3',
    ]);
    expect(text).toEqual(['WARNING: buildx: git was not found', 'ERROR: failed to solve: exit code: 3']);
    expect(brief(events)).toEqual(['started builder 2/4 RUN npm ci', 'completed builder 2/4 RUN npm ci ERROR']);
    expect(events[1]).toMatchObject({ error: 'exit code: 3' });
  });

  test('cached vertices, FROM steps and a completion without a start', () => {
    const { events } = decodeAll([
      status({
        vertexes: [
          { digest: 'sha256:from', name: '[base 1/2] FROM docker.io/library/busybox:latest', started: T0, completed: T0 },
          { digest: 'sha256:wd', inputs: ['sha256:from'], name: '[base 2/2] WORKDIR /app', completed: T1, cached: true },
          { digest: 'sha256:int', name: '[internal] load build context', started: T0, completed: T1 },
        ],
      }),
    ]);
    // BuildKit never marks FROM cached; without pull progress it did no work, so we report it cached.
    expect(brief(events)).toEqual([
      'started base 1/2 FROM docker.io/library/busybox:latest',
      'completed base 1/2 FROM docker.io/library/busybox:latest (cached)',
      'started base 2/2 WORKDIR /app',
      'completed base 2/2 WORKDIR /app (cached)',
      'started - -/- load build context',
      'completed - -/- load build context',
    ]);
    expect(events[3]).toMatchObject({ durationMs: null, at: Date.parse(T1) }); // never said when it started
  });

  test('a FROM step that reported pull progress is not cached', () => {
    const from = 'sha256:from';
    const { events } = decodeAll([
      status({ vertexes: [{ digest: from, name: '[1/2] FROM docker.io/library/node:22', started: T0 }] }),
      status({ statuses: [{ id: 'sha256:layer', vertex: from, name: 'resolve', current: 10, total: 20, timestamp: T0 }] }),
      status({ vertexes: [{ digest: from, name: '[1/2] FROM docker.io/library/node:22', started: T0, completed: T1 }] }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'step-completed', cached: false });
  });

  test('warnings are decoded from base64 with their line', () => {
    const { events } = decodeAll([
      status({
        warnings: [
          {
            vertex: 'sha256:def',
            level: 1,
            short: b64('FromAsCasing: AS should match FROM'),
            range: [{ start: { line: 3 }, end: { line: 3 } }],
          },
        ],
      }),
      status({ warnings: [{ level: 1, short: b64('no line here') }] }),
    ]);
    expect(events).toEqual([
      { type: 'build-warning', message: 'FromAsCasing: AS should match FROM', line: 3 },
      { type: 'build-warning', message: 'no line here', line: undefined },
    ]);
  });

  test('numbered steps without a stage take the stage the decoder was told (single-stage Dockerfile)', () => {
    const decoder = createRawjsonDecoder({ unnamedStage: 'app' });
    const events = decoder.push(
      status({
        vertexes: [
          { digest: 'sha256:a', name: '[2/2] RUN true', started: T0 },
          { digest: 'sha256:b', name: '[internal] load build context', started: T0 },
        ],
      }),
    );
    expect(events.map((event) => ('stage' in event ? event.stage : undefined))).toEqual(['app', null]);
  });

  test('braces inside strings do not end an object early', () => {
    const name = '[dev 1/1] RUN echo "}{" \'{\' && echo \\"}"';
    const { events, text } = decodeAll([status({ vertexes: [{ digest: 'sha256:x', name, started: T0 }] })]);
    expect(text).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ instruction: name.slice('[dev 1/1] '.length) });
  });
});

describe('rawjson recorded on the local engine (test/fixtures/buildkit)', () => {
  const success = readFileSync(path.join(FIXTURES, 'rawjson-success.txt'));
  const failure = readFileSync(path.join(FIXTURES, 'rawjson-failure.txt'));

  test('a rebuild after src/ changed: base steps cached, builder and dev re-run, logs decoded', () => {
    const { events, text, steps } = decodeAll([success]);
    expect(text).toEqual([]);
    expect(
      brief(events.filter((event) => event.type !== 'step-started' && !(event.type === 'step-completed' && event.step === null))),
    ).toEqual([
      'completed base 1/3 FROM docker.io/library/busybox:latest (cached)',
      'completed base 2/3 WORKDIR /app (cached)',
      'completed base 3/3 COPY version.txt ./ (cached)',
      'completed builder 1/2 COPY src/ ./src/',
      'log builder 2 stdout: hello from builder',
      expect.stringMatching(/^log builder 2 stdout: second \d+$/),
      'log builder 2 stderr: stderr: ünïcødé ✓',
      'completed builder 2/2 RUN echo "hello from builder" && cat src/main.txt && echo "stderr: ünïcødé ✓" >&2',
      'completed dev 1/2 COPY --from=builder /app/src ./src',
      expect.stringMatching(/^log dev 2 stdout: \d+ src\/main\.txt$/),
      'completed dev 2/2 RUN wc -c src/main.txt',
    ]);
    expect(countSteps(steps)).toEqual({ cachedSteps: 3, totalSteps: 7 });
    const internal = events
      .filter((event) => event.type === 'step-completed' && event.step === null)
      .map((event) => (event.type === 'step-completed' ? event.instruction : ''));
    expect(internal).toEqual(expect.arrayContaining(['load build definition from Dockerfile', 'load build context', 'exporting to image']));
  });

  test('every chunk size gives the same events', () => {
    const whole = decodeAll([success]).events;
    for (const size of [1, 3, 64, 4096]) expect(decodeAll(split(success, size)).events, `chunks of ${size}`).toEqual(whole);
  });

  test('a failing RUN: the failing step, its log tail and the ERROR line', () => {
    const { events, text, steps } = decodeAll(split(failure, 5));
    const completed = events.filter((event) => event.type === 'step-completed' && event.error !== undefined);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      stage: 'broken',
      step: 1,
      total: 1,
      error: expect.stringMatching(/^executor failed running \[\/bin\/sh -c .*\]: exit code: 3$/),
    });
    expect(text).toEqual([expect.stringMatching(/^ERROR: failed to solve: executor failed running .*exit code: 3$/)]);
    const described = describeFailure(steps, text);
    expect(described.message).toBe(
      `stage 'broken' step 1/1 (RUN --mount=type=cache,target=/c echo $((1+2)) && echo "it broke: ünïcødé" >&2 && exit 3) failed: exit code 3`,
    );
    expect(described.step).toMatchObject({ stage: 'broken', step: 1 });
    expect(described.logTail).toEqual(['3', 'it broke: ünïcødé']);
  });
});

describe('describeFailure', () => {
  const step = (over: Partial<StepState> & { name: string }): StepState => {
    const parsed = parseVertexName(over.name);
    return {
      ref: { vertex: `sha256:${over.name}`, stage: parsed.stage, step: parsed.step, total: parsed.total, instruction: parsed.instruction },
      startedAt: 0,
      completedAt: 1,
      cached: false,
      error: undefined,
      logTail: [],
      ...over,
    };
  };

  test('a sibling cancelled by the failure is not blamed', () => {
    const failed = describeFailure(
      [
        step({ name: '[web 2/3] RUN npm ci', error: 'context canceled', logTail: ['fetching'] }),
        step({
          name: '[api 3/3] RUN go build ./...',
          error: 'executor failed running [/bin/sh -c go build ./...]: exit code: 2',
          logTail: ['main.go:3: undefined: x'],
        }),
      ],
      ['ERROR: failed to solve: executor failed running [/bin/sh -c go build ./...]: exit code: 2'],
    );
    expect(failed.message).toBe("stage 'api' step 3/3 (RUN go build ./...) failed: exit code 2");
    expect(failed.logTail).toEqual(['main.go:3: undefined: x']);
  });

  test('the log tail is the last lines of the step, else of the text output', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    expect(describeFailure([step({ name: '[1/2] RUN make', error: 'exit code: 1', logTail: lines })], []).logTail).toEqual(lines.slice(10));
    expect(describeFailure([step({ name: '[1/2] RUN make', error: 'boom' })], ['a', 'ERROR: failed to solve: boom']).logTail).toEqual([
      'a',
      'ERROR: failed to solve: boom',
    ]);
  });

  test('without a failing vertex the message comes from the ERROR line', () => {
    const text = [
      'ERROR: failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 10: unknown instruction: ECHO',
    ];
    const failed = describeFailure([step({ name: '[internal] load build definition from Dockerfile' })], text);
    expect(failed).toEqual({
      message:
        'build failed: failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 10: unknown instruction: ECHO',
      step: undefined,
      logTail: text,
    });
    expect(parseErrorLine(text)).toBe(10);
    expect(failureHint(text)).toMatch(/heredocs/);
  });

  test('named contexts on an old BuildKit get a hint', () => {
    const text = [
      'ERROR: failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: unsupported frontend capability moby.buildkit.frontend.contexts',
    ];
    expect(failureHint(text)).toMatch(/named build contexts/);
    expect(failureHint(['ERROR: failed to solve: exit code: 1'])).toBeUndefined();
  });
});

describe('countSteps', () => {
  test('counts completed numbered steps only', () => {
    const ref = (name: string, vertex: string) => {
      const parsed = parseVertexName(name);
      return { vertex, stage: parsed.stage, step: parsed.step, total: parsed.total, instruction: parsed.instruction };
    };
    const steps: StepState[] = [
      { ref: ref('[internal] load build context', 'a'), startedAt: 0, completedAt: 1, cached: false, error: undefined, logTail: [] },
      { ref: ref('[base 1/2] FROM busybox', 'b'), startedAt: 0, completedAt: 1, cached: true, error: undefined, logTail: [] },
      { ref: ref('[base 2/2] RUN true', 'c'), startedAt: 0, completedAt: 1, cached: false, error: undefined, logTail: [] },
      { ref: ref('[dev 1/1] RUN never', 'd'), startedAt: undefined, completedAt: undefined, cached: false, error: undefined, logTail: [] },
    ];
    expect(countSteps(steps)).toEqual({ cachedSteps: 1, totalSteps: 2 });
  });
});
