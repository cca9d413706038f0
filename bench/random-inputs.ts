/**
 * The generated input check at length: `node --import tsx bench/random-inputs.ts [EDITS] [SEED]` builds a random
 * context, makes EDITS random edits (default 100) in runs of 25 from SEED (default: the time), and compares after each
 * edit BuildKit's image ID with dockstage's plan and inputs hash (bench/support/random-inputs.ts says how). Prints every step
 * and exits 1 on a mismatch, naming the seed that reproduces it.
 */
import { randomInputsCheck } from './support/random-inputs.js';

const edits = Number(process.argv[2] ?? 100);
const firstSeed = Number(process.argv[3] ?? Date.now() % 1_000_000);
if (!Number.isInteger(edits) || edits < 1 || !Number.isInteger(firstSeed)) {
  console.error('usage: node --import tsx bench/random-inputs.ts [EDITS] [SEED]');
  process.exit(2);
}

let compared = 0;
let changed = 0;
let bothFailed = 0;
let planOnly = 0;
let failures = 0;
for (let done = 0, seed = firstSeed; done < edits; done += 25, seed++) {
  const run = await randomInputsCheck({
    seed,
    steps: Math.min(25, edits - done),
    tag: `bench-${process.pid}`,
    log: (line) => console.log(line),
  });
  compared += run.steps.length - run.bothFailed;
  changed += run.imagesChanged;
  bothFailed += run.bothFailed;
  planOnly += run.planOnly;
  for (const { step, problem } of run.mismatches) {
    failures++;
    console.log(`MISMATCH seed ${run.seed} step ${step.step}: ${problem}; edit ${step.edit}, changed [${step.changed.join(', ')}]`);
  }
}
console.log(
  `${compared} edits compared (${changed} changed the image; ${planOnly} planned a rebuild the up-to-date check absorbs; ${bothFailed} left both builds failing and were not compared), ${failures} mismatches`,
);
process.exit(failures === 0 ? 0 : 1);
