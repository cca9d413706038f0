/** logView: the lines in the pane for a scroll position, cut to width, with search matches as segments. */
import { describe, expect, test } from 'vitest';
import type { LogEntry } from '../../../src/engine/log-buffer.js';
import { logView, segmentsOf } from '../../../src/ui/log-view.js';

function entries(texts: string[]): LogEntry[] {
  return texts.map((text, i) => ({ seq: i + 1, service: 'web', source: 'app', stream: 'stdout', text, time: i }));
}

const TEN = entries(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
const base = { query: '', filterOnly: false, anchor: undefined, current: undefined, height: 3, width: 40 };
const texts = (view: ReturnType<typeof logView>) => view.lines.map((l) => l.segments.map((s) => s.text).join(''));

describe('logView', () => {
  test('following: the newest lines, nothing below', () => {
    const view = logView(TEN, base);
    expect(texts(view)).toEqual(['line 8', 'line 9', 'line 10']);
    expect(view).toMatchObject({ following: true, above: 7, below: 0 });
  });

  test('anchored: the lines ending at the anchor, however many arrive after', () => {
    const view = logView(entries([...Array.from({ length: 20 }, (_, i) => `line ${i + 1}`)]), { ...base, anchor: 5 });
    expect(texts(view)).toEqual(['line 3', 'line 4', 'line 5']);
    expect(view).toMatchObject({ following: false, above: 2, below: 15 });
  });

  test('an anchor that left the buffer shows the oldest lines', () => {
    const kept = TEN.slice(5);
    expect(texts(logView(kept, { ...base, anchor: 2 }))).toEqual(['line 6', 'line 7', 'line 8']);
  });

  test('search: matching lines marked, matches as segments in any case, the current match flagged', () => {
    const lines = entries(['GET /a 200', 'error: boom', 'ERROR again, error twice', 'fine']);
    const view = logView(lines, { ...base, query: 'error', current: 3, height: 4 });
    expect(view.matches).toEqual([2, 3]);
    expect(view.lines.map((l) => [l.hasMatch, l.isCurrent])).toEqual([
      [false, false],
      [true, false],
      [true, true],
      [false, false],
    ]);
    expect(view.lines[2]?.segments).toEqual([
      { text: 'ERROR', match: true },
      { text: ' again, ', match: false },
      { text: 'error', match: true },
      { text: ' twice', match: false },
    ]);
  });

  test('filter: only matching lines, in order', () => {
    const lines = entries(['a1', 'b', 'a2', 'c', 'a3']);
    const view = logView(lines, { ...base, query: 'a', filterOnly: true, height: 5 });
    expect(texts(view)).toEqual(['a1', 'a2', 'a3']);
    expect(view.seqs).toEqual([1, 3, 5]);
  });

  test('long lines are cut to the width with …', () => {
    expect(texts(logView(entries(['x'.repeat(50)]), { ...base, width: 10 }))).toEqual([`${'x'.repeat(9)}…`]);
  });

  test('segmentsOf without a search is the text as one plain piece', () => {
    expect(segmentsOf('abc', '')).toEqual([{ text: 'abc', match: false }]);
    expect(segmentsOf('', '')).toEqual([]);
  });
});
