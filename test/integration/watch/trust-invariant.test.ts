/**
 * Issue 17's invariant, on the real engine: random sequences of edits during
 * start-up, builds, syncs and recreates, environment switches between runs,
 * compose and Dockerfile edits and a container restarted behind dockstage's
 * back; once `watch` is idle every service serves the sources as they are, and
 * `status` never calls a stale container up to date nor shows a bare image ID.
 * `TRUST_SEED` replays a failure; `TRUST_ROUNDS` runs longer (default 2).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { removeProject } from '../../support/compose-project.js';
import { describeWithEngine } from '../../support/docker.js';
import { random, trustRig } from '../../support/trust-invariant.js';

const PROJECT = `dsttrust-${process.pid}-${Date.now().toString(36)}`;
let dir = '';

afterAll(async () => {
  await removeProject(PROJECT, dir);
}, 120_000);

describeWithEngine('the trust invariant (issue 17)', () => {
  test('after random edits, switches and restarts, idle means every container serves the current sources', async () => {
    const seed = Number(process.env['TRUST_SEED'] ?? Date.now() % 100_000);
    const rounds = Number(process.env['TRUST_ROUNDS'] ?? 2);
    dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-trust-'));
    const rig = await trustRig(dir, PROJECT);
    const next = random(seed);
    for (let round = 1; round <= rounds; round++) {
      rig.log.push(`round ${round} (TRUST_SEED=${seed})`);
      await rig.round(next, 3);
    }
    expect(rig.log.length).toBeGreaterThan(rounds);
  }, 600_000);
});
