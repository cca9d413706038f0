/**
 * The bundled examples as tests use them: `plan --changed` per environment
 * through the built CLI, and whether a base image exists on the local engine
 * (the examples' builds need images these machines cannot pull).
 */
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { planForChanges, type Plan } from '../../src/core/state/plan.js';
import { loadWorkspace } from '../../src/operations/load-workspace.js';
import { REPO_ROOT, runCli } from './cli.js';
import { engineAvailable } from './docker.js';

const run = promisify(execFile);

/** Absolute directory of `examples/<name>`. */
export function exampleDir(name: string): string {
  return path.join(REPO_ROOT, 'examples', name);
}

/** The parts of `plan --json` the example tests compare. */
export interface PlanJson {
  readonly project: string;
  readonly environment: string;
  readonly services: readonly {
    readonly name: string;
    readonly target: string | null;
    readonly image: string | null;
    readonly stages: readonly string[];
    readonly action: string;
    readonly reasons: readonly {
      readonly path: string | null;
      readonly stage: string | null;
      readonly instruction: string | null;
      readonly line: number | null;
      readonly rule: string;
    }[];
  }[];
}

/** `dockstage plan -e ENV --json --changed …` in `dir`; fails the test on any stderr output or a non-zero exit. */
export async function planChanged(dir: string, environment: string, changed: readonly string[]): Promise<PlanJson> {
  const result = await runCli(['plan', '-e', environment, '--json', ...changed.flatMap((c) => ['--changed', c])], { cwd: dir });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

/**
 * One environment of an example loaded once (the real compose CLI resolves it, as the CLI's own context does), then
 * planned for any number of changes in-process: a matrix of paths × environments costs one compose call per
 * environment instead of one CLI process per cell. `changed` is relative to the example directory.
 */
export async function examplePlanner(dir: string, environment: string): Promise<(changed: readonly string[]) => Plan> {
  const silent = { stdout: { write: () => true }, stderr: { write: () => true } };
  const context = createContext({ io: silent, env: process.env, cwd: dir, version: '0.0.0' });
  const { workspace } = await loadWorkspace({ files: [], profiles: [], envFiles: [], environment }, context.loadDeps);
  return (changed) =>
    planForChanges(
      workspace,
      changed.map((file) => path.resolve(dir, file)),
    );
}

/** True when `ref` is an image on the local engine (`docker image inspect`), so a build from it needs no pull. */
export function localImageExists(ref: string): boolean {
  if (!engineAvailable) return false;
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** A copy of an example in a temp dir (builds and `.dockstage/` never touch the checkout); removed by the returned function. */
export async function copyExample(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dockstage-${name}-`));
  await cp(exampleDir(name), dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.dockstage`) });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Removes every image tagged `<project>-…` (what dockstage built for a test project), never anything else. */
export async function removeProjectImages(project: string): Promise<void> {
  const { stdout } = await run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const tags = stdout.split('\n').filter((tag) => tag.startsWith(`${project}-`));
  if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
}
