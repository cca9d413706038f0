import { describe, expect, test } from 'vitest';
import { prefetchingCompose } from '../../../src/cli/prefetch.js';
import type { ComposeCli, ComposeTarget } from '../../../src/ports/compose-cli.js';

const target = (files: string[]): ComposeTarget => ({ files, profiles: [], envFiles: [] });

/** A compose whose `config` answers with the call's number and files, or fails for files named `bad`. */
function countingCompose() {
  const calls: string[][] = [];
  const compose: ComposeCli = {
    config: async (t) => {
      calls.push([...t.files]);
      if (t.files.includes('bad')) throw new Error('compose refused bad');
      return { call: calls.length, files: t.files };
    },
    up: async () => undefined,
    down: async () => undefined,
    lifecycle: async () => undefined,
  };
  return { compose, calls };
}

describe('prefetchingCompose', () => {
  test('the first config of the prefetched target takes the running call; the next one runs compose again', async () => {
    const { compose, calls } = countingCompose();
    const prefetching = prefetchingCompose(compose);
    prefetching.prefetchConfig(Promise.resolve(target(['a.yaml'])));
    expect(await prefetching.config(target(['a.yaml']))).toEqual({ call: 1, files: ['a.yaml'] });
    expect(calls).toEqual([['a.yaml']]);
    // A reload (watch) must see the files as they are now
    expect(await prefetching.config(target(['a.yaml']))).toEqual({ call: 2, files: ['a.yaml'] });
  });

  test('another target is not served the prefetched result', async () => {
    const { compose, calls } = countingCompose();
    const prefetching = prefetchingCompose(compose);
    prefetching.prefetchConfig(Promise.resolve(target(['a.yaml'])));
    expect(await prefetching.config({ ...target(['a.yaml']), projectName: 'other' })).toEqual({ call: 2, files: ['a.yaml'] });
    expect(calls).toHaveLength(2);
  });

  test('a target that could not be worked out starts nothing, and config runs compose itself', async () => {
    const { compose, calls } = countingCompose();
    const prefetching = prefetchingCompose(compose);
    prefetching.prefetchConfig(Promise.reject(new Error('no compose file')));
    expect(await prefetching.config(target(['a.yaml']))).toEqual({ call: 1, files: ['a.yaml'] });
    expect(calls).toEqual([['a.yaml']]);
  });

  test('a config that throws instead of rejecting reaches the command as a rejection', async () => {
    const { compose } = countingCompose();
    const throwing: ComposeCli = {
      ...compose,
      config: () => {
        throw new Error('thrown at once');
      },
    };
    const prefetching = prefetchingCompose(throwing);
    prefetching.prefetchConfig(Promise.resolve(target(['a.yaml'])));
    await expect(prefetching.config(target(['a.yaml']))).rejects.toThrow('thrown at once');
  });

  test("compose's refusal of the prefetched call reaches the command that takes it", async () => {
    const { compose, calls } = countingCompose();
    const prefetching = prefetchingCompose(compose);
    prefetching.prefetchConfig(Promise.resolve(target(['bad'])));
    await expect(prefetching.config(target(['bad']))).rejects.toThrow('compose refused bad');
    expect(calls).toHaveLength(1);
  });
});
