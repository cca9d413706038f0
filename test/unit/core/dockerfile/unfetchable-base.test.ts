import { describe, expect, test } from 'vitest';
import { parseDockerfile } from '../../../../src/core/dockerfile/parse.js';
import { buildStageGraph } from '../../../../src/core/dockerfile/stage-graph.js';
import { explainUnfetchableBase, unfetchedImage } from '../../../../src/core/dockerfile/unfetchable-base.js';
import { BuildFailedError } from '../../../../src/core/errors.js';

const TEXT = 'ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE} AS base\nWORKDIR /app\nFROM base AS develop\nCOPY src/ ./src/\n';
const graph = (buildArgs: Record<string, string> = {}) =>
  buildStageGraph(parseDockerfile(TEXT, { file: 'web/Dockerfile' }), { file: 'web/Dockerfile', buildArgs, namedContexts: [] });

// What buildx 0.13 on engine 20.10 reports when the base image is missing and cannot be pulled (measured here).
const failure = () =>
  new BuildFailedError(
    'web: load metadata for docker.io/library/node:22-alpine failed: failed to do request: Head "https://registry-1.docker.io/v2/library/node/manifests/22-alpine": dial tcp: lookup registry-1.docker.io: no such host',
    {
      service: 'web',
      instruction: 'load metadata for docker.io/library/node:22-alpine',
      file: 'web/Dockerfile',
      logTail: [
        'ERROR: failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to do request',
      ],
      hint: 'fix the failing step',
    },
  );

describe('explainUnfetchableBase', () => {
  test('a base image that cannot be fetched points at the FROM that names it (after ARG expansion) and says what to check', () => {
    const explained = explainUnfetchableBase(failure(), graph());
    expect(explained.location).toEqual({ file: 'web/Dockerfile', line: 2 });
    expect(explained.instruction).toBe('FROM ${NODE_IMAGE} AS base');
    expect(explained.hint).toBe(
      'the engine has no image docker.io/library/node:22-alpine and could not fetch it: check the name and tag at line 2 (and any build arg that sets it), the network, or `docker login` for a private registry',
    );
    expect(explained.message).toBe(failure().message);
  });

  test('when a build arg names another image, no FROM matches: the hint still says what to check, without a line', () => {
    const explained = explainUnfetchableBase(failure(), graph({ NODE_IMAGE: 'dockstage-base/node:20' }));
    expect(explained.location).toEqual({ file: 'web/Dockerfile' });
    expect(explained.hint).toMatch(
      /^the engine has no image docker\.io\/library\/node:22-alpine and could not fetch it: check the name and tag \(and any build arg/,
    );
  });

  test('any other failure is left as it is', () => {
    const other = new BuildFailedError('web: RUN npm test failed: exit code 1', { service: 'web', file: 'web/Dockerfile', line: 6 });
    expect(explainUnfetchableBase(other, graph())).toBe(other);
    expect(unfetchedImage('pull access denied for nosuch, repository does not exist')).toBe('nosuch');
    expect(unfetchedImage('exit code: 1')).toBeUndefined();
  });
});
