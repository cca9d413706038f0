import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../../../../src/core/dockerfile/parse.js';
import { buildStageGraph, findStage, stageClosure, type StageGraph } from '../../../../src/core/dockerfile/stage-graph.js';
import { StageGraphError } from '../../../../src/core/errors.js';
import { dockerfile } from '../../../support/builders.js';

function graphOf(text: string, buildArgs: Record<string, string> = {}, namedContexts: string[] = []): StageGraph {
  return buildStageGraph(parseDockerfile(text, { file: 'Dockerfile' }), { file: 'Dockerfile', buildArgs, namedContexts });
}

function closureNames(graph: StageGraph, target: string): string[] {
  return stageClosure(graph, findStage(graph, target)!.index).map((i) => graph.stages[i]!.displayName);
}

const SHOP = dockerfile(
  'ARG NODE_IMAGE=node:22-alpine',
  'FROM ${NODE_IMAGE} AS base',
  'WORKDIR /app',
  'COPY package.json package-lock.json ./',
  'FROM base AS develop',
  'RUN --mount=type=cache,target=/root/.npm npm ci',
  'COPY src/ ./src/',
  'FROM develop AS test',
  'COPY test/ ./test/',
  'FROM base AS builder',
  'RUN npm ci --omit=dev',
  'COPY src/ ./src/',
  'RUN node src/build.js',
  'FROM ${NODE_IMAGE} AS production',
  'COPY --from=builder /app/dist ./dist',
);

describe('buildStageGraph', () => {
  test('stages are found by name, case-insensitively, and by index', () => {
    const graph = graphOf(SHOP);
    expect(graph.stages.map((s) => s.displayName)).toEqual(['base', 'develop', 'test', 'builder', 'production']);
    expect(findStage(graph, 'BUILDER')?.index).toBe(3);
    expect(findStage(graph, '4')?.name).toBe('production');
    expect(findStage(graph, 'nope')).toBeUndefined();
  });

  test('global ARGs expand FROM, and --build-arg overrides the default', () => {
    expect(graphOf(SHOP).stages[0]!.base).toEqual({ kind: 'image', ref: 'node:22-alpine' });
    expect(graphOf(SHOP, { NODE_IMAGE: 'dockstage-base/node:20' }).stages[4]!.base).toEqual({
      kind: 'image',
      ref: 'dockstage-base/node:20',
    });
  });

  test('edges come from FROM <stage> and COPY --from, with their lines', () => {
    const graph = graphOf(SHOP);
    expect(graph.edges.map((e) => [graph.stages[e.stage]!.displayName, e.kind, graph.stages[e.dependsOn]!.displayName, e.line])).toEqual([
      ['develop', 'from', 'base', 5],
      ['test', 'from', 'develop', 8],
      ['builder', 'from', 'base', 10],
      ['production', 'copy', 'builder', 15],
    ]);
  });

  test('the closure of production is builder and base, not develop or test', () => {
    const graph = graphOf(SHOP);
    expect(closureNames(graph, 'production')).toEqual(['base', 'builder', 'production']);
    expect(closureNames(graph, 'develop')).toEqual(['base', 'develop']);
    expect(closureNames(graph, 'test')).toEqual(['base', 'develop', 'test']);
  });

  test('inputs list context sources per stage, not --from sources', () => {
    const graph = graphOf(SHOP);
    expect(graph.inputs.map((i) => [graph.stages[i.stage]!.displayName, i.source, i.line])).toEqual([
      ['base', 'package.json', 4],
      ['base', 'package-lock.json', 4],
      ['develop', 'src/', 7],
      ['test', 'test/', 9],
      ['builder', 'src/', 12],
    ]);
  });

  test('RUN --mount=type=bind without from reads the context; with from=<stage> it is an edge', () => {
    const graph = graphOf(
      dockerfile(
        'FROM busybox AS deps',
        'RUN true',
        'FROM busybox',
        'RUN --mount=type=bind,source=go.sum,target=/src/go.sum --mount=type=bind,from=deps,src=/x,target=/y --mount=type=cache,target=/c true',
      ),
    );
    expect(graph.inputs.map((i) => [i.keyword, i.source])).toEqual([['RUN', 'go.sum']]);
    expect(graph.edges.map((e) => [e.stage, e.kind, e.dependsOn])).toEqual([[1, 'mount', 0]]);
  });

  test('a bind mount without source reads the whole context', () => {
    const graph = graphOf(dockerfile('FROM busybox', 'RUN --mount=type=bind,target=/src make'));
    expect(graph.inputs.map((i) => i.source)).toEqual(['.']);
  });

  test('COPY sources expand stage ARGs and ENV, and ENV is inherited through FROM <stage>', () => {
    const graph = graphOf(
      dockerfile('FROM busybox AS base', 'ENV SRC=lib', 'FROM base', 'ARG APP=web', 'COPY ${SRC}/ apps/${APP}/*.js /dst/'),
      { APP: 'api' },
    );
    expect(graph.inputs.map((i) => i.source)).toEqual(['lib/', 'apps/api/*.js']);
  });

  test('ENV with several assignments expands each against the environment before the instruction', () => {
    const graph = graphOf(dockerfile('FROM busybox', 'ENV dir=old', 'ENV dir=new copy=$dir', 'COPY ${copy}/ /x/'));
    expect(graph.inputs.map((i) => i.source)).toEqual(['old/']);
  });

  test('heredoc and URL sources are not context inputs', () => {
    const graph = graphOf(
      dockerfile('FROM busybox', 'COPY <<EOF /etc/motd', 'hello', 'EOF', 'ADD https://example.com/a.tgz /a.tgz', 'ADD local.tgz /b'),
    );
    expect(graph.inputs.map((i) => i.source)).toEqual(['local.tgz']);
  });

  test('COPY --from a named context reads that context, not a stage or image', () => {
    const graph = graphOf(dockerfile('FROM busybox', 'COPY --from=shared lib/ /lib/'), {}, ['shared']);
    expect(graph.inputs.map((i) => [i.context, i.source])).toEqual([['shared', 'lib/']]);
    expect(graph.external).toEqual([
      { stage: 0, kind: 'image', ref: 'busybox', via: 'from', line: 1 },
      { stage: 0, kind: 'context', ref: 'shared', via: 'copy', line: 2 },
    ]);
  });

  test('a --from that is not a stage is an external image, with a did-you-mean when one edit away', () => {
    const graph = graphOf(
      dockerfile('FROM busybox AS builder', 'RUN true', 'FROM busybox', 'COPY --from=buidler /a /a', 'COPY --from=nginx:latest /b /b'),
    );
    expect(graph.external.filter((r) => r.via === 'copy').map((r) => r.ref)).toEqual(['buidler', 'nginx:latest']);
    expect(graph.warnings).toEqual([
      {
        message: "--from=buidler is not a stage, so BuildKit pulls it as an image; did you mean 'builder'?",
        line: 4,
        misspelt: { ref: 'buidler', suggestion: 'builder' },
      },
    ]);
  });

  test('FROM naming a stage defined later is an image to BuildKit, and gets a warning', () => {
    const graph = graphOf(dockerfile('FROM later AS first', 'FROM busybox AS later'));
    expect(graph.stages[0]!.base).toEqual({ kind: 'image', ref: 'later' });
    expect(graph.warnings[0]?.message).toContain("refers to stage 'later' defined later (line 2)");
  });

  test('an out-of-range --from index is an error naming the line and the stages', () => {
    const text = dockerfile('FROM busybox AS a', 'FROM busybox AS b', 'COPY --from=7 /x /y');
    let caught: unknown;
    try {
      graphOf(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StageGraphError);
    const e = caught as StageGraphError;
    expect(e.message).toBe('--from=7 refers to stage index 7, but the Dockerfile has 2 stage(s)');
    expect(e.location).toEqual({ file: 'Dockerfile', line: 3 });
    expect(e.hint).toBe('use a stage name or an index from 0 to 1: a, b');
  });

  test('a cycle is an error listing the cycle in a fixed order', () => {
    const text = dockerfile('FROM busybox AS a', 'COPY --from=b /x /y', 'FROM busybox AS b', 'COPY --from=a /y /z');
    expect(() => graphOf(text)).toThrow('circular dependency between stages: a → b → a');
  });

  test('a stage copying from itself by index is a cycle', () => {
    expect(() => graphOf(dockerfile('FROM busybox AS a', 'COPY --from=0 /x /y'))).toThrow('circular dependency between stages: a → a');
  });

  test('unnamed stages are called stage-N, as in BuildKit progress', () => {
    const graph = graphOf(dockerfile('FROM busybox', 'FROM busybox AS named', 'FROM busybox'));
    expect(graph.stages.map((s) => s.displayName)).toEqual(['stage-0', 'named', 'stage-2']);
  });

  test('a Dockerfile without FROM is an error', () => {
    expect(() => graphOf(dockerfile('ARG X=1'))).toThrow('no FROM');
  });

  test('an unset ${VAR:?message} in FROM is an error with the line', () => {
    expect(() => graphOf(dockerfile('ARG BASE', 'FROM ${BASE:?required}'))).toThrow(/cannot expand/);
  });
});

describe('instruction checks (as BuildKit makes them)', () => {
  test.each([
    ['FROM busybox\nENV\n', 'ENV requires at least one argument', 2],
    ['FROM busybox\nCOPY --from=x a\n', 'COPY requires at least two arguments (sources and a destination)', 2],
    ['FROM busybox\nWORKDIR\n', 'WORKDIR requires exactly one argument', 2],
    ['FROM busybox\nCOPPY a b\n', 'unknown instruction: COPPY', 2],
  ])('%j fails with "%s" at line %i', (text, message, line) => {
    let caught: StageGraphError | undefined;
    try {
      graphOf(text);
    } catch (error) {
      caught = error as StageGraphError;
    }
    expect(caught?.message).toBe(message);
    expect(caught?.location.line).toBe(line);
  });

  test('an unknown instruction suggests the closest keyword', () => {
    expect(() => graphOf('FROM busybox\nCOPPY a b\n')).toThrow(StageGraphError);
    try {
      graphOf('FROM busybox\nCOPPY a b\n');
    } catch (error) {
      expect((error as StageGraphError).hint).toBe('did you mean COPY?');
    }
  });
});
