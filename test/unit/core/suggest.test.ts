import { describe, expect, test } from 'vitest';
import { closestEnvironment, closestName } from '../../../src/core/suggest.js';

describe('closestName', () => {
  test('one typo, or two in a name of six letters or more; a swap of neighbours is one', () => {
    expect(closestName('plna', ['plan', 'stages'])).toBe('plan');
    expect(closestName('buidlr', ['builder', 'base'])).toBe('builder');
    expect(closestName('logs', ['plan', 'stages', 'status'])).toBeUndefined();
  });
});

describe('closestEnvironment', () => {
  const DEFAULTS = ['ci', 'dev', 'prod'];

  test('the long spelling of an environment the project has under its short name', () => {
    expect(closestEnvironment('production', DEFAULTS)).toBe('prod');
    expect(closestEnvironment('Production', DEFAULTS)).toBe('prod');
    expect(closestEnvironment('development', DEFAULTS)).toBe('dev');
    expect(closestEnvironment('develop', DEFAULTS)).toBe('dev');
  });

  test('and the other way round, and with a typo in the alias', () => {
    expect(closestEnvironment('prod', ['dev', 'production'])).toBe('production');
    expect(closestEnvironment('stage', ['dev', 'prod', 'staging'])).toBe('staging');
    expect(closestEnvironment('prodution', DEFAULTS)).toBe('prod');
  });

  test('a typo of a name the project has comes first', () => {
    expect(closestEnvironment('prdo', DEFAULTS)).toBe('prod');
    expect(closestEnvironment('stagign', ['dev', 'staging'])).toBe('staging');
  });

  test('only names the project has are suggested', () => {
    expect(closestEnvironment('staging', DEFAULTS)).toBeUndefined();
    expect(closestEnvironment('qa', DEFAULTS)).toBeUndefined();
    expect(closestEnvironment('testing', DEFAULTS)).toBeUndefined();
  });
});
