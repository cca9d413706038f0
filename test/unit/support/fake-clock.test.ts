import { describe, expect, test } from 'vitest';
import { FakeClock } from '../../support/fake-clock.js';

describe('FakeClock', () => {
  test('fires due timers in order of due time, each at its own time', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.advance(25);
    expect(fired).toEqual(['a@1010', 'b@1020']);
    expect(clock.now()).toBe(1025);
    expect(clock.pending()).toBe(1);
  });

  test('timers due at the same time fire in the order they were scheduled', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    for (const n of [1, 2, 3]) clock.setTimeout(() => fired.push(n), 5);
    clock.advance(5);
    expect(fired).toEqual([1, 2, 3]);
  });

  test('a timer scheduled by a fired timer fires in the same advance when it falls due', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
      clock.setTimeout(() => fired.push(clock.now()), 100);
    }, 10);
    clock.advance(50);
    expect(fired).toEqual([10, 20]);
    expect(clock.pending()).toBe(1);
  });

  test('a cleared timer never fires', () => {
    const clock = new FakeClock();
    let fired = false;
    const id = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(id);
    clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  test('a zero delay fires on advance(0), not synchronously', () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimeout(() => (fired = true), 0);
    expect(fired).toBe(false);
    clock.advance(0);
    expect(fired).toBe(true);
  });
});
