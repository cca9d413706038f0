/**
 * The upstream conformance data (BuildKit's parser test files, the
 * patternmatcher, fsutil and BuildKit `.dockerignore` cases) is not in this
 * repository: it sits beside it, in `../shared/conformance`. Every suite that
 * reads it goes through `describeWithConformance`, so a clone without that
 * directory skips them with one line saying what is missing, and CI (where the
 * directory must be there) fails them instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'vitest';
import { inCi } from './ci.js';
import { REPO_ROOT } from './cli.js';

/** `../shared/conformance`, beside the repository. */
export const CONFORMANCE_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'conformance');

/** True when the conformance data is there to read. */
export const conformancePresent = existsSync(CONFORMANCE_DIR);

/** The one line a run without the data prints (and the failure CI gets). */
export function conformanceMissing(dir: string = CONFORMANCE_DIR): string {
  return `conformance data not found at ${dir} (it sits beside the repository, in ../shared/conformance): the suites that read it skip; with CI set they fail`;
}

/**
 * `describe` for a suite that reads the conformance data. With the data: `describe(name, body)`. Without it, `body` is
 * never called (it may read the data while tests are collected): in CI the suite is one failing test naming the
 * missing directory; elsewhere it is skipped, and the first such suite of a test file prints `conformanceMissing()`.
 */
export function conformanceSuites(
  options: { present?: boolean; ci?: boolean; dir?: string; warn?: (line: string) => void } = {},
): (name: string, body: () => void) => void {
  const { present = conformancePresent, ci = inCi(), dir = CONFORMANCE_DIR, warn = (line: string) => console.warn(line) } = options;
  let warned = false;
  return (name, body) => {
    if (present) return describe(name, body);
    if (ci) {
      return describe(name, () => {
        test('has its conformance data', () => {
          throw new Error(conformanceMissing(dir));
        });
      });
    }
    if (!warned) warn(conformanceMissing(dir));
    warned = true;
    describe.skip(`${name} (no conformance data at ${dir})`, () => {
      test('has its conformance data', () => undefined);
    });
  };
}
