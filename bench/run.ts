/**
 * Benchmarks on the real engine, each against a baseline measured in the same
 * run (machines here are noisy: compare the ratio, not the milliseconds).
 *
 *   npm run bench              # NODE_IMAGE defaults to the seeded dockstage-base/node:20
 *
 * 1. "Is web up to date?": dockstage's check (inputs hash + image label) vs the
 *    cheapest thing compose can do, a fully cached `docker buildx build` of the
 *    same target.
 * 2. Environment switch dev → prod with both environments already built:
 *    `dockstage env prod` (no build, recreate what changed) vs `docker compose
 *    up -d --build` with the prod targets (every build cached).
 * 3. Start-up of one-shot commands as whole processes (bench/startup.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBuildxBuilder } from '../src/adapters/buildx/buildx-builder.js';
import { createComposeCli } from '../src/adapters/compose/compose-cli.js';
import { resolveDockerEndpoint } from '../src/adapters/docker/docker-endpoint.js';
import { createDockerodeRuntime } from '../src/adapters/docker/dockerode-runtime.js';
import { createNodeFileSystem } from '../src/adapters/local/node-fs.js';
import { buildServices } from '../src/operations/builds.js';
import { loadWorkspace } from '../src/operations/load-workspace.js';
import { startupRows } from './startup.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const PROJECT = `dsbench-${process.pid}`;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const env: NodeJS.ProcessEnv = { ...process.env, NODE_IMAGE: process.env['NODE_IMAGE'] ?? 'dockstage-base/node:20', WEB_PORT: '0' };

async function time(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockstage-bench-'));
  await cp(path.join(ROOT, 'examples', 'node-web'), dir, { recursive: true, filter: (source) => !source.includes('.dockstage') });
  const cli = (args: string[]) => run(process.execPath, [CLI, '-p', PROJECT, ...args], { cwd: dir, env });
  const compose = (args: string[]) => run('docker', ['compose', '-p', PROJECT, ...args], { cwd: dir, env });
  const rows: Array<[string, string, number, number]> = [];
  try {
    await cli(['build', '-e', 'dev']);
    await cli(['build', '-e', 'prod']);

    // 1. up-to-date check, in process (no compose config in the loop) vs a cached buildx build.
    const fs = createNodeFileSystem();
    const loaded = await loadWorkspace(
      { files: [], projectName: PROJECT, profiles: [], envFiles: [], environment: 'prod' },
      { compose: createComposeCli({ env }), fs, cwd: dir, lookup: (name) => env[name], existsSync },
    );
    const deps = { fs, runtime: createDockerodeRuntime(await resolveDockerEndpoint(env)), builder: createBuildxBuilder({ env }) };
    const check: number[] = [];
    const cachedBuild: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      check.push(await time(() => buildServices(loaded.workspace, deps, { services: ['web'] }, () => undefined)));
      cachedBuild.push(
        await time(() =>
          run(
            'docker',
            [
              'buildx',
              'build',
              '-q',
              '--target',
              'production',
              '--build-arg',
              `NODE_IMAGE=${env['NODE_IMAGE']}`,
              '-t',
              `${PROJECT}-bench:cached`,
              path.join(dir, 'web'),
            ],
            { env },
          ),
        ),
      );
    }
    rows.push(['web up to date?', 'dockstage check vs cached buildx build', median(check), median(cachedBuild)]);

    // 2. environment switch dev → prod, both built.
    const prodOverride = path.join(dir, 'prod-targets.yaml');
    await writeFile(
      prodOverride,
      'services:\n  web: { build: { target: production } }\n  worker: { build: { target: production } }\n  api: { build: { target: production } }\n',
    );
    const devOverride = path.join(dir, 'dev-targets.yaml');
    await writeFile(
      devOverride,
      'services:\n  web: { build: { target: develop } }\n  worker: { build: { target: develop } }\n  api: { build: { target: develop } }\n',
    );
    const switchDockstage: number[] = [];
    const switchCompose: number[] = [];
    for (let round = 0; round < Math.max(3, Math.floor(ROUNDS / 2)); round++) {
      await cli(['up', '-e', 'dev']);
      switchDockstage.push(await time(() => cli(['env', 'prod'])));
      await cli(['down']);
      await compose(['-f', 'compose.yaml', '-f', devOverride, 'up', '-d', '--build']);
      switchCompose.push(await time(() => compose(['-f', 'compose.yaml', '-f', prodOverride, 'up', '-d', '--build'])));
      await compose(['-f', 'compose.yaml', 'down']);
    }
    rows.push(['switch dev → prod', 'dockstage env vs compose up --build', median(switchDockstage), median(switchCompose)]);

    // 3. start-up of one-shot commands, whole processes.
    rows.push(...(await startupRows({ cli: CLI, dir, project: PROJECT, env, rounds: ROUNDS, time, median })));
  } finally {
    await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '-v']).catch(() => undefined);
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${PROJECT}*`]);
    const tags = stdout.split('\n').filter((t) => t !== '');
    if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const header = ['benchmark', 'compared', 'dockstage ms', 'baseline ms', 'ratio'];
  const body = rows.map(([name, compared, ours, baseline]) => [
    name,
    compared,
    ours.toFixed(1),
    baseline.toFixed(1),
    `${(ours / baseline).toFixed(2)}×`,
  ]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of body) console.log(line(row));
  console.log(
    `\nmedians of ${ROUNDS} rounds (switch: ${Math.max(3, Math.floor(ROUNDS / 2))}); engine ${(await run('docker', ['version', '--format', '{{.Server.Version}}'])).stdout.trim()}, ${os.cpus().length} CPUs`,
  );
}

await main();
