/**
 * Start-up is part of every command's time: the built CLI loads a package only
 * when the command that runs needs it. Each case runs `run()` from
 * dist/cli/main.js in a fresh node process and lists the npm packages it
 * loaded (every dependency here is CommonJS, so Node's require cache names
 * them all, including those reached through ESM imports).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { CLI, EXAMPLE } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';

const SCRIPT = `
import { createRequire } from 'node:module';
const [cli, ...args] = process.argv.slice(2);
const { run } = await import(cli);
const output = [];
const sink = { write: (text) => output.push(text) };
const code = await run(args, { stdout: sink, stderr: sink });
const names = Object.keys(createRequire(import.meta.url).cache)
  .filter((file) => file.includes('/node_modules/'))
  .map((file) => file.split('/node_modules/').pop().split('/').slice(0, 1).join('/'));
console.log(JSON.stringify({ code, output: output.join(''), packages: [...new Set(names)].sort() }));
process.exit(0);
`;

/** The exit code, the output and the npm packages loaded by `dockstage <args>` in a fresh process. */
async function packagesLoadedBy(args: readonly string[], cwd: string): Promise<{ code: number; output: string; packages: string[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath, // argv[1] is a placeholder so that main.js does not take itself for the entry script.
    ['--input-type=module', '-e', SCRIPT, 'startup-probe', CLI, ...args],
    {
      cwd,
      env: { ...process.env, NODE_IMAGE: 'dockstage-base/node:20' },
    },
  );
  return JSON.parse(stdout) as { code: number; output: string; packages: string[] };
}

describe('start-up', () => {
  test('--help and --version load commander and nothing else', async () => {
    for (const args of [['--help'], ['--version'], ['plan', '--help']]) {
      const result = await packagesLoadedBy(args, EXAMPLE);
      expect(result.code).toBe(0);
      expect(result.output).not.toBe('');
      expect(result.packages).toEqual(['commander']);
    }
  });

  test('inputs, which needs neither compose nor the engine, loads neither docker-compose nor dockerode', async () => {
    const result = await packagesLoadedBy(['inputs', '--context', path.join(EXAMPLE, 'web'), '--target', 'develop'], EXAMPLE);
    expect(result.code).toBe(0);
    expect(result.output).toContain('src/server.js');
    expect(result.packages).not.toContain('docker-compose');
    expect(result.packages).not.toContain('dockerode');
    // The terminal UI's React is loaded only by the bare command on a terminal.
    expect(result.packages).not.toContain('react');
  });
});

describeWithCompose('start-up with compose', () => {
  test('plan --changed runs compose config itself: it loads neither the docker-compose package (nor its YAML) nor the engine client', async () => {
    const result = await packagesLoadedBy(['plan', '--changed', 'web/src/server.js'], EXAMPLE);
    expect(result.code).toBe(0);
    // The plan names the example's services, which only compose's resolved project knows
    expect(result.output).toMatch(/web\s+develop\s+rebuild/);
    expect(result.packages).not.toContain('docker-compose');
    expect(result.packages).not.toContain('yaml');
    expect(result.packages).not.toContain('dockerode');
    // The terminal UI's React is loaded only by the bare command on a terminal.
    expect(result.packages).not.toContain('react');
  });
});
