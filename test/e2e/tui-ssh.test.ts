/**
 * The terminal UI over `DOCKER_HOST=ssh://…` (the suite's own sshd, no agent),
 * in a real pseudo-terminal: it starts the project, its header says the engine
 * is remote, an edit is live-synced and served, and `q` exits with one ssh
 * login for the whole session and no ssh process or socket left.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../support/cli.js';
import { freePort, removeProject } from '../support/compose-project.js';
import { describeWithSshRig, TEST_NODE_IMAGE } from '../support/docker.js';
import { startSshRig, type SshRig } from '../support/ssh-rig.js';
import { writeFiles } from '../support/temp-project.js';
import { startTmux, type TmuxSession } from '../support/tmux.js';
import { waitFor } from '../support/wait.js';

const PROJECT = `dst-tuissh-${process.pid}-${Date.now().toString(36)}`;
const WRAPPER = path.resolve(path.dirname(CLI), '../../test/support/tty-wrapper.mjs');
let dir = '';
let port = 0;
let rig: SshRig | undefined;
let tmux: TmuxSession | undefined;

const SERVER = `const http = require('node:http');
const server = http.createServer((req, res) => res.end(require('./message.js')));
server.listen(3000);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const DOCKERFILE = `ARG NODE_IMAGE=node:22-alpine
FROM \${NODE_IMAGE} AS base
WORKDIR /app
COPY package.json ./

FROM base AS develop
COPY src/ ./src/
CMD ["node", "--watch", "src/server.js"]
`;

function row(screen: string, service: string): string {
  return screen.split('\n').find((line) => new RegExp(`^[▸ ] ${service} `).test(line)) ?? '';
}

describeWithSshRig('the terminal UI over ssh://', () => {
  beforeAll(async () => {
    rig = await startSshRig();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-tui-ssh-'));
    port = await freePort();
    await writeFiles(dir, {
      'compose.yaml': `x-dockstage:\n  watch:\n    reload:\n      web: none\nservices:\n  web:\n    build: { context: ./app, args: { NODE_IMAGE: "\${NODE_IMAGE:-node:22-alpine}" } }\n    init: true\n    ports: ["127.0.0.1:${port}:3000"]\n`,
      'app/Dockerfile': DOCKERFILE,
      'app/package.json': '{"name":"app","version":"1.0.0"}\n',
      'app/src/server.js': SERVER,
      'app/src/message.js': "module.exports = 'v1';\n",
    });
    const env = Object.fromEntries(Object.entries(rig.env()).map(([key, value]) => [key, value ?? '']));
    tmux = await startTmux({
      socket: PROJECT,
      columns: 160,
      rows: 30,
      cwd: dir,
      env: { ...env, NODE_IMAGE: TEST_NODE_IMAGE, NO_COLOR: '1' },
      command: [process.execPath, WRAPPER, process.execPath, CLI, '-p', PROJECT],
    });
  });

  afterAll(async () => {
    await tmux?.kill();
    await removeProject(PROJECT, dir);
    await rig?.stop();
  });

  test('starts the project and says the engine is remote', async () => {
    const screen = await tmux!.waitForScreen((s) => row(s, 'web').includes('● running'), 'web running', 90_000);
    expect(screen.split('\n')[0]).toContain('engine 20.');
    expect(screen.split('\n')[0]).toContain('· remote ssh://dockstage-rig');
  });

  test('an edit is live-synced into the container and served', async () => {
    await writeFile(path.join(dir, 'app/src/message.js'), "module.exports = 'v2';\n");
    await tmux!.waitForScreen((s) => s.includes('synced 1 file'), 'the sync on screen');
    await waitFor(
      async () => {
        try {
          return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).text()) === 'v2';
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, message: "web to serve 'v2'" },
    );
  });

  test('q exits 0 after one ssh login, leaving no ssh process and no socket', async () => {
    await tmux!.keys('q');
    await tmux!.waitForScreen((s) => s.includes('Quit dockstage?'), 'the quit prompt');
    await tmux!.keys('Enter');
    const history = await waitFor(
      async () => {
        const text = await tmux!.history();
        return text.includes('EXIT ') && text;
      },
      { timeoutMs: 30_000, message: 'dockstage to exit' },
    );
    expect(history).toMatch(/EXIT code=0/);
    expect(rig!.logins()).toBe(1);
    expect(readdirSync(rig!.tmpDir)).toEqual([]);
    expect(rig!.clients()).toEqual([]);
  });
});
