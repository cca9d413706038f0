/** The TUI's scrollback: bounded rings per service and source, clean text, one order across services. */
import { describe, expect, test } from 'vitest';
import { cleanLogText, LogBuffer } from '../../../src/engine/log-buffer.js';

describe('LogBuffer', () => {
  test('keeps the newest lines per service, and the newest lines of all services together, up to the limit', () => {
    const buffer = new LogBuffer({ linesPerService: 3 });
    for (let i = 1; i <= 5; i++) buffer.append('web', 'app', 'stdout', `web ${i}`, i);
    buffer.append('api', 'app', 'stdout', 'api 1', 6);
    expect(buffer.lines('app', 'web').map((l) => l.text)).toEqual(['web 3', 'web 4', 'web 5']);
    expect(buffer.lines('app', 'api').map((l) => l.text)).toEqual(['api 1']);
    expect(buffer.lines('app').map((l) => l.text)).toEqual(['web 4', 'web 5', 'api 1']);
  });

  test('build output and app output are kept apart', () => {
    const buffer = new LogBuffer();
    buffer.append('web', 'build', 'stdout', '[develop 1/2] COPY src/ ./src/', 1);
    buffer.append('web', 'app', 'stdout', 'listening', 2);
    expect(buffer.lines('build', 'web').map((l) => l.text)).toEqual(['[develop 1/2] COPY src/ ./src/']);
    expect(buffer.lines('app', 'web').map((l) => l.text)).toEqual(['listening']);
    expect(buffer.lines('app', 'worker')).toEqual([]);
  });

  test('sequence numbers order lines across services and the version moves with every line', () => {
    const buffer = new LogBuffer();
    buffer.append('web', 'app', 'stdout', 'a', 1);
    buffer.append('api', 'app', 'stderr', 'b', 1);
    expect(buffer.lines('app').map((l) => [l.seq, l.service, l.stream])).toEqual([
      [1, 'web', 'stdout'],
      [2, 'api', 'stderr'],
    ]);
    expect(buffer.version).toBe(2);
  });

  test('listeners hear each line until they unsubscribe', () => {
    const buffer = new LogBuffer();
    let heard = 0;
    const off = buffer.subscribe(() => heard++);
    buffer.append('web', 'app', 'stdout', 'a', 1);
    off();
    buffer.append('web', 'app', 'stdout', 'b', 2);
    expect(heard).toBe(1);
  });

  test('200,000 lines into one service leave exactly the limit retained', () => {
    const buffer = new LogBuffer({ linesPerService: 5_000 });
    for (let i = 0; i < 200_000; i++) buffer.append('web', 'app', 'stdout', `GET /items/${i} 200 1ms`, i);
    expect(buffer.retained()).toBe(10_000);
    expect(buffer.lines('app', 'web')[0]?.text).toBe('GET /items/195000 200 1ms');
  });
});

describe('cleanLogText', () => {
  test('drops colour codes, cursor moves and control characters; tabs become spaces; long lines are cut', () => {
    expect(cleanLogText('\u001b[32mok\u001b[0m \u001b]0;title\u0007done\r', 100)).toBe('ok done');
    expect(cleanLogText('a\tb\u0008c', 100)).toBe('a    bc');
    expect(cleanLogText('x'.repeat(40), 20)).toBe(`${'x'.repeat(19)}…`);
  });
});
