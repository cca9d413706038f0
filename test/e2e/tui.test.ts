/**
 * The terminal UI end to end: the built CLI in a real pseudo-terminal (tmux,
 * 100×30) on a temp project, against the real engine, compose and chokidar.
 * web and worker share app/Dockerfile (base / develop / production), cache is
 * an image. Keys go in with send-keys, the screen comes back with
 * capture-pane; every wait polls the screen for a condition.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../support/cli.js';
import { containerIds, freePort, removeProject } from '../support/compose-project.js';
import { describeWithEngine, TEST_NODE_IMAGE } from '../support/docker.js';
import { writeFiles } from '../support/temp-project.js';
import { startTmux, type TmuxSession } from '../support/tmux.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const PROJECT = `dst-tui-${process.pid}-${Date.now().toString(36)}`;
const WRAPPER = path.resolve(path.dirname(CLI), '../../test/support/tty-wrapper.mjs');
let dir = '';
let tmux: TmuxSession | undefined;

const SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => res.end(process.env.ROLE + ' ' + require('./message.js')));
server.listen(3000, () => console.log(process.env.ROLE + ' listening on 3000'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

// develop sleeps a second after copying the sources, so its progress is on screen long enough to be seen.
const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
RUN sleep 1
CMD ["node", "src/server.js"]

FROM base AS production
COPY src/ ./src/
CMD ["node", "src/server.js"]
`;

/** A shell's prompt at the end of a screen line: busybox `sh` as root (`/app # `), or bash (`root@…:/app# `). */
const PROMPT = /\/app ?[#$]$/m;

/** The table line of a service: `▸ web  develop  ● running …` (marker and padding loosened). */
function row(screen: string, service: string): string {
  return screen.split('\n').find((line) => new RegExp(`^[▸ ] ${service} `).test(line)) ?? '';
}

describeWithEngine('the terminal UI in a real terminal', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-tui-'));
    const port = await freePort();
    await writeFiles(dir, {
      'compose.yaml': `services:
  web:
    build: { context: ./app, args: { NODE_IMAGE: "\${NODE_IMAGE:-node:22-alpine}" } }
    init: true
    environment: { ROLE: web }
    ports: ["127.0.0.1:${port}:3000"]
  worker:
    build: { context: ./app, args: { NODE_IMAGE: "\${NODE_IMAGE:-node:22-alpine}" } }
    init: true
    environment: { ROLE: worker }
  cache:
    image: busybox:latest
    init: true
    command: ["sh", "-c", "echo cache ready; sleep 3600"]
`,
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
    });
    tmux = await startTmux({
      socket: PROJECT,
      columns: 100,
      rows: 30,
      cwd: dir,
      env: { NODE_IMAGE: TEST_NODE_IMAGE, NO_COLOR: '1' },
      command: [process.execPath, WRAPPER, process.execPath, CLI, '-p', PROJECT],
    });
  });

  afterAll(async () => {
    await tmux?.kill();
    await removeProject(PROJECT, dir);
  });

  test('starts the project: every service running in dev with its target', async () => {
    const screen = await tmux!.waitForScreen(
      (s) => ['web', 'worker', 'cache'].every((name) => row(s, name).includes('● running')) && s.includes('cache ready'),
      "web, worker and cache running, and cache's first line in the logs",
      90_000,
    );
    expect(screen.split('\n')[0]).toMatch(new RegExp(`^ dockstage {2}${PROJECT} {2}env: ci \\[dev\\] prod {2}● watching \\d+`));
    expect(row(screen, 'cache')).toMatch(/^▸ cache +busybox +● running +image/);
    expect(row(screen, 'web')).toMatch(/^ {2}web +develop +● running +:\d+ +✓ up to date/);
    expect(row(screen, 'worker')).toMatch(/^ {2}worker +develop +● running +✓ up to date/);
    expect(screen).toContain('cache ready');
  });

  test('? shows the key table; esc goes back', async () => {
    await tmux!.keys('?');
    const help = await tmux!.waitForScreen((s) => s.includes('Keys · esc closes'), 'the help');
    expect(help).toContain('switch environment');
    expect(help).toContain('shell in its container');
    await tmux!.keys('Escape');
    await tmux!.waitForScreen((s) => s.includes('━ services (3)'), 'the services again');
  });

  test('an edit builds only web and worker (one build), with stage progress on screen and the reason, then replaces both', async () => {
    const before = await containerIds(PROJECT);
    await tmux!.keys('j');
    await tmux!.waitForScreen((s) => row(s, 'web').startsWith('▸'), 'web selected');
    const screens: string[] = [];
    // Content no earlier run built, so BuildKit has no cache for the steps after the COPY.
    await writeFile(path.join(dir, 'app/src/message.js'), `module.exports = 'v2 ${PROJECT}';\n`);
    // Poll fast and keep every screen: the stage runs for about a second.
    const done = await waitFor(
      async () => {
        const screen = await tmux!.screen();
        screens.push(screen);
        return (
          screen.includes('why: app/src/message.js → COPY src/ ./src/ (develop, line 7)') && /last build \d+s ago/.test(screen) && screen
        );
      },
      // A build on a machine running other suites beside this one can take most of a minute.
      { timeoutMs: 120_000, intervalMs: 50, message: 'the rebuild of web and worker' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the last screen:\n${screens.at(-1) ?? '(none)'}`);
    });
    expect(
      screens.some((s) => /├─ develop +◀ ▶ step 2\/2 RUN sleep 1 \[/.test(s)),
      'a screen with develop running its step',
    ).toBe(true);
    expect(screens.some((s) => row(s, 'web').includes('⚙ building'))).toBe(true);
    expect(screens.some((s) => row(s, 'cache').includes('⚙'))).toBe(false);
    expect(done).toMatch(/^ {2}base +✓ cached/m);
    expect(done).toMatch(/^ {2}├─ develop +◀ ✓ done \d+\.\ds/m);
    expect(done).toMatch(/^ {2}└─ production +· not in target/m);
    expect(row(done, 'worker')).toMatch(/\d+s ago \(shared\)/);
    // The new image replaces both containers; cache keeps its own.
    const replaced = await tmux!.waitForScreen(
      (s) => ['web', 'worker'].every((name) => /● running .*✓ up to date/.test(row(s, name))),
      'web and worker on the new image',
    );
    expect(replaced).not.toContain('last error');
    const after = await containerIds(PROJECT);
    expect(after['web']).not.toBe(before['web']);
    expect(after['worker']).not.toBe(before['worker']);
    expect(after['cache']).toBe(before['cache']);
  });

  test('x: every key typed into the shell reaches the shell, none the UI (s, q, e, Enter); exit redraws the UI with web still running', async () => {
    const before = await containerIds(PROJECT);
    await tmux!.waitForScreen((s) => row(s, 'web').startsWith('▸') && row(s, 'web').includes('● running'), 'web selected and running');
    for (const round of [1, 2, 3]) {
      await tmux!.keys('x');
      await tmux!.waitForScreen((s) => s.includes('dockstage: a shell in web') && PROMPT.test(s), `the shell's prompt (round ${round})`);
      // Typed one key at a time, as a person types: each is a write of its own to the terminal.
      const command = `ls src && echo s q e > /tmp/keys-${round} && echo round-$((${round}*1000+7))`;
      for (const char of command) await tmux!.text(char);
      await tmux!.keys('Enter');
      await tmux!.waitForScreen(
        (s) => new RegExp(`^round-${round * 1000 + 7}$`, 'm').test(s) && s.includes('server.js'),
        `the command's output in the shell (round ${round})`,
      );
      const { stdout } = await run('docker', ['exec', before['web']!, 'cat', `/tmp/keys-${round}`]);
      expect(stdout).toBe('s q e\n');
      for (const char of 'exit') await tmux!.text(char);
      await tmux!.keys('Enter');
      await tmux!.waitForScreen(
        (s) => s.includes('━ services (3)') && s.includes(`back from sh in web (exit 0)`),
        `the UI redrawn (round ${round})`,
      );
      // A key the UI answers visibly: a stray s, q or e from the shell would have been read before it.
      await tmux!.keys('?');
      await tmux!.waitForScreen((s) => s.includes('Keys · esc closes'), 'the help');
      await tmux!.keys('Escape');
      const screen = await tmux!.waitForScreen((s) => s.includes('━ services (3)'), 'the services again');
      expect(screen.split('\n')[0]).toContain('env: ci [dev] prod');
      expect(screen).not.toContain('Quit dockstage?');
      expect(row(screen, 'web')).toMatch(/^▸ web +develop +● running/);
      expect(await containerIds(PROJECT)).toEqual(before);
      const { stdout: state } = await run('docker', ['inspect', '--format', '{{.State.Running}} {{.RestartCount}}', before['web']!]);
      expect(state.trim()).toBe('true 0');
    }
    expect(await tmux!.history()).not.toContain('EXIT ');
  });

  test('F rebuilds up-to-date web with BuildKit (every step from its cache) instead of reusing the image', async () => {
    await tmux!.waitForScreen((s) => row(s, 'web').startsWith('▸') && /✓ up to date/.test(row(s, 'web')), 'web selected and up to date');
    await tmux!.keys('F');
    const screen = await tmux!.waitForScreen(
      (s) => s.includes('why: forced rebuild (even if up to date)') && /last build \d+s ago: [\d.]+s, (\d+) of \1 steps cached/.test(s),
      'a forced build with every step cached',
    );
    expect(screen).not.toContain('the image was up to date');
    expect(row(screen, 'web')).toMatch(/● running/);
  });

  test('e → prod switches: production targets built, web and worker recreated, cache left alone', async () => {
    const before = await containerIds(PROJECT);
    await tmux!.keys('e');
    await tmux!.waitForScreen((s) => s.includes(' ▸ dev  (active)'), 'the environment menu');
    await tmux!.keys('j');
    await tmux!.waitForScreen((s) => s.includes(' ▸ prod'), 'prod picked');
    await tmux!.keys('Enter');
    await tmux!.waitForScreen((s) => s.includes('Switch to prod?'), 'the confirmation');
    await tmux!.keys('y');
    const screen = await tmux!.waitForScreen(
      (s) =>
        s.split('\n')[0]!.includes('[prod]') &&
        !s.split('\n')[1]!.includes('switching') &&
        ['web', 'worker'].every((name) => row(s, name).includes('production') && row(s, name).includes('● running')),
      'web and worker running production',
      90_000,
    );
    expect(row(screen, 'cache')).toMatch(/busybox +● running/);
    const after = await containerIds(PROJECT);
    expect(after['web']).not.toBe(before['web']);
    expect(after['worker']).not.toBe(before['worker']);
    expect(after['cache']).toBe(before['cache']);
    // The build output of web says what happened to its container.
    await tmux!.keys('o');
    await tmux!.waitForScreen((s) => s.includes('── switched to prod: container recreated'), 'the switch in the build output');
  });

  test('q leaves the containers running, exits 0 and gives the terminal back', async () => {
    await tmux!.keys('q');
    await tmux!.waitForScreen((s) => s.includes('Quit dockstage?'), 'the quit prompt');
    await tmux!.keys('Enter');
    const history = await waitFor(
      async () => {
        const text = await tmux!.history();
        return text.includes('EXIT ') && text;
      },
      { timeoutMs: 30_000, message: 'dockstage to exit' },
    ).catch(async (error: unknown) => {
      // What the terminal showed when it did not exit: the reason is on screen.
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- screen ---\n${(await tmux!.history()).split('\n').slice(-30).join('\n')}`,
      );
    });
    expect(history).toContain('dockstage: stopping; the containers keep running');
    expect(history).toMatch(/EXIT code=0 signal=null icanon=true echo=true/);
    expect(await tmux!.display('#{alternate_on} #{cursor_flag}')).toBe('0 1');
    expect(Object.keys(await containerIds(PROJECT)).sort()).toEqual(['cache', 'web', 'worker']);
  });

  test('ctrl-c during a build quits at once: the build is cancelled, the containers keep running, the terminal is given back', async () => {
    await tmux?.kill();
    tmux = await startTmux({
      socket: `${PROJECT}-2`,
      columns: 100,
      rows: 30,
      cwd: dir,
      env: { NODE_IMAGE: TEST_NODE_IMAGE, NO_COLOR: '1' },
      command: [process.execPath, WRAPPER, process.execPath, CLI, '-p', PROJECT],
    });
    await tmux.waitForScreen(
      (s) => ['web', 'worker', 'cache'].every((name) => row(s, name).includes('● running')),
      'the services running again',
      90_000,
    );
    const before = await containerIds(PROJECT);
    // Whichever environment is remembered (the switch test leaves prod), its target gets a slow step.
    const slow = DOCKERFILE.replace('RUN sleep 1', 'RUN sleep 120').replace(
      'FROM base AS production\nCOPY src/ ./src/\n',
      'FROM base AS production\nCOPY src/ ./src/\nRUN sleep 120\n',
    );
    await writeFile(path.join(dir, 'app/Dockerfile'), slow);
    await tmux.waitForScreen((s) => row(s, 'web').includes('building'), 'web building');
    const stopped = Date.now();
    await tmux.keys('C-c');
    const history = await waitFor(
      async () => {
        const text = await tmux!.history();
        return text.includes('EXIT ') && text;
      },
      { timeoutMs: 30_000, message: 'dockstage to exit' },
    ).catch(async (error: unknown) => {
      // What the terminal showed when it did not exit: the reason is on screen.
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- screen ---\n${(await tmux!.history()).split('\n').slice(-30).join('\n')}`,
      );
    });
    expect(Date.now() - stopped).toBeLessThan(15_000);
    expect(history).toMatch(/EXIT code=0 signal=null icanon=true echo=true/);
    expect(await tmux.display('#{alternate_on} #{cursor_flag}')).toBe('0 1');
    expect(await containerIds(PROJECT)).toEqual(before);
  });
});
