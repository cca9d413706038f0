import { describe, expect, test } from 'vitest';
import { baseImages, closureText, inputsHash } from '../../../src/core/inputs-hash.js';
import { dockerfile, project } from '../../support/builders.js';

const TEXT = dockerfile(
  'ARG BASE=busybox',
  'FROM ${BASE} AS base',
  'COPY a.txt /a',
  'FROM base AS develop',
  'RUN echo develop',
  'FROM base AS production',
  'RUN echo production',
);

function build(text: string, args: Record<string, string> = {}, env = 'dev') {
  return project('p', '/p')
    .service('app', { build: { context: '/p', args } })
    .file('/p/Dockerfile', text)
    .workspace(env).services[0]!.build!;
}

const FILES = [{ path: '.:a.txt', digest: 'aaa' }];

describe('inputsHash', () => {
  test('is stable for the same inputs, whatever the order of files', () => {
    const files = [
      { path: '.:b', digest: '2' },
      { path: '.:a', digest: '1' },
    ];
    expect(inputsHash(build(TEXT), files)).toBe(inputsHash(build(TEXT), [...files].reverse()));
  });

  test('changes with a file digest, a build arg or the target', () => {
    const base = inputsHash(build(TEXT), FILES);
    expect(inputsHash(build(TEXT), [{ path: '.:a.txt', digest: 'bbb' }])).not.toBe(base);
    expect(inputsHash(build(TEXT, { BASE: 'alpine' }), FILES)).not.toBe(base);
    expect(inputsHash(build(TEXT, {}, 'prod'), FILES)).not.toBe(base);
  });

  test('a new local ID of a base image makes the image stale', () => {
    const before = inputsHash(build(TEXT), FILES, { busybox: 'sha256:1' });
    expect(inputsHash(build(TEXT), FILES, { busybox: 'sha256:1' })).toBe(before);
    expect(inputsHash(build(TEXT), FILES, { busybox: 'sha256:2' })).not.toBe(before);
    expect(baseImages(build(TEXT))).toEqual(['busybox']);
  });

  test('ignores edits to stages outside the target closure', () => {
    const edited = TEXT.replace('RUN echo production', 'RUN echo production v2');
    expect(inputsHash(build(edited), FILES)).toBe(inputsHash(build(TEXT), FILES));
    expect(inputsHash(build(edited, {}, 'prod'), FILES)).not.toBe(inputsHash(build(TEXT, {}, 'prod'), FILES));
  });

  test('the closure text holds global ARGs and closure stages only', () => {
    expect(closureText(build(TEXT))).toBe(
      ['ARG BASE=busybox', 'FROM ${BASE} AS base', 'COPY a.txt /a', 'FROM base AS develop', 'RUN echo develop'].join('\n'),
    );
  });
});
