import { describe, expect, test } from 'vitest';
import { reportError } from '../../../src/cli/output/report.js';
import { DockstageError } from '../../../src/core/errors.js';

function capture(error: unknown, debug?: boolean): { code: number; stderr: string } {
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } };
  return { code: reportError(io, error, debug), stderr };
}

describe('reportError', () => {
  test('an unexpected failure is one line and a hint, never a stack trace', () => {
    const { code, stderr } = capture(new TypeError("Cannot read properties of undefined (reading 'map')"));
    expect(code).toBe(1);
    expect(stderr).toBe(
      "error: unexpected failure: TypeError: Cannot read properties of undefined (reading 'map')\n  hint: this is a bug in dockstage; run again with DOCKSTAGE_DEBUG=1 for the stack trace, and report it\n",
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test('a multi-line message keeps its first line only', () => {
    expect(capture(new Error('(HTTP code 500) server error - first\nsecond\nthird')).stderr).toMatch(
      /^error: unexpected failure: \(HTTP code 500\) server error - first\n {2}hint: /,
    );
  });

  test('with debug on, the stack trace is printed', () => {
    const { stderr } = capture(new TypeError('boom'), true);
    expect(stderr).toMatch(/^error: unexpected failure: TypeError: boom\n\s+at /);
  });

  test('a DockstageError prints as always, with its exit code', () => {
    expect(capture(new DockstageError('no service x', { hint: 'services: web' }))).toEqual({
      code: 2,
      stderr: 'error: no service x\n  hint: services: web\n',
    });
  });
});
