import { describe, expect, test } from 'vitest';
import { describeError, errorLines } from '../../../src/core/error-description.js';
import { BuildFailedError, ConfigError, DockstageError } from '../../../src/core/errors.js';

const failed = new BuildFailedError('web: RUN npm test failed', {
  service: 'web',
  stage: 'test',
  instruction: 'RUN npm test',
  file: 'web/Dockerfile',
  line: 12,
  logTail: ['1 failing', 'expected 2 to be 3'],
});

describe('describeError: one JSON shape for every error', () => {
  test('a failed build carries its service, stage, instruction, place, output and hint', () => {
    expect(describeError(failed)).toEqual({
      message: 'web: RUN npm test failed',
      file: 'web/Dockerfile',
      line: 12,
      path: null,
      hint: 'fix the failing step',
      service: 'web',
      stage: 'test',
      instruction: 'RUN npm test',
      logTail: ['1 failing', 'expected 2 to be 3'],
    });
  });

  test('any other error has the same keys, null where they do not apply', () => {
    const config = new ConfigError('unknown key', {
      location: { file: 'compose.yaml', path: 'x-dockstage.envs' },
      hint: 'did you mean environments?',
    });
    expect(Object.keys(describeError(config)).sort()).toEqual(Object.keys(describeError(failed)).sort());
    expect(describeError(config)).toMatchObject({ file: 'compose.yaml', line: null, path: 'x-dockstage.envs', service: null, logTail: [] });
  });
});

describe('errorLines: the human form', () => {
  test('below: the place on its own line, then the output, then the hint', () => {
    expect(errorLines(failed, { headline: 'build of web failed at test: RUN npm test' })).toEqual([
      'error: build of web failed at test: RUN npm test',
      '  --> web/Dockerfile:12',
      '  │ 1 failing',
      '  │ expected 2 to be 3',
      '  hint: fix the failing step',
    ]);
  });

  test('inline: the place after the message, as the watch log says it', () => {
    expect(errorLines(failed, { label: 'web: build FAILED: ', location: 'inline', tail: false })).toEqual([
      'web: build FAILED: web: RUN npm test failed (web/Dockerfile:12)',
      '  hint: fix the failing step',
    ]);
  });

  test('no place and no hint: one line; a default hint fills in', () => {
    const plain = new DockstageError('the engine went away\nsecond line');
    expect(errorLines(plain, { label: '✗ ', firstLineOnly: true })).toEqual(['✗ the engine went away']);
    expect(errorLines(describeError(plain), { defaultHint: 'try again' })).toEqual([
      'error: the engine went away\nsecond line',
      '  hint: try again',
    ]);
  });
});
