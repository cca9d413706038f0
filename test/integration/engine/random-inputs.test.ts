/**
 * The generated check, small: after each of a few random edits of a random context, built by BuildKit before and
 * after, the image changes exactly when dockstage's inputs hash does, and never without its plan saying rebuild
 * (bench/support/random-inputs.ts). The seed is printed on failure; `DOCKSTAGE_RANDOM_SEED` replays one, and
 * bench/random-inputs.ts runs as many edits as asked.
 */
import { expect, test } from 'vitest';
import { randomInputsCheck } from '../../../bench/support/random-inputs.js';
import { describeWithEngine } from '../../support/docker.js';

const SEED = Number(process.env['DOCKSTAGE_RANDOM_SEED'] ?? 20261206);

describeWithEngine('generated check of inputs against BuildKit', () => {
  test('after each random edit, the image changes exactly when the inputs hash does, and never unplanned', async () => {
    const lines: string[] = [];
    const run = await randomInputsCheck({ seed: SEED, steps: 12, tag: `test-${process.pid}`, log: (line) => lines.push(line) });
    const problems = run.mismatches.map(
      ({ step, problem }) => `step ${step.step} (${step.edit}; changed [${step.changed.join(', ')}]): ${problem}`,
    );
    expect(problems, `seed ${run.seed} (replay with DOCKSTAGE_RANDOM_SEED=${run.seed}):\n${lines.join('\n')}`).toEqual([]);
    expect(run.steps).toHaveLength(12);
  }, 60_000);
});
