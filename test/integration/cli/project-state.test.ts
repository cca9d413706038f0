/**
 * `.dockstage/` keeps state per compose project name: two `-p` names in one
 * directory never share a remembered environment or an override file. What
 * dockstage 0.1 wrote at the top of `.dockstage/` is read as a fallback only.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createNodeFileSystem } from '../../../src/adapters/local/node-fs.js';
import { existingOverride } from '../../../src/operations/load-workspace.js';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects('dockstage-state-');
const FILES = {
  'compose.yaml': 'name: shop\nservices:\n  web:\n    build: .\n',
  Dockerfile: 'FROM busybox AS develop\nFROM busybox AS builder\nFROM busybox AS production\n',
};
const state = (environment: string) => `${JSON.stringify({ environment })}\n`;

async function environmentOf(dir: string, args: string[]): Promise<string> {
  const result = await runCli([...args, 'plan', '--json', '--changed', 'Dockerfile'], { cwd: dir });
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout) as { environment: string }).environment;
}

describeWithCompose('state per compose project name', () => {
  test('each -p name remembers its own environment; a name without one reads the old shared file, then the default', async () => {
    const dir = await project({
      ...FILES,
      '.dockstage/alpha/state.json': state('prod'),
      '.dockstage/beta/state.json': state('dev'),
      '.dockstage/state.json': state('ci'),
    });
    expect(await environmentOf(dir, ['-p', 'alpha'])).toBe('prod');
    expect(await environmentOf(dir, ['-p', 'beta'])).toBe('dev');
    expect(await environmentOf(dir, ['-p', 'gamma'])).toBe('ci');
    const fresh = await project({ ...FILES, '.dockstage/alpha/state.json': state('prod') });
    expect(await environmentOf(fresh, ['-p', 'gamma'])).toBe('dev');
    // No -p: compose's name (`name: shop`) picks the folder.
    expect(await environmentOf(await project({ ...FILES, '.dockstage/shop/state.json': state('prod') }), [])).toBe('prod');
  });
});

describe('existingOverride', () => {
  test("a project's own override file wins; else the old shared one; else none", async () => {
    const dir = await project({ '.dockstage/alpha/dev.compose.yaml': 'services: {}\n', '.dockstage/dev.compose.yaml': 'services: {}\n' });
    const fs = createNodeFileSystem();
    expect(await existingOverride(dir, 'alpha', 'dev', fs)).toBe(path.join(dir, '.dockstage/alpha/dev.compose.yaml'));
    expect(await existingOverride(dir, 'beta', 'dev', fs)).toBe(path.join(dir, '.dockstage/dev.compose.yaml'));
    expect(await existingOverride(dir, 'beta', 'prod', fs)).toBeUndefined();
  });
});
