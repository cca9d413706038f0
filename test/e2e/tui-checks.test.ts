/**
 * Checks in the terminal UI, end to end: the built CLI in tmux (100×30) on a temp project whose Dockerfile has a
 * `test` stage, real engine. The checks column says `✓ test`, an edit that breaks the test turns it into `✗ test`
 * with the failing instruction and its Dockerfile line in the build pane, `c` runs the checks again, a fix turns it
 * green.
 */
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI, REPO_ROOT } from '../support/cli.js';
import { removeProject } from '../support/compose-project.js';
import { describeWithEngine } from '../support/docker.js';
import { writeFiles } from '../support/temp-project.js';
import { startTmux, type TmuxSession } from '../support/tmux.js';

const PROJECT = `dst-tuichk-${process.pid}-${Date.now().toString(36)}`;
const WRAPPER = path.join(REPO_ROOT, 'test', 'support', 'tty-wrapper.mjs');
let dir = '';
let tmux: TmuxSession | undefined;

const DOCKERFILE = `FROM busybox:latest AS develop
WORKDIR /app
COPY src/ ./src/
CMD ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]

FROM develop AS test
COPY test/ ./test/
RUN sh test/run.sh
`;

function row(screen: string, service: string): string {
  return screen.split('\n').find((line) => new RegExp(`^[▸ ] ${service} `).test(line)) ?? '';
}

describeWithEngine('checks in the terminal UI', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-tui-checks-'));
    await writeFiles(dir, {
      // Host network for RUN: this machine's docker0 can vanish under other engines' tests.
      'compose.yaml': 'services:\n  web:\n    build: { context: ./app, network: host }\n    init: true\n',
      'app/Dockerfile': DOCKERFILE,
      'app/src/value.txt': 'ok\n',
      'app/test/run.sh': 'grep -q ok src/value.txt || { echo "value.txt says: $(cat src/value.txt)"; exit 1; }\n',
    });
    tmux = await startTmux({
      socket: PROJECT,
      columns: 100,
      rows: 30,
      cwd: dir,
      env: { NO_COLOR: '1' },
      command: [process.execPath, WRAPPER, process.execPath, CLI, '-p', PROJECT],
    });
  });

  afterAll(async () => {
    await tmux?.kill();
    await removeProject(PROJECT, dir);
  });

  test('the checks column passes, fails with the line in the build pane, runs again on c, and turns green after a fix', async () => {
    const green = await tmux!.waitForScreen((s) => /✓ test \d+\.\ds/.test(row(s, 'web')), "web's test check passed", 120_000);
    expect(green).toMatch(/└─ test +✓ check passed/);

    await writeFile(path.join(dir, 'app/src/value.txt'), 'bad\n');
    const red = await tmux!.waitForScreen(
      (s) => row(s, 'web').includes('✗ test') && s.includes('check test failed'),
      'the failing check',
      120_000,
    );
    expect(red).toContain('✗ check test failed: RUN sh test/run.sh');
    expect(red).toContain('--> app/Dockerfile:8');
    expect(red).toContain('value.txt says: bad');
    expect(row(red, 'web')).toContain('● running');

    await tmux!.keys('c');
    await tmux!.waitForScreen((s) => s.includes('running the checks of web'), 'the c key said so');
    await tmux!.waitForScreen((s) => row(s, 'web').includes('✗ test'), 'the same inputs fail again', 60_000);

    await writeFile(path.join(dir, 'app/src/value.txt'), 'ok\n');
    const fixed = await tmux!.waitForScreen(
      (s) => /✓ test \d+\.\ds/.test(row(s, 'web')) && !s.includes('check test failed'),
      'green again',
      120_000,
    );
    expect(fixed).toMatch(/└─ test +✓ check passed .*\(remembered\)/);
  });
});
