import { describe, expect, test } from 'vitest';
import { watchError } from '../../../src/adapters/file-watching/watch-error.js';

describe('watchError', () => {
  test('permission errors name the path and say how to fix or skip it', () => {
    const error = watchError('/p/web/secret', 'EACCES');
    expect(error).toEqual({
      path: '/p/web/secret',
      code: 'EACCES',
      message: expect.stringContaining('/p/web/secret: permission denied') as unknown,
    });
    expect(error.message).toContain('.dockerignore');
  });

  test('running out of inotify watches says which limit to raise', () => {
    expect(watchError('/p/web', 'ENOSPC').message).toContain('fs.inotify.max_user_watches');
  });

  test('an unknown error keeps the system detail, and a missing code becomes UNKNOWN', () => {
    expect(watchError('/p/web', undefined, 'boom')).toEqual({ path: '/p/web', code: 'UNKNOWN', message: 'cannot watch /p/web: boom' });
  });
});
