/**
 * The TUI's keyboard: a stream of its own on the terminal (a fresh open of
 * `/dev/tty`), not `process.stdin`, so that handing the terminal to a child
 * (`x`, a shell) can close it for good. A closed stream reads nothing: every
 * byte typed stays in the terminal for the child, and nothing typed into the
 * child is waiting for the UI when it comes back. `open` gives a new stream.
 *
 * Why not `process.stdin` and `pause()`: ink reads through 'readable', which
 * leaves the stream not flowing, so `pause()` emits no 'pause' and Node never
 * stops its libuv handle; the handle raced the child for the keys and kept
 * what it won for the UI's next mount (typing `ls src` in the shell stopped
 * web). `process.stdin` is used only where the terminal cannot be opened
 * again (no `/dev/tty`, no `/proc`), and is then closed as well as it can be.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';

/** The terminal's keys, opened for the UI and closed while something else owns the terminal. */
export interface TerminalInput {
  /** A stream of the terminal's keys, the one already open if there is one. */
  open(): NodeJS.ReadStream;
  /** Raw mode off, and nothing in this process reads the terminal until the next `open`. Safe to call twice. */
  close(): void;
}

/** The places the terminal is opened from, in order: the controlling terminal, then whatever fd 0 is (Linux). */
const TERMINAL_PATHS: readonly string[] = ['/dev/tty', '/proc/self/fd/0'];

/** Keys from the terminal that `fallback` (process.stdin) is on. */
export function terminalInput(fallback: NodeJS.ReadStream, paths: readonly string[] = TERMINAL_PATHS): TerminalInput {
  let current: NodeJS.ReadStream | undefined;
  const openOwn = (): NodeJS.ReadStream | undefined => {
    for (const path of paths) {
      try {
        const stream = new ReadStream(openSync(path, 'r'));
        if (stream.isTTY) return stream;
        stream.destroy();
      } catch {
        // Not openable here (no controlling terminal, no /proc): try the next.
      }
    }
    return undefined;
  };
  return {
    open() {
      current ??= openOwn() ?? fallback;
      return current;
    },
    close() {
      const stream = current;
      if (stream === undefined) return;
      current = undefined;
      if (stream.isTTY) stream.setRawMode(false);
      if (stream === fallback) {
        // The best process.stdin allows: listeners gone, and a pause that reaches the handle (it does only from flowing).
        stream.removeAllListeners('readable');
        stream.removeAllListeners('data');
        stream.resume();
        stream.pause();
        return;
      }
      stream.destroy();
    },
  };
}
