/**
 * Stops, app logs and Ctrl-C, on the real engine with the built CLI as a
 * process: two services from one build, `stubborn` (Node as PID 1 without
 * `init`, so SIGTERM is ignored and every stop waits out its 3 s
 * stop_grace_period) and `polite` (`init: true`, exits 143 at once); a
 * `slowbuild` behind a profile whose build sleeps. Waits are conditions with
 * deadlines.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI } from '../../support/cli.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { writeFiles } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';
import { startWatch } from '../../support/watch-process.js';

const run = promisify(execFile);
const PROJECT = `dststop-${process.pid}-${Date.now().toString(36)}`;
const ENV = { NODE_IMAGE: TEST_NODE_IMAGE, NO_COLOR: '1' };
let dir = '';
let version = 1;
const children: ChildProcess[] = [];

/** A dockstage process with stdout and stderr gathered (one `output` in arrival order). */
function dockstage(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, '-p', PROJECT, ...args], {
    cwd: dir,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), (output += chunk)));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), (output += chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Waits until the output so far contains `text` (the process must still run). */
    until: (text: string, timeoutMs = 90_000) =>
      waitFor(
        () => {
          if (output.includes(text)) return true;
          if (child.exitCode !== null) throw new Error(`dockstage exited with ${child.exitCode}`);
          return false;
        },
        { timeoutMs, intervalMs: 50, message: `"${text}" in:\n${output}` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- output so far ---\n${output}`);
      }),
  };
}

/** Saves a new version: both services are rebuilt (one build) and replaced. */
async function edit(): Promise<string> {
  version += 1;
  await writeFile(path.join(dir, 'app/src/version.js'), `module.exports = 'v${version}';\n`);
  return `v${version}`;
}

describeWithEngine('stops, app logs and Ctrl-C on the real engine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-stops-'));
    const service = (name: string, extra: string) =>
      `  ${name}:\n    build:\n      context: ./app\n      args:\n        NODE_IMAGE: \${NODE_IMAGE:-node:22-alpine}\n    environment:\n      NAME: ${name}\n${extra}`;
    await writeFiles(dir, {
      'compose.yaml': [
        'services:',
        service('stubborn', '    stop_grace_period: 3s\n'),
        service('polite', '    init: true\n'),
        '  slowbuild:\n    build: ./slow\n    init: true\n    profiles: [slow]\n',
      ].join('\n'),
      'app/Dockerfile':
        'ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE} AS develop\nWORKDIR /app\nCOPY src/ ./src/\nCMD ["node", "src/app.js"]\nFROM develop AS production\nENV MODE=production\n',
      // No SIGTERM handler: as PID 1 (no init) Node ignores SIGTERM; under init it dies of it (143).
      'app/src/app.js': "console.log(`${process.env.NAME} started ${require('./version.js')}`);\nsetInterval(() => {}, 60_000);\n",
      'app/src/version.js': "module.exports = 'v1';\n",
      'slow/Dockerfile': 'FROM busybox:latest AS develop\nCOPY stamp /stamp\nRUN sleep 120\nCMD ["sleep", "3600"]\n',
      'slow/stamp': `${PROJECT}\n`,
    });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir === '') return;
    await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, '--profile', 'slow', 'down', '-v', '--timeout', '1']).catch(
      () => undefined,
    );
    const tags = ['stubborn', 'polite', 'slowbuild'].flatMap((name) => [
      `${PROJECT}-${name}:dockstage-dev`,
      `${PROJECT}-${name}:dockstage-prod`,
    ]);
    await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  describe('watch, as people read it', () => {
    test('app lines come prefixed by service; a stop that waits out its grace period says why once, and no stop reads as a crash (137 or 143)', async () => {
      const watch = dockstage(['watch', '--no-sync']);
      await watch.until('stubborn  | stubborn started v1');
      await watch.until('polite    | polite started v1');
      for (let round = 0; round < 2; round++) {
        const next = await edit();
        await watch.until(`stubborn  | stubborn started ${next}`);
        await watch.until(`polite    | polite started ${next}`);
      }
      const output = watch.output();
      expect(output.match(/stubborn: still stopping after 2s/g)).toHaveLength(1);
      expect(output).toContain("hint: add 'init: true' to the service");
      expect(output).not.toContain('polite: still stopping');
      expect(output).not.toMatch(/exited with code (137|143)/);
      // Not a terminal (and NO_COLOR): no colour.
      expect(output).not.toContain('\u001b[');
      // No line is repeated across the replacements.
      expect(output.match(/stubborn {2}\| stubborn started v2/g)).toHaveLength(1);

      // Ctrl-C: one line saying what keeps running, exit 0 as documented.
      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(0);
      expect(watch.stderr()).toContain("interrupted: polite, stubborn left running; 'dockstage down' stops them");
    });

    test('--no-logs hides the app lines', async () => {
      const watch = dockstage(['watch', '--no-sync', '--no-logs']);
      await watch.until('watching');
      await watch.until('stubborn: ready');
      const from = watch.output().length;
      await edit();
      await watch.until('stubborn: replaced', 60_000);
      await waitFor(() => watch.output().slice(from).includes('stubborn: ready'), { timeoutMs: 60_000, message: 'stubborn ready again' });
      expect(watch.output()).not.toContain(' | ');
      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(0);
    });
  });

  test('watch --json --logs: log events, intended exits marked with their stop time, one slow-stop, and a final stopped event', async () => {
    const watch = startWatch(['-p', PROJECT], { cwd: dir, env: ENV, watchArgs: ['--no-sync', '--logs'] });
    children.push(watch.child);
    await watch.next((l) => l.type === 'idle', { timeoutMs: 90_000 });
    const next = await edit();
    const log = await watch.next((l) => l.type === 'log' && l['line'] === `stubborn started ${next}`, { timeoutMs: 90_000 });
    expect(log).toMatchObject({ service: 'stubborn', stream: 'stdout' });
    expect(Number.isNaN(Date.parse(log['at'] as string))).toBe(false);
    const exits = watch.lines.filter((l) => l.type === 'exited');
    expect(exits.map((l) => [l['service'], l['exitCode'], l['intended']]).sort()).toEqual([
      ['polite', 143, true],
      ['stubborn', 137, true],
    ]);
    expect(exits.find((l) => l['service'] === 'stubborn')!['stopMs']).toBeGreaterThanOrEqual(2_500);
    expect(watch.lines.filter((l) => l.type === 'slow-stop').map((l) => l['service'])).toEqual(['stubborn']);
    watch.child.kill('SIGINT');
    expect(await new Promise((resolve) => watch.child.once('exit', resolve))).toBe(0);
    expect(watch.lines.at(-1)).toMatchObject({ type: 'stopped', reason: 'interrupted', cancelled: [], running: ['polite', 'stubborn'] });
  });

  test('Ctrl-C during up cancels its build, says what was left running and exits 130', async () => {
    const up = dockstage(['--profile', 'slow', 'up', 'slowbuild', '--json']);
    await up.until('"instruction":"RUN sleep 120"', 90_000);
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(130);
    expect(up.stderr().trim().split('\n').at(-1)).toBe(
      "interrupted: the build of slowbuild was cancelled; polite, stubborn left running; 'dockstage down' stops them",
    );
  });

  test('an environment switch whose recreate waits on an app that ignores SIGTERM says so once, and exits 0', async () => {
    const env = dockstage(['env', 'prod']);
    expect(await env.exited).toBe(0);
    expect(env.stdout()).toMatch(/switched to prod .*recreated polite, stubborn/);
    expect(env.stderr().match(/stubborn: still stopping after 2s/g)).toHaveLength(1);
    expect(env.stderr()).not.toContain('polite: still stopping');
    expect(env.output()).not.toMatch(/exited with code/);
  });
});
