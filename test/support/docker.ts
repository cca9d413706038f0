/**
 * Docker-backed suites: they need the engine and the compose CLI. With `CI`
 * set they must run (a missing engine fails them); locally they skip when no
 * engine is reachable, with the reason printed once.
 */
import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';
import { inCi as ciIsSet } from './ci.js';
import { ensureSshd } from './ssh-rig.js';

function probe(args: string[]): boolean {
  try {
    execFileSync('docker', args, { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when `docker compose` (v2) answers; `config` needs no daemon. */
export const composeAvailable = probe(['compose', 'version']);
/** True when the engine answers. */
export const engineAvailable = composeAvailable && probe(['info']);

const inCi = ciIsSet();

/** `describe` for suites that need the compose CLI: runs in CI whatever happens, skips locally without it. */
export const describeWithCompose: typeof describe = inCi || composeAvailable ? describe : (describe.skip as typeof describe);
/** `describe` for suites that need the engine (builds, containers). */
export const describeWithEngine: typeof describe = inCi || engineAvailable ? describe : (describe.skip as typeof describe);

/** The seeded Node image on the test engine (examples default to node:22-alpine, which cannot be pulled here). */
export const TEST_NODE_IMAGE = process.env['DOCKSTAGE_TEST_NODE_IMAGE'] ?? 'dockstage-base/node:20';

/**
 * `describe` for suites over the ssh rig (test/support/ssh-rig.ts): in CI they run (and fail without it); locally they
 * skip with one line. openssh-server is installed when missing and we are root, only when such a suite is declared.
 */
export function describeWithSshRig(name: string, suite: () => void): void {
  const available = engineAvailable && ensureSshd();
  if (inCi || available) {
    describe(name, suite);
    return;
  }
  process.stderr.write(
    `skipping the ssh:// engine tests: ${engineAvailable ? 'no sshd (install openssh-server, or run as root to have it installed)' : 'no Docker engine'}\n`,
  );
  describe.skip(name, suite);
}
