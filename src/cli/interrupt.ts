/**
 * Ctrl-C (SIGINT) and SIGTERM, the same way for every command. The first
 * signal stops the command cleanly: one that runs the engine (`watch`, the
 * TUI, `build`, `up`, `env NAME`) cancels its builds, lets what it started
 * on containers finish, and says in one line what it left running; any other
 * command stops at once and says so. A second Ctrl-C (SIGINT) exits at once;
 * a SIGTERM during the stop changes nothing.
 *
 * Exit codes (docs/errors.md): `watch` and the TUI run until stopped, so a
 * signal is their normal end: 0. A one-shot command a signal cut short did
 * not do its job: 130 after SIGINT, 143 after SIGTERM (128 + the signal's
 * number, as shells report a process the signal killed), also when a second
 * signal forces the exit.
 */
import type { Io } from './io.js';

/** The signals a command stops on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal's number. */
export function interruptedExitCode(signal: StopSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** A one-shot command a signal cut short: the CLI prints `line` (no `error:`, it is no failure) and exits with `exitCode`. */
export class CommandInterrupted extends Error {
  readonly exitCode: number;
  constructor(line: string, signal: StopSignal) {
    super(line);
    this.name = 'CommandInterrupted';
    this.exitCode = interruptedExitCode(signal);
  }
}

/** The interrupts of one CLI run. */
export interface Interrupts {
  /** Aborted by the first signal, once a command said it stops itself (`stopsItself`). */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): StopSignal | undefined;
  /** The running command stops its own work when `signal` aborts; until it says so, a signal ends the process at once. */
  stopsItself(): void;
  /** What an immediate exit leaves behind, said after `interrupted:` (default: nothing was changed). */
  leaves(note: string): void;
  /** Listens to the process's SIGINT and SIGTERM; returns the way to stop listening. */
  listen(): () => void;
}

/** Interrupts writing their lines to `io.stderr`; `exit` ends the process (`process.exit` in the CLI). */
export function createInterrupts(io: Io, exit: (code: number) => void): Interrupts {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  let handled = false;
  let note = 'nothing was changed';
  const onSignal = (signal: StopSignal) => {
    if (received === undefined) {
      received = signal;
      if (handled) {
        controller.abort();
        return;
      }
      io.stderr.write(`interrupted: ${note}\n`);
      exit(interruptedExitCode(received));
    } else if (signal === 'SIGINT') {
      io.stderr.write(`interrupted again: exiting now; ${note}\n`);
      exit(interruptedExitCode('SIGINT'));
    }
    // A SIGTERM while stopping already (a supervisor, a test harness) changes nothing: only Ctrl-C again forces.
  };
  return {
    signal: controller.signal,
    received: () => received,
    stopsItself: () => {
      handled = true;
    },
    leaves: (text) => {
      note = text;
    },
    listen() {
      const onInt = () => onSignal('SIGINT');
      const onTerm = () => onSignal('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}
