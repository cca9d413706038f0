import { describe, expect, test } from 'vitest';
import { cacheHints } from '../../../../src/core/dockerfile/cache-hints.js';
import { parseDockerfile } from '../../../../src/core/dockerfile/parse.js';
import { buildStageGraph } from '../../../../src/core/dockerfile/stage-graph.js';

function mountsAdvised(...lines: string[]): string[] {
  const text = `${lines.join('\n')}\n`;
  const graph = buildStageGraph(parseDockerfile(text, { file: 'Dockerfile' }), { file: 'Dockerfile', buildArgs: {}, namedContexts: [] });
  return cacheHints(graph).map((hint) => `${hint.line} ${hint.mount}`);
}

describe('cacheHints', () => {
  test('go mod download needs only the module cache, not the build cache', () => {
    expect(mountsAdvised('FROM golang AS base', 'RUN go mod download')).toEqual(['2 --mount=type=cache,target=/go/pkg/mod']);
    expect(mountsAdvised('FROM golang AS base', 'RUN --mount=type=cache,target=/go/pkg/mod go mod download')).toEqual([]);
  });

  test('go build needs both caches, each advised once when a RUN also downloads', () => {
    expect(mountsAdvised('FROM golang AS builder', 'RUN go mod download && go build -o /out/api ./cmd/api')).toEqual([
      '2 --mount=type=cache,target=/go/pkg/mod',
      '2 --mount=type=cache,target=/root/.cache/go-build',
    ]);
  });

  test('a RUN that already has the mount gets no hint', () => {
    expect(mountsAdvised('FROM node AS base', 'RUN --mount=type=cache,target=/root/.npm/ npm ci', 'RUN pip install -r r.txt')).toEqual([
      '3 --mount=type=cache,target=/root/.cache/pip',
    ]);
  });
});
