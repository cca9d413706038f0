/**
 * `stages` in a terminal fits its width: long instructions and base images are
 * cut with `…` while the stage status and file counts stay; hints wrap. Piped
 * output, `--no-trunc` and `--json` keep every instruction whole.
 */
import { expect, test } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects();
const LONG_RUN =
  'RUN --mount=type=bind,source=scripts,target=/scripts --mount=type=cache,target=/root/.npm sh /scripts/generate-everything.sh --with-a-very-long-list-of-options';
const FILES = {
  'compose.yaml': 'services:\n  web:\n    build: .\n',
  Dockerfile: `FROM registry.example.com/platform/base-images/node-with-everything:22.11.0-bookworm AS base\nCOPY package.json ./\nFROM base AS develop\n${LONG_RUN}\nRUN pip install -r requirements.txt\n`,
  'package.json': '{}\n',
  'scripts/generate-everything.sh': 'true\n',
};

/** Runs the CLI in-process with a stdout that claims to be a terminal of `columns` columns. */
async function inTerminal(dir: string, columns: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text), isTTY: true, columns },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await run(args, io, process.env, dir);
  return { code, stdout, stderr };
}

const widths = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => Array.from(line).length);

describeWithCompose('dockstage stages and the terminal width', () => {
  test('in a 60-column terminal every line fits, the instruction ends in …, status and file count stay', async () => {
    const dir = await project(FILES);
    const result = await inTerminal(dir, 60, ['stages']);
    expect(result.code).toBe(0);
    expect(Math.max(...widths(result.stdout))).toBeLessThanOrEqual(60);
    const lines = result.stdout.split('\n');
    expect(lines.find((line) => line.includes('develop  line'))).toMatch(/◀ target$/);
    expect(lines.find((line) => line.startsWith('  base '))).toMatch(/^ {2}base +line 1 {2}FROM registry\.example\.com\/.*…$/);
    expect(lines.find((line) => line.includes('line 4'))).toMatch(/^ {4}line 4 {2}RUN --mount=type=bind,source=.*… {2}1 file$/);
    expect(result.stdout).toContain('  hint: develop, line 5: pip downloads again on every');
    expect(result.stdout).toMatch(/\n {8}\S/);
  });

  test('a terminal narrower than 40 columns is laid out for 40', async () => {
    const dir = await project(FILES);
    const result = await inTerminal(dir, 20, ['stages']);
    expect(Math.max(...widths(result.stdout))).toBe(40);
  });

  test('--no-trunc in a terminal, piped output and --json keep the whole instruction', async () => {
    const dir = await project(FILES);
    expect((await inTerminal(dir, 60, ['stages', '--no-trunc'])).stdout).toContain(LONG_RUN);
    const piped = await runCli(['stages'], { cwd: dir });
    expect(piped.stdout).toContain(LONG_RUN);
    const json = JSON.parse((await inTerminal(dir, 60, ['stages', '--json'])).stdout) as {
      services: { stages: { inputs: { instruction: string }[] }[] }[];
    };
    expect(json.services[0]?.stages[1]?.inputs[0]?.instruction).toBe(LONG_RUN);
  });
});
