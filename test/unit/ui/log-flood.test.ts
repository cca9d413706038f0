/**
 * 10,000 log lines a second into the service on screen, measured by
 * bench/tui-log-flood.tsx in its own process (React's production build, as the
 * CLI loads it, and a heap limit of 32 MB: a leak would abort it): the heap
 * after each full GC stays flat, renders stay batched and keys are answered.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('a 10,000 lines/s flood keeps the heap flat, renders batched and keys answered', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--max-old-space-size=32', '--expose-gc', '--import', 'tsx', 'bench/tui-log-flood.tsx', '5'],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      timeout: 60_000,
    },
  );
  const result = JSON.parse(
    stdout
      .split('\n')
      .find((line) => line.startsWith('RESULT '))!
      .slice('RESULT '.length),
  ) as Record<string, number>;
  expect(result['linesSent']).toBeGreaterThanOrEqual(45_000);
  expect(result['linesKept']).toBe(10_000);
  expect(result['heapMaxMb']! - result['heapAfterFirstSecondMb']!).toBeLessThan(4);
  expect(result['framesPerSecondMax']).toBeLessThanOrEqual(30);
  expect(result['keyToFrameMsMax']).toBeLessThan(1_000);
}, 90_000);
