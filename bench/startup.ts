/**
 * Start-up benchmarks: a one-shot command as a whole process (node start,
 * module loading, compose, exit), each against a baseline process measured in
 * the same rounds, alternating, so both see the same machine.
 *
 * 1. `dockstage --help` vs `node -e 0`: what loading the CLI costs over bare node.
 * 2. `dockstage plan --changed web/src/server.js` vs `docker compose config
 *    --format json` on the same project: the compose call plan cannot avoid,
 *    against everything plan adds around it (target ≤ 1.5×).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One benchmark row: name, what is compared, dockstage's median ms, the baseline's median ms. */
export type BenchRow = [name: string, compared: string, ours: number, baseline: number];

/** How to run the CLI and compose on the benchmark project. */
export interface StartupBench {
  readonly cli: string;
  readonly dir: string;
  readonly project: string;
  readonly env: NodeJS.ProcessEnv;
  readonly rounds: number;
  readonly time: (action: () => Promise<unknown>) => Promise<number>;
  readonly median: (values: number[]) => number;
}

/** Measures the start-up rows; the project need not be built (neither command touches the engine). */
export async function startupRows(bench: StartupBench): Promise<BenchRow[]> {
  const options = { cwd: bench.dir, env: bench.env };
  const pairs: Array<{ name: string; compared: string; ours: () => Promise<unknown>; baseline: () => Promise<unknown> }> = [
    {
      name: 'start-up',
      compared: 'dockstage --help vs node -e 0',
      ours: () => run(process.execPath, [bench.cli, '--help'], options),
      baseline: () => run(process.execPath, ['-e', '0'], options),
    },
    {
      name: 'plan --changed (process)',
      compared: 'dockstage plan --changed vs compose config --format json',
      ours: () => run(process.execPath, [bench.cli, '-p', bench.project, 'plan', '--changed', 'web/src/server.js'], options),
      baseline: () => run('docker', ['compose', '-p', bench.project, 'config', '--format', 'json'], options),
    },
  ];
  const rows: BenchRow[] = [];
  for (const pair of pairs) {
    await pair.ours();
    await pair.baseline();
    const ours: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < bench.rounds; round++) {
      ours.push(await bench.time(pair.ours));
      baseline.push(await bench.time(pair.baseline));
    }
    rows.push([pair.name, pair.compared, bench.median(ours), bench.median(baseline)]);
  }
  return rows;
}
