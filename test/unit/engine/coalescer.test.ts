import { describe, expect, test } from 'vitest';
import { createCoalescer } from '../../../src/engine/coalescer.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A coalescer on a fake clock that records each batch with the time it was emitted. */
function setup(options: { quietMs?: number; maxMs?: number; quickQuietMs?: number; isQuick?: (path: string) => boolean } = {}) {
  const clock = new FakeClock();
  const batches: Array<{ at: number; paths: string[] }> = [];
  const coalescer = createCoalescer({ clock, ...options, onBatch: (paths) => batches.push({ at: clock.now(), paths }) });
  return { clock, batches, coalescer };
}

describe('createCoalescer', () => {
  test('a single edit becomes one batch 100 ms later', () => {
    const { clock, batches, coalescer } = setup();
    coalescer.add('/p/web/src/app.js');
    clock.advance(99);
    expect(batches).toEqual([]);
    expect(coalescer.pendingCount()).toBe(1);
    clock.advance(1);
    expect(batches).toEqual([{ at: 100, paths: ['/p/web/src/app.js'] }]);
    expect(coalescer.pendingCount()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  test('each new path restarts the quiet time; the batch is deduplicated and byte-sorted', () => {
    const { clock, batches, coalescer } = setup();
    coalescer.add('/p/b');
    clock.advance(60);
    coalescer.add('/p/a');
    clock.advance(60);
    coalescer.add('/p/b');
    coalescer.add('/p/B');
    clock.advance(99);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([{ at: 220, paths: ['/p/B', '/p/a', '/p/b'] }]);
  });

  test('a steady stream every 50 ms for 5 s is cut into a batch every 2 s', () => {
    const { clock, batches, coalescer } = setup();
    for (let t = 0; t <= 5000; t += 50) {
      coalescer.add(`/p/file-${t}`);
      clock.advance(50);
    }
    clock.advance(1000);
    // The cap closes the batches opened at 0 and 2000 (the path added at 2000 arrives just after the cap fired);
    // quiet time closes the last one, 100 ms after the final path at 5000.
    expect(batches.map((b) => b.at)).toEqual([2000, 4000, 5100]);
    expect(batches.map((b) => b.paths.length)).toEqual([40, 40, 21]);
    expect(batches.flatMap((b) => b.paths)).toHaveLength(101);
  });

  test('a repeated save of one file every 50 ms is still capped at 2 s', () => {
    const { clock, batches, coalescer } = setup();
    for (let t = 0; t < 5000; t += 50) {
      coalescer.add('/p/app.js');
      clock.advance(50);
    }
    expect(batches).toEqual([
      { at: 2000, paths: ['/p/app.js'] },
      { at: 4000, paths: ['/p/app.js'] },
    ]);
  });

  test('5,000 paths in one burst become exactly one batch of 5,000 unique paths, with one timer', () => {
    const { clock, batches, coalescer } = setup();
    for (let i = 0; i < 5000; i++) coalescer.add(`/p/gen/${String(i).padStart(4, '0')}.ts`);
    for (let i = 0; i < 5000; i++) coalescer.add(`/p/gen/${String(i).padStart(4, '0')}.ts`);
    expect(clock.pending()).toBe(1);
    clock.advance(10_000);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.at).toBe(500);
    expect(new Set(batches[0]!.paths).size).toBe(5000);
    expect(batches[0]!.paths[0]).toBe('/p/gen/0000.ts');
    expect(batches[0]!.paths[4999]).toBe('/p/gen/4999.ts');
  });

  test('a storm delivered in chunks with gaps longer than the quiet window is still one batch', () => {
    const { clock, batches, coalescer } = setup();
    // 2,000 files arriving over 2.5 s in chunks of 100 with 150 ms gaps: a checkout on a busy machine.
    for (let chunk = 0; chunk < 20; chunk++) {
      for (let i = 0; i < 100; i++) coalescer.add(`/p/gen/${chunk}-${i}.ts`);
      clock.advance(150);
    }
    expect(batches).toEqual([]);
    clock.advance(499 - 150);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.paths).toHaveLength(2_000);
  });

  test('a storm that never stops is still served, at ten times max_ms', () => {
    const { clock, batches, coalescer } = setup();
    for (let t = 0; t < 25_000; t += 100) {
      for (let i = 0; i < 100; i++) coalescer.add(`/p/gen/${t}-${i}.ts`);
      clock.advance(100);
    }
    expect(batches.map((b) => b.at)).toEqual([20_000]);
  });

  test('flush emits the open batch at once and cancels its timer', () => {
    const { clock, batches, coalescer } = setup();
    coalescer.add('/p/a');
    clock.advance(10);
    coalescer.flush();
    expect(batches).toEqual([{ at: 10, paths: ['/p/a'] }]);
    expect(clock.pending()).toBe(0);
    coalescer.flush();
    expect(batches).toHaveLength(1);
  });

  test('dispose drops the open batch, cancels its timer and ignores later paths', () => {
    const { clock, batches, coalescer } = setup();
    coalescer.add('/p/a');
    coalescer.dispose();
    expect(clock.pending()).toBe(0);
    coalescer.add('/p/b');
    coalescer.flush();
    clock.advance(10_000);
    expect(batches).toEqual([]);
    expect(coalescer.pendingCount()).toBe(0);
  });

  test('quietMs and maxMs are configurable (x-dockstage watch: quiet_ms, max_ms)', () => {
    const { clock, batches, coalescer } = setup({ quietMs: 30, maxMs: 70 });
    for (let t = 0; t < 200; t += 20) {
      coalescer.add(`/p/${t}`);
      clock.advance(20);
    }
    clock.advance(100);
    expect(batches.map((b) => b.at)).toEqual([70, 150, 210]);
  });

  test('a batch handler that adds a path opens a new batch', () => {
    const clock = new FakeClock();
    const batches: string[][] = [];
    const coalescer = createCoalescer({
      clock,
      onBatch: (paths) => {
        batches.push(paths);
        if (batches.length === 1) coalescer.add('/p/written-by-handler');
      },
    });
    coalescer.add('/p/a');
    clock.advance(100);
    clock.advance(100);
    expect(batches).toEqual([['/p/a'], ['/p/written-by-handler']]);
  });

  describe('the sync lane (quickQuietMs for paths live sync may take)', () => {
    const synced = (path: string) => path.startsWith('/p/live/');

    test('a batch of quick paths closes after the short quiet time', () => {
      const { clock, batches, coalescer } = setup({ quickQuietMs: 20, isQuick: synced });
      coalescer.add('/p/live/src/a.js');
      clock.advance(10);
      coalescer.add('/p/live/src/b.js');
      clock.advance(19);
      expect(batches).toEqual([]);
      clock.advance(1);
      expect(batches).toEqual([{ at: 30, paths: ['/p/live/src/a.js', '/p/live/src/b.js'] }]);
    });

    test('one path live sync cannot take makes the whole batch wait the full quiet time', () => {
      const { clock, batches, coalescer } = setup({ quickQuietMs: 20, isQuick: synced });
      coalescer.add('/p/live/src/a.js');
      clock.advance(10);
      coalescer.add('/p/api/src/a.js');
      clock.advance(20);
      expect(batches).toEqual([]);
      clock.advance(80);
      expect(batches).toEqual([{ at: 110, paths: ['/p/api/src/a.js', '/p/live/src/a.js'] }]);
      // The next batch starts quick again.
      coalescer.add('/p/live/src/c.js');
      clock.advance(20);
      expect(batches.at(-1)).toEqual({ at: 130, paths: ['/p/live/src/c.js'] });
    });

    test('a storm of quick paths is still a storm', () => {
      const { clock, batches, coalescer } = setup({ quickQuietMs: 20, isQuick: synced });
      for (let i = 0; i < 150; i++) coalescer.add(`/p/live/src/${i}.js`);
      clock.advance(100);
      expect(batches).toEqual([]);
      clock.advance(400);
      expect(batches.map((b) => [b.at, b.paths.length])).toEqual([[500, 150]]);
    });

    test('the predicate is asked once per new path, not per repeated event', () => {
      let asked = 0;
      const { clock, coalescer } = setup({ quickQuietMs: 20, isQuick: (path) => (asked++, synced(path)) });
      for (let i = 0; i < 5; i++) coalescer.add('/p/live/src/a.js');
      coalescer.add('/p/live/src/b.js');
      clock.advance(20);
      expect(asked).toBe(2);
    });
  });

  describe('paths that come and go within a batch', () => {
    test('a temp file created, written and renamed away (sed -i) is not in the batch; the file it replaced is', () => {
      const { clock, batches, coalescer } = setup();
      coalescer.add('/p/src/sed5zFyBe', 'add');
      coalescer.add('/p/src/sed5zFyBe', 'change');
      coalescer.add('/p/src/sed5zFyBe', 'unlink');
      coalescer.add('/p/src/app.js', 'change');
      clock.advance(100);
      expect(batches).toEqual([{ at: 100, paths: ['/p/src/app.js'] }]);
    });

    test('a file that existed before and is removed, or is created and stays, or comes back, is a change', () => {
      const { clock, batches, coalescer } = setup();
      coalescer.add('/p/removed', 'unlink');
      coalescer.add('/p/created', 'add');
      coalescer.add('/p/replaced', 'unlink');
      coalescer.add('/p/replaced', 'add');
      coalescer.add('/p/again', 'add');
      coalescer.add('/p/again', 'unlink');
      coalescer.add('/p/again', 'add');
      clock.advance(100);
      expect(batches).toEqual([{ at: 100, paths: ['/p/again', '/p/created', '/p/removed', '/p/replaced'] }]);
    });

    test('a directory made and removed with its files inside one batch leaves nothing; a batch of only such paths is not emitted', () => {
      const { clock, batches, coalescer } = setup();
      coalescer.add('/p/tmp', 'addDir');
      coalescer.add('/p/tmp/x', 'add');
      coalescer.add('/p/tmp/x', 'unlink');
      coalescer.add('/p/tmp', 'unlinkDir');
      clock.advance(100);
      expect(batches).toEqual([]);
      expect(coalescer.pendingCount()).toBe(0);
      expect(clock.pending()).toBe(0);
    });

    test('a temp file that outlives its batch is reported, and its removal in the next batch too', () => {
      const { clock, batches, coalescer } = setup();
      coalescer.add('/p/src/.tmp123', 'add');
      clock.advance(100);
      coalescer.add('/p/src/.tmp123', 'unlink');
      clock.advance(100);
      expect(batches).toEqual([
        { at: 100, paths: ['/p/src/.tmp123'] },
        { at: 200, paths: ['/p/src/.tmp123'] },
      ]);
    });
  });
});
