import { describe, expect, test } from 'vitest';
import { findYamlSyntaxError, lineOfPath } from '../../../../src/core/compose/locate.js';

const COMPOSE = [
  'services:',
  '  web:',
  '    build:',
  '      context: ./web',
  '      target: develp',
  'x-dockstage:',
  '  environments:',
  '    dev:',
  '      target: develop',
  '',
].join('\n');

describe('lineOfPath', () => {
  test('finds the line of a nested key', () => {
    expect(lineOfPath(COMPOSE, 'services.web.build.target')).toBe(5);
    expect(lineOfPath(COMPOSE, 'x-dockstage.environments.dev.target')).toBe(9);
  });

  test('falls back to the deepest existing parent', () => {
    expect(lineOfPath(COMPOSE, 'x-dockstage.environments.prod.target')).toBe(7);
  });

  test('is undefined when the first key is absent', () => {
    expect(lineOfPath(COMPOSE, 'volumes.data')).toBeUndefined();
  });
});

describe('findYamlSyntaxError', () => {
  test('reports the line of a syntax error', () => {
    const problem = findYamlSyntaxError('services:\n  a:\n   image: x\n  b: [\n');
    expect(problem?.line).toBeGreaterThanOrEqual(4);
    expect(problem?.message).toMatch(/./);
  });

  test('is undefined for valid YAML', () => {
    expect(findYamlSyntaxError(COMPOSE)).toBeUndefined();
  });
});
