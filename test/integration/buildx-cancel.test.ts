/**
 * Cancelling a build must end it even when buildx does not answer: `docker`
 * runs the buildx plugin as a child that shares its output pipes, so killing
 * the CLI alone once left the plugin running with those pipes open, and the
 * build (and dockstage's exit, in the TUI) waited for it. A stand-in `docker`
 * on PATH behaves that way (a child on the same pipes, both ignoring SIGTERM);
 * the processes and signals are real.
 */
import { access, chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { createBuildxBuilder } from '../../src/adapters/buildx/buildx-builder.js';
import { buildRequest } from '../support/build-request.js';
import { waitFor } from '../support/wait.js';

const STUBBORN_DOCKER = `#!/bin/sh
# Like the docker CLI running a plugin that does not answer a cancel: a child on the same pipes, and neither stops on SIGTERM.
sh -c 'trap "" TERM; touch "$STUBBORN_MARKER"; sleep 30' &
trap "" TERM
sleep 30
`;

test('a cancelled build whose CLI and plugin both ignore SIGTERM ends after the kill delay, not when the plugin would have', async () => {
  const bin = await mkdtemp(path.join(os.tmpdir(), 'dockstage-stubborn-docker-'));
  await writeFile(path.join(bin, 'docker'), STUBBORN_DOCKER);
  await chmod(path.join(bin, 'docker'), 0o755);
  const marker = path.join(bin, 'plugin-started');
  const builder = createBuildxBuilder({ env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, STUBBORN_MARKER: marker } });
  const controller = new AbortController();
  const build = builder
    .build(buildRequest(bin, { tags: ['dockstage-stubborn:test'] }), () => undefined, controller.signal)
    .catch((error: unknown) => error);
  // Cancel once the "plugin" runs
  await waitFor(
    async () =>
      access(marker).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 10_000, message: 'the stand-in plugin to start' },
  );
  const started = performance.now();
  controller.abort();
  expect(await build).toMatchObject({ name: 'AbortError' });
  // SIGTERM is ignored, SIGKILL follows after 3 s: the build ends then, not when the plugin's 30 s are over
  expect(performance.now() - started).toBeLessThan(10_000);
});
