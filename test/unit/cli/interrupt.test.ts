/**
 * Ctrl-C and SIGTERM: the first signal is the command's to handle (or ends
 * the process at once with one line), a second one exits at once; the line
 * after a stopped engine run says what keeps running. Signals are emitted on
 * the process object, never sent.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createInterrupts, interruptedExitCode } from '../../../src/cli/interrupt.js';
import { interruptedLine } from '../../../src/cli/left-running.js';
import { fold, running } from '../../support/tui-states.js';

let stopListening: (() => void) | undefined;
afterEach(() => stopListening?.());

function interrupts() {
  const stderr: string[] = [];
  const exits: number[] = [];
  const made = createInterrupts({ stdout: { write: () => true }, stderr: { write: (text: string) => stderr.push(text) } }, (code) =>
    exits.push(code),
  );
  stopListening = made.listen();
  return { made, stderr, exits };
}

describe('interrupts', () => {
  test('a command that stops itself gets the first SIGINT as an abort; the second exits at once with 130', () => {
    const { made, stderr, exits } = interrupts();
    made.stopsItself();
    made.leaves("the containers keep running; 'dockstage down' stops them");
    process.emit('SIGINT');
    expect(made.signal.aborted).toBe(true);
    expect(made.received()).toBe('SIGINT');
    expect(exits).toEqual([]);
    // A SIGTERM while stopping changes nothing; Ctrl-C again forces the exit.
    process.emit('SIGTERM');
    expect(exits).toEqual([]);
    process.emit('SIGINT');
    expect(stderr).toEqual(["interrupted again: exiting now; the containers keep running; 'dockstage down' stops them\n"]);
    expect(exits).toEqual([130]);
  });

  test('any other command ends at once with one line: 130 after SIGINT, 143 after SIGTERM', () => {
    const { made, stderr, exits } = interrupts();
    process.emit('SIGTERM');
    expect(made.signal.aborted).toBe(false);
    expect(stderr).toEqual(['interrupted: nothing was changed\n']);
    expect(exits).toEqual([143]);
    expect(interruptedExitCode('SIGINT')).toBe(130);
  });

  test('the line after a stopped run names the cancelled build and what keeps running, sorted', () => {
    expect(interruptedLine(running(), ['web', 'worker'])).toBe(
      "interrupted: the build of web, worker was cancelled; api, cache, web, worker left running; 'dockstage down' stops them",
    );
    const nothing = fold(running(), { type: 'containersListed', containers: [], at: 20_000 });
    expect(interruptedLine(nothing, [], 'stopped')).toBe('stopped: nothing left running');
  });
});
