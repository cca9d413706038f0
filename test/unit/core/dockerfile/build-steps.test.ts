import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRawjsonDecoder, parseVertexName } from '../../../../src/adapters/buildx/buildkit-progress.js';
import { locateStep, numberedSteps } from '../../../../src/core/dockerfile/build-steps.js';
import { parseDockerfile } from '../../../../src/core/dockerfile/parse.js';
import { buildStageGraph, type StageGraph } from '../../../../src/core/dockerfile/stage-graph.js';
import type { StepRef } from '../../../../src/ports/image-builder.js';
import { dockerfile } from '../../../support/builders.js';

function graphOf(text: string): StageGraph {
  return buildStageGraph(parseDockerfile(text, { file: 'Dockerfile' }), { file: 'Dockerfile' });
}

/** A StepRef as the decoder makes it from a vertex name. */
function step(name: string): StepRef {
  const parsed = parseVertexName(name);
  return { vertex: 'sha256:test', stage: parsed.stage, step: parsed.step, total: parsed.total, instruction: parsed.instruction };
}

/** `stage:line` of the located step, or undefined. */
function where(graph: StageGraph, name: string): string | undefined {
  const located = locateStep(graph, step(name));
  return located === undefined ? undefined : `${graph.stages[located.stage]!.displayName}:${located.line}`;
}

const TWO_STAGES = dockerfile(
  'FROM busybox:latest AS Base', // 1
  'ENV A=1', // 2
  'WORKDIR /app', // 3
  '', // 4
  'FROM base AS dev', // 5
  'ARG X=hello', // 6
  'COPY a ./', // 7
  'RUN echo "x is $X" && echo $A', // 8
  '',
  'FROM base AS broken', // 10
  'RUN --mount=type=cache,target=/c echo $((1+2)) && exit 3', // 11
);

describe('numberedSteps', () => {
  test('FROM <image>, RUN, COPY, ADD and WORKDIR are steps; FROM <stage>, ENV, ARG are not', () => {
    const graph = graphOf(TWO_STAGES);
    expect(graph.stages.map((stage) => numberedSteps(stage).map((instruction) => instruction.keyword))).toEqual([
      ['FROM', 'WORKDIR'],
      ['COPY', 'RUN'],
      ['RUN'],
    ]);
  });

  test('FROM scratch is not a step', () => {
    const graph = graphOf(dockerfile('FROM scratch', 'COPY a /a', 'ADD b /b'));
    expect(numberedSteps(graph.stages[0]!).map((instruction) => instruction.keyword)).toEqual(['COPY', 'ADD']);
  });
});

describe('locateStep', () => {
  const graph = graphOf(TWO_STAGES);

  test('steps are found by stage and number, as BuildKit on engine 20.10 prints them', () => {
    expect(where(graph, '[base 1/2] FROM docker.io/library/busybox:latest')).toBe('base:1');
    expect(where(graph, '[base 2/2] WORKDIR /app')).toBe('base:3');
    expect(where(graph, '[dev 1/2] COPY a ./')).toBe('dev:7');
  });

  test('ARG and ENV values expanded in the printed instruction still match', () => {
    expect(where(graph, '[dev 2/2] RUN echo "x is hello" && echo 1')).toBe('dev:8');
    expect(where(graph, '[dev 2/2] RUN echo "x is $X" && echo $A')).toBe('dev:8');
    expect(where(graph, '[dev 2/2] RUN echo x is a "quoted value" && echo')).toBe('dev:8');
  });

  test('the instruction is printed with its flags', () => {
    const located = locateStep(graph, step('[broken 1/1] RUN --mount=type=cache,target=/c echo $((1+2)) && exit 3'));
    expect(located).toMatchObject({ stage: 2, line: 11, instruction: { keyword: 'RUN', startLine: 11 } });
  });

  test('when the numbering disagrees (another BuildKit version), the text decides', () => {
    // As if WORKDIR were not a vertex: dev's RUN printed as step 2 of 2 but base counted differently.
    expect(where(graph, '[base 1/1] WORKDIR /app')).toBe('base:3');
    expect(where(graph, '[dev 3/3] RUN echo "x is hello" && echo 1')).toBe('dev:8');
  });

  test('the number alone is trusted when the text differs but the keyword and the count agree', () => {
    expect(where(graph, '[dev 2/2] RUN something BuildKit printed differently')).toBe('dev:8');
    expect(where(graph, '[dev 2/2] COPY something else')).toBeUndefined();
  });

  test('identical instructions in one stage are told apart by number', () => {
    const twice = graphOf(dockerfile('FROM busybox AS app', 'RUN echo hi', 'ENV X=1', 'RUN echo hi'));
    expect(where(twice, '[app 2/3] RUN echo hi')).toBe('app:2');
    expect(where(twice, '[app 3/3] RUN echo hi')).toBe('app:4');
  });

  test('a step without a stage belongs to a single-stage Dockerfile', () => {
    const single = graphOf(dockerfile('FROM busybox AS app', 'ARG F=a', 'COPY $F /x', 'RUN echo $F'));
    expect(where(single, '[1/3] FROM docker.io/library/busybox:latest')).toBe('app:1');
    expect(where(single, '[2/3] COPY a /x')).toBe('app:3');
    expect(where(single, '[3/3] RUN echo a')).toBe('app:4');
    expect(where(graph, '[2/2] COPY a ./')).toBeUndefined();
  });

  test('unnamed stages are stage-<index>; stage names match case-insensitively', () => {
    const unnamed = graphOf(dockerfile('FROM busybox', 'RUN echo one', 'FROM busybox', 'COPY --from=0 /bin/busybox /bb'));
    expect(where(unnamed, '[stage-1 2/2] COPY --from=0 /bin/busybox /bb')).toBe('stage-1:4');
    expect(where(graph, '[BASE 2/2] WORKDIR /app')).toBe('base:3');
  });

  test('multi-platform steps are located like the others', () => {
    expect(where(graph, '[linux/amd64 dev 1/2] COPY a ./')).toBe('dev:7');
  });

  test('internal steps and unknown stages are not located', () => {
    expect(where(graph, '[internal] load build context')).toBeUndefined();
    expect(where(graph, 'exporting to image')).toBeUndefined();
    expect(where(graph, '[nope 1/1] RUN true')).toBeUndefined();
  });

  test('every numbered step of the recorded transcripts lands on its line of the fixture Dockerfile', () => {
    const dir = path.join(import.meta.dirname, '../../../fixtures/buildkit');
    const fixture = graphOf(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
    const located = new Map<string, number | undefined>();
    for (const name of ['rawjson-success.txt', 'rawjson-failure.txt']) {
      const decoder = createRawjsonDecoder();
      decoder.push(readFileSync(path.join(dir, name)));
      decoder.end();
      for (const { ref } of decoder.steps()) {
        if (ref.step !== null)
          located.set(`[${ref.stage} ${ref.step}/${ref.total}] ${ref.instruction.split(' ')[0]}`, locateStep(fixture, ref)?.line);
      }
    }
    expect(Object.fromEntries(located)).toEqual({
      '[base 1/3] FROM': 2,
      '[base 2/3] WORKDIR': 4,
      '[base 3/3] COPY': 5,
      '[builder 1/2] COPY': 9,
      '[builder 2/2] RUN': 10,
      '[dev 1/2] COPY': 14,
      '[dev 2/2] RUN': 15,
      '[broken 1/1] RUN': 18,
    });
  });
});
