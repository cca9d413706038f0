/**
 * The suites that read ../shared/conformance (test/support/conformance.ts): a clone without it skips them with one
 * line, never calling their bodies (which read the data while tests are collected).
 */
import { describe, expect, test } from 'vitest';
import { conformanceMissing, conformanceSuites } from '../support/conformance.js';

describe('conformanceSuites', () => {
  const warned: string[] = [];
  const bodies: string[] = [];
  const withoutData = conformanceSuites({
    present: false,
    ci: false,
    dir: '/nowhere/shared/conformance',
    warn: (line) => warned.push(line),
  });
  withoutData('first suite needing the data', () => bodies.push('first'));
  withoutData('second suite needing the data', () => bodies.push('second'));

  const withData = conformanceSuites({ present: true, ci: false, warn: (line) => warned.push(line) });
  withData('a suite with its data', () => {
    bodies.push('with data');
    test('runs', () => expect(bodies).toContain('with data'));
  });

  test('without the data, the suites skip with one line naming the missing directory, and their bodies never run', () => {
    expect(warned).toEqual([conformanceMissing('/nowhere/shared/conformance')]);
    expect(warned[0]).toBe(
      'conformance data not found at /nowhere/shared/conformance (it sits beside the repository, in ../shared/conformance): the suites that read it skip; with CI set they fail',
    );
    expect(bodies).toEqual(['with data']);
  });
});
