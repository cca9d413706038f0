import { describe, expect, test } from 'vitest';
import { BuildFailedError, withContainerKept } from '../../../src/core/errors.js';

describe('BuildFailedError', () => {
  test('the hint mentions a running container only when one was left as it was', () => {
    const first = new BuildFailedError('web: RUN make failed', { service: 'web', file: 'Dockerfile', line: 3 });
    expect(first.hint).toBe('fix the failing step');
    expect(first.hint).not.toContain('container');
    const kept = withContainerKept(first);
    expect(kept.hint).toBe('fix the failing step; the running container was left as it was');
    expect([kept.message, kept.location, kept.service, kept.exitCode]).toEqual([
      'web: RUN make failed',
      { file: 'Dockerfile', line: 3 },
      'web',
      1,
    ]);
  });

  test('a specific hint stays, and the container note is added after it', () => {
    const error = new BuildFailedError('push refused', { hint: "run 'docker login'", containerKept: true });
    expect(error.hint).toBe("run 'docker login'; the running container was left as it was");
    expect(withContainerKept(error).hint).toBe(error.hint);
  });
});
