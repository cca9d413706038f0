import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { terminalInput } from '../../../src/adapters/terminal/terminal-input.js';

/** A stand-in for process.stdin on a terminal: records raw mode, counts its listeners. */
function fakeStdin() {
  const modes: boolean[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => void modes.push(mode) });
  return { stream: stream as unknown as NodeJS.ReadStream, modes };
}

describe('terminalInput', () => {
  test('where the terminal cannot be opened again (or is not a terminal), process.stdin is used', () => {
    const { stream } = fakeStdin();
    expect(terminalInput(stream, ['/nonexistent/tty', '/dev/null']).open()).toBe(stream);
  });

  test('open gives the stream already open until it is closed', () => {
    const { stream } = fakeStdin();
    const input = terminalInput(stream, []);
    expect(input.open()).toBe(input.open());
  });

  test('closing the fallback turns raw mode off and drops every reader; closing twice does nothing more', () => {
    const { stream, modes } = fakeStdin();
    const input = terminalInput(stream, []);
    input.open().on('readable', () => undefined);
    input.close();
    input.close();
    expect(modes).toEqual([false]);
    expect(stream.listenerCount('readable')).toBe(0);
    expect(stream.listenerCount('data')).toBe(0);
    expect(stream.isPaused()).toBe(true);
  });
});
