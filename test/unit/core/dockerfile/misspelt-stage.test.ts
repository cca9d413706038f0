import { describe, expect, test } from 'vitest';
import { explainMisspeltStage } from '../../../../src/core/dockerfile/misspelt-stage.js';
import { parseDockerfile } from '../../../../src/core/dockerfile/parse.js';
import { buildStageGraph } from '../../../../src/core/dockerfile/stage-graph.js';
import { BuildFailedError } from '../../../../src/core/errors.js';

const graph = buildStageGraph(
  parseDockerfile('FROM busybox AS base\nRUN echo hi > /a\nFROM busybox AS develop\nCOPY --from=bsae /a /b\n', { file: 'web/Dockerfile' }),
  {
    file: 'web/Dockerfile',
    buildArgs: {},
    namedContexts: [],
  },
);

describe('explainMisspeltStage', () => {
  test('a failed pull of the misspelt name points at its line and repeats the suggestion', () => {
    // What BuildKit reports when --from=bsae cannot be pulled (measured on this engine).
    const failure = new BuildFailedError(
      'web: failed to do request: Head "https://registry-1.docker.io/v2/library/bsae/manifests/latest": no such host',
      {
        service: 'web',
        instruction: 'FROM docker.io/library/bsae:latest',
        file: 'web/Dockerfile',
      },
    );
    const explained = explainMisspeltStage(failure, graph);
    expect(explained.location).toEqual({ file: 'web/Dockerfile', line: 4 });
    expect(explained.hint).toBe("'bsae' at line 4 is not a stage, so BuildKit tried to pull it as an image; did you mean 'base'?");
    expect(explained.message).toBe(failure.message);
  });

  test('any other failure is left as it was', () => {
    const failure = new BuildFailedError('web: RUN make failed', {
      service: 'web',
      instruction: 'RUN make',
      file: 'web/Dockerfile',
      line: 2,
    });
    expect(explainMisspeltStage(failure, graph)).toBe(failure);
  });
});
