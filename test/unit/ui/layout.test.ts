/** Sharing the terminal's rows and the table's columns. */
import { describe, expect, test } from 'vitest';
import { layout } from '../../../src/ui/layout.js';
import { fit, fitColumns } from '../../../src/ui/table.js';

describe('layout', () => {
  const content = { services: 4, selectedIndex: 0, buildLines: 5, headerLines: 1, detail: false };

  test('80×24 with four services: every service, the whole build pane, ten log lines', () => {
    expect(layout({ columns: 80, rows: 24 }, content)).toEqual({
      tooSmall: false,
      headerRows: 1,
      serviceRows: 4,
      serviceOffset: 0,
      buildRows: 5,
      logRows: 10,
    });
  });

  test('a taller terminal gives the room to the logs', () => {
    expect(layout({ columns: 120, rows: 50 }, content).logRows).toBe(36);
  });

  test('many services scroll so the selection stays in view', () => {
    const many = layout({ columns: 80, rows: 24 }, { ...content, services: 30, selectedIndex: 20 });
    expect(many.serviceRows).toBe(6);
    expect(many.serviceOffset).toBe(15);
  });

  test('detail gives the build pane all but three log lines', () => {
    expect(layout({ columns: 80, rows: 24 }, { ...content, buildLines: 40, detail: true })).toMatchObject({ buildRows: 12, logRows: 3 });
  });

  test('below 80×24 is too small', () => {
    expect(layout({ columns: 79, rows: 24 }, content).tooSmall).toBe(true);
    expect(layout({ columns: 80, rows: 23 }, content).tooSmall).toBe(true);
  });
});

describe('fitColumns', () => {
  const specs = [
    { min: 4, max: 10, drop: 0 },
    { min: 5, max: 30, drop: 0 },
    { min: 3, max: 8, drop: 3 },
    { min: 3, max: 5, drop: 6 },
  ];

  test('everything at content width when it fits', () => {
    expect(fitColumns(specs, [6, 20, 7, 4], 60)).toEqual([6, 20, 7, 4]);
  });

  test('extras go first, then the widest is cut, then other droppable columns go', () => {
    expect(fitColumns(specs, [6, 20, 7, 4], 39)).toEqual([6, 20, 7, 0]);
    expect(fitColumns(specs, [6, 20, 7, 4], 30)).toEqual([6, 13, 7, 0]);
    expect(fitColumns(specs, [6, 20, 7, 4], 15)).toEqual([6, 7, 0, 0]);
  });

  test('an empty droppable column takes no room', () => {
    expect(fitColumns(specs, [6, 20, 0, 4], 60)).toEqual([6, 20, 0, 4]);
  });

  test('fit pads or cuts to the width', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abcdef', 4)).toBe('abc…');
  });
});
