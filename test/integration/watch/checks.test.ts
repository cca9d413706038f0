/**
 * Checks in the loop against the real engine, on a copy of examples/node-web (web and worker share one Dockerfile
 * with a `test` stage): `watch --json` builds the test stage in the background once per edit of its inputs, shows a
 * failure with its line and output without touching the running containers, remembers passes by inputs hash (also
 * across a restart of dockstage), cancels a check an edit overtakes; `dockstage check` exits 1 / 0.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithEngine, TEST_NODE_IMAGE } from '../../support/docker.js';
import { EXAMPLE, runCli } from '../../support/cli.js';
import { startWatch, type WatchLine, type WatchProcess } from '../../support/watch-process.js';

const PROJECT = `dstchk${process.pid}`;
const PORT = String(20_000 + (process.pid % 5000));
const env = { NODE_IMAGE: TEST_NODE_IMAGE, WEB_PORT: PORT };
const TIMEOUT = 240_000;
const PASSING = `const test = require('node:test');
const assert = require('node:assert');
const { formatUptime } = require('../src/shared/format');

test('formats minutes', () => {
  assert.strictEqual(formatUptime(120000), '2m');
});
`;
const FAILING = PASSING.replace("'2m'", "'3m'");
/** A passing test that takes a few seconds, so an edit can overtake it. */
const SLOW = `${PASSING}\ntest('slow', async () => { await new Promise((resolve) => setTimeout(resolve, 6000)); });\n`;

describeWithEngine('checks in watch (real engine, examples/node-web)', () => {
  let dir: string;
  let watch: WatchProcess | undefined;
  const testFile = () => path.join(dir, 'web/test/format.test.js');
  const checkDone = (from: number, timeoutMs = TIMEOUT) =>
    watch!.next((l) => l.type === 'check-done' && l['service'] === 'web' && l['stage'] === 'test', {
      from,
      timeoutMs,
      message: 'check-done of test',
    });
  const since = (from: number, type: string) => watch!.lines.slice(from).filter((l) => l.type === type);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-checks-'));
    await cp(EXAMPLE, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.dockstage`) });
    // A file only production reads: its edit must run no check (and rebuild nothing in dev).
    const dockerfile = path.join(dir, 'web/Dockerfile');
    await writeFile(dockerfile, `${await readFile(dockerfile, 'utf8')}COPY prod.conf ./\n`);
    await writeFile(path.join(dir, 'web/prod.conf'), 'level=info\n');
    await writeFile(testFile(), PASSING);
    // RUN steps on the host's network: a second engine started elsewhere on this machine with --bridge=none deletes
    // docker0, and every RUN on the default bridge fails then ("could not find bridge docker0").
    const compose = path.join(dir, 'compose.yaml');
    await writeFile(
      compose,
      (await readFile(compose, 'utf8')).replaceAll('      context: ./web\n', '      context: ./web\n      network: host\n'),
    );
  }, TIMEOUT);

  afterAll(async () => {
    await watch?.stop();
    await runCli(['-p', PROJECT, 'down', '--rmi', 'local'], { cwd: dir, env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }, TIMEOUT);

  test(
    'edits run the test stage once for web and worker, show failures, remember passes, and overtaken checks are cancelled',
    async () => {
      watch = startWatch(['-p', PROJECT], { cwd: dir, env });
      // Start-up: the check runs once the project is up, for both services in one build.
      const first = await checkDone(0);
      expect(first['passed']).toBe(true);
      expect(first['services']).toEqual(['web', 'worker']);
      expect(since(0, 'up').length).toBe(1);
      const webId = (await watch.next((l) => l.type === 'ready' && l['service'] === 'web'))['containerId'];

      // An edit read only by the test stage: no build, one check run for both services.
      let from = watch.lines.length;
      await writeFile(testFile(), `${PASSING}// edited\n`);
      const edited = await checkDone(from);
      expect(edited['passed'], JSON.stringify(edited)).toBe(true);
      expect(edited['cached']).toBe(false);
      // One build for both services: every run is reported for web and worker under one id, and one run ends (a save
      // the watcher reports in two batches may cancel a first run, which then ends in no check-done).
      await watch.next((l) => l.type === 'check-done' && l['service'] === 'worker', { from });
      const done = since(from, 'check-done');
      expect(done.map((l) => [l['service'], l['id']])).toEqual([
        ['web', edited['id']],
        ['worker', edited['id']],
      ]);
      for (const id of new Set(since(from, 'check-start').map((l) => l['id']))) {
        expect(
          since(from, 'check-start')
            .filter((l) => l['id'] === id)
            .map((l) => l['service']),
        ).toEqual(['web', 'worker']);
      }
      expect(since(from, 'build-start')).toEqual([]);

      // An edit only production reads: nothing runs.
      from = watch.lines.length;
      await writeFile(path.join(dir, 'web/prod.conf'), 'level=debug\n');
      await watch.next((l) => l.type === 'idle', { from });
      expect(since(from, 'check-start')).toEqual([]);
      expect(since(from, 'build-start')).toEqual([]);

      // A failing test: the line and the output, and the containers left alone.
      from = watch.lines.length;
      await writeFile(testFile(), FAILING);
      const failed = await checkDone(from);
      expect(failed['passed']).toBe(false);
      const error = failed['error'] as { file: string; line: number; instruction: string; logTail: string[] };
      expect([error.file, error.line, error.instruction]).toEqual(['web/Dockerfile', 18, 'RUN node --test test/']);
      expect(error.logTail.join('\n')).toMatch(/not ok|AssertionError|fail/i);
      expect(since(from, 'replaced')).toEqual([]);
      expect(execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', webId as string], { encoding: 'utf8' }).trim()).toBe('true');

      // The fix brings back inputs that passed before: green at once, nothing built.
      from = watch.lines.length;
      await writeFile(testFile(), PASSING);
      const fixed = await checkDone(from);
      expect([fixed['passed'], fixed['cached']]).toEqual([true, true]);

      // A check an edit overtakes is cancelled and runs again on the new inputs.
      from = watch.lines.length;
      await writeFile(testFile(), SLOW);
      const slowStart = await watch.next((l) => l.type === 'check-start' && l['service'] === 'web', { from, timeoutMs: TIMEOUT });
      await writeFile(testFile(), `${SLOW}// again\n`);
      const again = await checkDone(from);
      expect(again['id']).not.toBe(slowStart['id']);
      expect(again['passed']).toBe(true);
      expect(since(from, 'check-done').filter((l) => l['id'] === slowStart['id'])).toEqual([]);

      // After a restart of dockstage the same inputs are remembered: no build.
      expect(await watch.stop()).toBe(0);
      watch = startWatch(['-p', PROJECT], { cwd: dir, env });
      const remembered = await checkDone(0);
      expect([remembered['passed'], remembered['cached']]).toEqual([true, true]);
      expect(await watch.stop()).toBe(0);
      watch = undefined;
    },
    TIMEOUT * 2,
  );

  test(
    'dockstage check exits 1 while a check fails and 0 once it passes; -e ci checks too',
    async () => {
      await writeFile(testFile(), FAILING);
      const failing = await runCli(['-p', PROJECT, 'check', '--json'], { cwd: dir, env, timeoutMs: TIMEOUT });
      expect(failing.code).toBe(1);
      const done = failing.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as WatchLine)
        .filter((l) => l.type === 'check-done');
      expect(done.map((l) => [l['service'], l['passed']])).toEqual([
        ['web', false],
        ['worker', false],
      ]);
      await writeFile(testFile(), PASSING);
      const passing = await runCli(['-p', PROJECT, 'check', 'web'], { cwd: dir, env, timeoutMs: TIMEOUT });
      expect([passing.code, passing.stdout]).toEqual([
        0,
        'web: check test running\nweb: check test passed (remembered for these inputs)\n',
      ]);
      const ci = await runCli(['-p', PROJECT, '-e', 'ci', 'check'], { cwd: dir, env, timeoutMs: TIMEOUT });
      expect(ci.code).toBe(0);
      expect(ci.stdout).toContain('web, worker: check test passed');
    },
    TIMEOUT,
  );
});
