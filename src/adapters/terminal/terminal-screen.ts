/**
 * The terminal around the TUI: the alternate screen (so the shell's scrollback
 * is left as it was), the cursor, and raw mode. `leave` restores all three and
 * is safe to call twice; a process exit while the screen is entered (a crash,
 * a signal) restores them too.
 */

/** What the screen works on: a TTY stdout, and the keyboard (closed on leaving: raw mode off, nothing reads). */
export interface ScreenStreams {
  readonly stdout: { write(text: string): unknown };
  readonly input: { close(): void };
}

/** Entering and leaving the full-screen mode. */
export interface TerminalScreen {
  enter(): void;
  /** Back to the normal screen with the cursor shown and raw mode off; the keyboard is closed so a child can own the terminal. */
  leave(): void;
  readonly entered: boolean;
}

const ENTER = '\u001b[?1049h\u001b[2J\u001b[H\u001b[?25l';
const LEAVE = '\u001b[?25h\u001b[?1049l';

/** A screen on the given streams, restoring the terminal on process exit if still entered. */
export function terminalScreen(streams: ScreenStreams, onExit: (listener: () => void) => () => void): TerminalScreen {
  let entered = false;
  let removeExit: (() => void) | undefined;
  const leave = () => {
    if (!entered) return;
    entered = false;
    streams.input.close();
    streams.stdout.write(LEAVE);
    removeExit?.();
    removeExit = undefined;
  };
  return {
    enter() {
      if (entered) return;
      entered = true;
      streams.stdout.write(ENTER);
      removeExit = onExit(leave);
    },
    leave,
    get entered() {
      return entered;
    },
  };
}
