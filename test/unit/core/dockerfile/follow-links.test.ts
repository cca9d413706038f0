import { describe, expect, test } from 'vitest';
import { withContextLinks } from '../../../../src/core/context-links.js';
import {
  linkLookup,
  linksToLook,
  NO_LINKS,
  sourcesThroughLinks,
  touchesLinks,
  type ContextLinks,
} from '../../../../src/core/dockerfile/follow-links.js';
import { linksPassedThrough } from '../../../../src/core/dockerfile/stage-inputs.js';
import { dockerfile, project } from '../../../support/builders.js';

/** A context's links as the engine would have found them, every path of `looked` looked at. */
function known(links: Record<string, string>, looked: string[] = [], listed: string[] = []): ContextLinks {
  return { links: new Map(Object.entries(links)), looked: new Set([...Object.keys(links), ...looked]), listed: new Set(listed) };
}

const through = (source: string, links: Record<string, string>) => sourcesThroughLinks(source, linkLookup(known(links)));

describe('sourcesThroughLinks', () => {
  test('a source that is a link reads the link and what it points to', () => {
    expect(through('link.txt', { 'link.txt': 'data/real.txt' })).toEqual(['data/real.txt', 'link.txt']);
  });

  test('a link on the way to a source leads to the same path below its target', () => {
    expect(through('lnk/real.txt', { lnk: 'data' })).toEqual(['data/real.txt', 'lnk']);
  });

  test('chains are followed, and targets never leave the context (`..` from the root, absolute targets)', () => {
    expect(through('l1', { l1: 'l2', l2: 'data/real.txt' })).toEqual(['data/real.txt', 'l1', 'l2']);
    expect(through('l', { l: '../../data/real.txt' })).toEqual(['data/real.txt', 'l']);
    expect(through('sub/l', { 'sub/l': '/data/real.txt' })).toEqual(['data/real.txt', 'sub/l']);
  });

  test('a wildcard follows the links it names, and keeps its pattern', () => {
    expect(through('*.txt', { 'a.txt': 'data/real.txt', 'b.md': 'data/other' })).toEqual(['*.txt', 'data/real.txt']);
    expect(through('lnk/*.txt', { lnk: 'data' })).toEqual(['data/*.txt', 'lnk']);
  });

  test('no link on the way, or a whole-context source: nothing more is read', () => {
    expect(through('src/app.js', { 'dir/l': 'src' })).toBeUndefined();
    expect(through('.', { l: 'data' })).toBeUndefined();
    expect(through('./src/', {})).toBeUndefined();
  });

  test('a link to the context root reads the whole context; a loop ends', () => {
    expect(through('l', { l: '.' })).toEqual(['.']);
    expect(through('a/x', { a: 'b', b: 'a' })).toEqual(['a', 'b']);
  });
});

describe('linksToLook', () => {
  test('asks for each element of a source, then for what a found link leads to', () => {
    expect(linksToLook(['lnk/real.txt', 'package.json'], NO_LINKS)).toEqual({ paths: ['lnk', 'lnk/real.txt', 'package.json'], dirs: [] });
    const first = known({ lnk: 'data' }, ['lnk/real.txt', 'package.json']);
    expect(linksToLook(['lnk/real.txt', 'package.json'], first)).toEqual({ paths: ['data', 'data/real.txt'], dirs: [] });
    expect(
      linksToLook(['lnk/real.txt', 'package.json'], known({ lnk: 'data' }, ['lnk/real.txt', 'package.json', 'data', 'data/real.txt'])),
    ).toEqual({ paths: [], dirs: [] });
  });

  test('a wildcard element lists its directory', () => {
    expect(linksToLook(['src/*.js'], NO_LINKS)).toEqual({ paths: ['src'], dirs: ['src'] });
  });
});

describe('touchesLinks', () => {
  test('a path looked at, or an entry of a listed directory, may change how sources resolve', () => {
    const links = known({ 'link.txt': 'data/real.txt' }, ['data', 'data/real.txt'], ['src']);
    expect(touchesLinks(links, 'link.txt')).toBe(true);
    expect(touchesLinks(links, 'data/real.txt')).toBe(true);
    expect(touchesLinks(links, 'src/new.js')).toBe(true);
    expect(touchesLinks(links, 'src/sub/new.js')).toBe(false);
    expect(touchesLinks(links, 'other.txt')).toBe(false);
  });
});

describe('linksPassedThrough', () => {
  const build = (text: string, links: Record<string, string>) => {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .file('/p/app/Dockerfile', text)
      .workspace('dev');
    return withContextLinks(workspace, new Map([['/p/app', known(links)]])).services[0]!.build!;
  };

  test('a link the copy follows is passed through (its target is what lands in the image)', () => {
    const linked = build(dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY lnk/*.txt /y/'), {
      'link.txt': 'data/real.txt',
      lnk: 'data',
    });
    expect([...linksPassedThrough(linked.inputs, '.', linked.links['.'])].sort()).toEqual(['link.txt', 'lnk']);
  });

  test('a link another COPY copies as a link is not', () => {
    const linked = build(dockerfile('FROM busybox', 'COPY link.txt /x', 'COPY . /all/'), { 'link.txt': 'data/real.txt' });
    expect([...linksPassedThrough(linked.inputs, '.', linked.links['.'])]).toEqual([]);
  });
});
