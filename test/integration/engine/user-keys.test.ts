/**
 * What the TUI's keys do to containers, and the logs and stats it shows, on
 * the real engine: the engine runs in watch mode on an image-only project (no
 * builds, so it is quick), with the logs and stats subscribers. Stop, start
 * and restart go through engine actions only; the logs follow each container
 * again after it comes back, without repeating a line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuildxBuilder } from '../../../src/adapters/buildx/buildx-builder.js';
import { createComposeCli } from '../../../src/adapters/compose/compose-cli.js';
import { resolveDockerEndpoint } from '../../../src/adapters/docker/docker-endpoint.js';
import { createDockerodeRuntime } from '../../../src/adapters/docker/dockerode-runtime.js';
import { createNodeFileSystem } from '../../../src/adapters/local/node-fs.js';
import { createSystemClock } from '../../../src/adapters/local/system-clock.js';
import { liveContainer, type EngineState } from '../../../src/core/state/engine-state.js';
import { startEngine, type EngineRun } from '../../../src/engine/engine.js';
import { runSettings } from '../../../src/engine/settings.js';
import { loadWorkspace, type ProjectOptions } from '../../../src/operations/load-workspace.js';
import { LogBuffer } from '../../../src/engine/log-buffer.js';
import { logsSubscriber } from '../../../src/engine/subscribers/logs.js';
import { statsSubscriber } from '../../../src/engine/subscribers/stats.js';
import type { StatsSample } from '../../../src/ports/container-runtime.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';
import { waitFor } from '../../support/wait.js';

const exec = promisify(execFile);
const PROJECT = `dst-tui-keys-${process.pid}-${Date.now().toString(36)}`;
const project = tempProjects('dockstage-keys-');

// Each start of the container prints under a fresh id, so a line seen twice is a line repeated by the follow.
const COMPOSE = `services:
  talker:
    image: busybox:latest
    init: true
    command: ["sh", "-c", "run=$$(cat /proc/sys/kernel/random/uuid); i=0; while true; do echo \\"$$run $$i\\"; i=$$((i+1)); sleep 0.1; done"]
  quiet:
    image: busybox:latest
    init: true
    command: ["sleep", "3600"]
`;

let dir = '';
let engine: EngineRun | undefined;
const buffer = new LogBuffer({ linesPerService: 1_000 });
const samples = new Map<string, StatsSample | undefined>();

function talker(state: EngineState) {
  return state.services['talker'];
}

async function runningId(): Promise<string | undefined> {
  const { stdout } = await exec('docker', [
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    'label=com.docker.compose.service=talker',
  ]);
  return stdout.trim() === '' ? undefined : stdout.trim();
}

/** The run ids (first word) of talker's lines, in order of first appearance. */
function runs(): string[] {
  return [...new Set(buffer.lines('app', 'talker').map((l) => l.text.split(' ')[0]!))];
}

describeWithEngine('the TUI keys and logs on the real engine', () => {
  beforeAll(async () => {
    dir = await project({ 'compose.yaml': COMPOSE });
    const env = { ...process.env };
    const compose = createComposeCli({ env });
    const fs = createNodeFileSystem();
    const options: ProjectOptions = { files: [], projectName: PROJECT, profiles: [], envFiles: [] };
    const deps = { compose, fs, cwd: dir, lookup: (name: string) => env[name], existsSync };
    const loaded = await loadWorkspace(options, deps);
    const runtime = createDockerodeRuntime(await resolveDockerEndpoint(env), env);
    const clock = createSystemClock();
    engine = startEngine({ fs, runtime, builder: createBuildxBuilder({ env }), compose, clock }, loaded.workspace, loaded.compose.files, {
      settings: runSettings({ mode: 'watch' }, { platform: `linux/${os.arch() === 'arm64' ? 'arm64' : 'amd64'}`, builder: undefined }),
      composeTarget: loaded.compose,
      projectDir: loaded.projectDir,
      load: async (environment) => {
        const again = await loadWorkspace({ ...options, environment }, deps);
        return { workspace: again.workspace, composeFiles: again.compose.files };
      },
      subscribers: [
        () => logsSubscriber({ runtime, buffer, now: () => clock.now() }),
        (store) =>
          statsSubscriber({
            runtime,
            clock,
            getState: store.getState,
            onSample: (service, sample) => samples.set(service, sample),
            intervalMs: 500,
          }),
      ],
    });
    await engine.store.until((state) => state.up === 'done' && liveContainer(talker(state)!) !== undefined);
  });

  afterAll(async () => {
    await engine?.stop();
    if (dir !== '')
      await exec('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '--remove-orphans', '--timeout', '1']).catch(
        () => undefined,
      );
    if (dir !== '' && existsSync(dir)) await rm(dir, { recursive: true, force: true });
  });

  test('the logs of a running container arrive in the buffer, and its CPU and memory are sampled', async () => {
    await waitFor(() => buffer.lines('app', 'talker').length >= 5, { message: 'talker lines' });
    expect(buffer.lines('app', 'talker')[0]?.text).toMatch(/^[0-9a-f-]{36} 0$/);
    const sample = await waitFor(() => samples.get('talker'), { message: 'a stats sample of talker' });
    expect(sample.memoryBytes).toBeGreaterThan(0);
  });

  test('stopping the service stops its container and keeps it stopped; starting it brings it back and its logs resume once', async () => {
    const store = engine!.store;
    store.dispatch({ type: 'serviceStopped', service: 'talker', at: Date.now() });
    await waitFor(async () => (await runningId()) === undefined, { message: 'talker to stop' });
    await store.until((state) => talker(state)!.containers.every((c) => c.state === 'exited'));
    expect(talker(store.getState())!.stoppedByUser).toBe(true);
    const before = runs();
    store.dispatch({ type: 'serviceStartRequested', service: 'talker', at: Date.now() });
    await waitFor(async () => (await runningId()) !== undefined, { message: 'talker to run again' });
    await waitFor(
      () =>
        runs().length === before.length + 1 && buffer.lines('app', 'talker').filter((l) => l.text.startsWith(runs().at(-1)!)).length >= 3,
      { message: 'the new run to be logged' },
    );
    const texts = buffer.lines('app', 'talker').map((l) => l.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(talker(store.getState())!.stoppedByUser).toBe(false);
  });

  test('a restart asked for restarts the same container; its logs follow again without repeating lines', async () => {
    const store = engine!.store;
    const id = await runningId();
    const before = runs().length;
    store.dispatch({ type: 'restartRequested', service: 'talker', at: Date.now() });
    await store.until((state) => state.services['talker']!.operation === undefined && state.services['talker']!.restart === undefined);
    await waitFor(
      () => runs().length === before + 1 && buffer.lines('app', 'talker').filter((l) => l.text.startsWith(runs().at(-1)!)).length >= 3,
      { message: 'the restarted run to be logged' },
    );
    expect(await runningId()).toBe(id);
    const texts = buffer.lines('app', 'talker').map((l) => l.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(store.getState().services['quiet']!.containers[0]?.state).toBe('running');
  });

  test('stopping the engine ends every follow: no more lines arrive, and the containers keep running', async () => {
    await engine!.stop();
    const count = buffer.version;
    await waitFor(async () => (await runningId()) !== undefined, { message: 'talker still running' });
    // The container prints ten lines a second; a second of silence in the buffer shows the follow ended.
    const lines = await exec('docker', ['logs', '--tail', '1', (await runningId())!]);
    await waitFor(async () => (await exec('docker', ['logs', '--tail', '1', (await runningId())!])).stdout !== lines.stdout, {
      message: 'talker to print more',
    });
    expect(buffer.version).toBe(count);
  });
});
