/**
 * The terminal UI under a log flood: 10,000 lines a second into one service
 * (the one on screen) for DURATION seconds, with the App rendering to a
 * virtual terminal and a key pressed every 250 ms. Prints, each second, the
 * heap after a full GC, the lines kept, the frames drawn and the worst delay
 * between a key and the frame that shows it.
 *
 *   NODE_ENV=production node --expose-gc --import tsx bench/tui-log-flood.tsx [seconds]
 *
 * React's development build (NODE_ENV unset) keeps debug data for every element
 * it ever rendered and grows without bound under a flood; the CLI loads React's
 * production build (src/cli/main.ts), and so should this measurement.
 */
import { render } from 'ink-testing-library';
import { LogBuffer } from '../src/engine/log-buffer.js';
import { createStore } from '../src/engine/store.js';
import { App } from '../src/ui/components/App.js';
import { running } from '../test/support/tui-states.js';

const DURATION = Number(process.argv[2] ?? 20);
const LINES_PER_SECOND = 10_000;
const TICK_MS = 10;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
if (process.env['NODE_ENV'] !== 'production') console.warn('NODE_ENV is not production: React keeps debug data per element and the heap grows');

const store = createStore(running());
const logs = new LogBuffer();
const instance = render(<App store={store} logs={logs} now={() => Date.now()} colors size={{ columns: 100, rows: 30 }} onShell={() => undefined} onQuit={() => undefined} />);
// Focus the logs pane so j/k scroll them.
instance.stdin.write('\t\t');

// Lines go in by the clock (a late timer sends more), so the rate holds whatever the timers do.
let sent = 0;
const started = performance.now();
const flood = setInterval(() => {
  const now = Date.now();
  const due = Math.floor(((performance.now() - started) / 1000) * LINES_PER_SECOND);
  for (; sent < due; sent++) logs.append('api', 'app', 'stdout', `${now} GET /api/items/${sent}?page=${sent % 97} 200 ${sent % 13}ms`, now);
}, TICK_MS);

// A key every 250 ms: k pauses following ("paused"), G resumes ("following"); the delay until the frame shows it.
let keyAt = 0;
let want = 'paused';
let worstKeyMs = 0;
const keys = setInterval(() => {
  want = want === 'paused' ? 'following' : 'paused';
  keyAt = performance.now();
  instance.stdin.write(want === 'paused' ? 'k' : 'G');
}, 250);
let framesThisSecond = 0;
const frames = instance.stdout.frames;
const watchFrames = setInterval(() => {
  if (frames.length === 0) return;
  framesThisSecond += frames.length;
  const last = frames[frames.length - 1]!;
  frames.length = 0;
  if (keyAt !== 0 && last.includes(want === 'paused' ? 'paused, ↓' : '─ following ─')) {
    worstKeyMs = Math.max(worstKeyMs, performance.now() - keyAt);
    keyAt = 0;
  }
}, 5);

console.log('second  lines sent  lines kept  heap MB  frames  worst key → frame ms');
const rows: number[][] = [];
for (let second = 1; second <= DURATION; second++) {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  gc();
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  rows.push([second, sent, logs.retained(), heap, framesThisSecond, worstKeyMs]);
  console.log(`${String(second).padStart(6)}  ${String(sent).padStart(10)}  ${String(logs.retained()).padStart(10)}  ${heap.toFixed(1).padStart(7)}  ${String(framesThisSecond).padStart(6)}  ${worstKeyMs.toFixed(0).padStart(6)}`);
  framesThisSecond = 0;
  worstKeyMs = 0;
}
clearInterval(flood);
clearInterval(keys);
clearInterval(watchFrames);
instance.unmount();
const heaps = rows.map((r) => r[3]!);
console.log(`heap after 2 s: ${heaps[1]?.toFixed(1)} MB; max over the run: ${Math.max(...heaps).toFixed(1)} MB; last: ${heaps.at(-1)?.toFixed(1)} MB`);
// One line for tests that run this script.
const result = {
  seconds: DURATION,
  linesSent: sent,
  linesKept: logs.retained(),
  heapAfterFirstSecondMb: heaps[0],
  heapMaxMb: Math.max(...heaps),
  framesPerSecondMax: Math.max(...rows.map((r) => r[4]!)),
  keyToFrameMsMax: Math.max(...rows.map((r) => r[5]!)),
};
console.log(`RESULT ${JSON.stringify(result)}`);
