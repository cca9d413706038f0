/**
 * Argument errors that commander meets before any command runs (no compose, no engine): `run()` in-process. The
 * built CLI gives the same answers as a process (test/integration/cli/bad-input.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { run } from '../../../src/cli/main.js';

async function dockstage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await run(args, io, {}, '/nonexistent');
  return { code, stdout, stderr };
}

const COMMANDS = 'commands: plan, stages, inputs, build, up, down, status, watch, check, env';

describe('run: an unknown command', () => {
  test('followed by an argument is an unknown command, not "too many arguments"', async () => {
    expect(await dockstage('logs', 'api')).toEqual({ code: 2, stdout: '', stderr: `error: unknown command 'logs'\n  hint: ${COMMANDS}\n` });
  });

  test('followed by an option is an unknown command with the suggestion, not "unknown option"', async () => {
    expect(await dockstage('plna', '--changed', 'x')).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: unknown command 'plna'\n  hint: did you mean 'plan'? ${COMMANDS}\n`,
    });
  });

  test('after global options is still the unknown command', async () => {
    expect(await dockstage('-e', 'prod', '-p', 'shop', 'lgos', 'api', '--tail', '5')).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: unknown command 'lgos'\n  hint: ${COMMANDS}\n`,
    });
  });
});

describe("run: commander's own errors stay where the command is known or absent", () => {
  test('an unknown option before any command', async () => {
    expect(await dockstage('--bogus', 'plan')).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown option '--bogus'\n(run dockstage --help for usage)\n",
    });
  });

  test("an unknown option of a known command keeps commander's suggestion", async () => {
    expect(await dockstage('plan', '--chnaged', 'x')).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown option '--chnaged'\n(Did you mean --changed?)\n(run dockstage --help for usage)\n",
    });
  });

  test('too many arguments for a known command', async () => {
    const result = await dockstage('status', 'web');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: too many arguments for 'status'. Expected 0 arguments but got 1.\n(run dockstage --help for usage)\n",
    );
  });

  test("help COMMAND prints that command's help", async () => {
    const result = await dockstage('help', 'plan');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: dockstage plan \[options\]\n/);
    expect(result.stderr).toBe('');
  });
});
