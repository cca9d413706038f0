/**
 * The README's samples of CLI output are what the CLI prints today:
 *   - every `$ dockstage …` sample in a plain fenced block runs on examples/node-web and prints exactly those lines
 *     (a last line `  …` means the sample stops there: its lines are a prefix of the output);
 *   - the `plan --json` and `inputs --json` samples equal the JSON those commands print there;
 *   - every line of the `watch` sample (a real run, whose times, durations and ids differ per run) has a shape the
 *     human watch log can print, and the `watch --json` table lists exactly the event types it emits.
 * NODE_IMAGE is emptied so that the example's default base image shows, as for a user without a `.env`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { humanLine, type WatchEvent } from '../../../src/cli/output/watch-lines.js';
import { EXAMPLE, REPO_ROOT, runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';

const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const EXAMPLE_ENV = { NODE_IMAGE: '' };

/** The fenced blocks of a Markdown text: language (empty when none) and lines. */
function fencedBlocks(markdown: string): { language: string; lines: string[] }[] {
  return [...markdown.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    language: match[1]!,
    lines: match[2]!.replace(/\n$/, '').split('\n'),
  }));
}

interface CommandSample {
  readonly args: string[];
  readonly expected: string[];
  /** The sample ends with `  …`: it shows only the first lines. */
  readonly prefix: boolean;
}

/** Each `$ dockstage ARGS` line of the plain blocks and the lines below it, up to the next `$` line. */
function commandSamples(markdown: string): CommandSample[] {
  const samples: CommandSample[] = [];
  for (const block of fencedBlocks(markdown)) {
    if (block.language !== '' || !block.lines[0]?.startsWith('$ dockstage ')) continue;
    let current: { args: string[]; lines: string[] } | undefined;
    const finish = () => {
      if (current === undefined) return;
      while (current.lines.at(-1) === '') current.lines.pop();
      const prefix = current.lines.at(-1) === '  …';
      samples.push({ args: current.args, expected: prefix ? current.lines.slice(0, -1) : current.lines, prefix });
    };
    for (const line of block.lines) {
      if (line.startsWith('$ ')) {
        finish();
        current = { args: line.slice(2).trim().split(/\s+/).slice(1), lines: [] };
      } else {
        current?.lines.push(line);
      }
    }
    finish();
  }
  return samples;
}

describeWithCompose('README samples of plan, stages and inputs', () => {
  const samples = commandSamples(README);

  test('the README has samples of plan and stages', () => {
    const commands = new Set(samples.flatMap((sample) => sample.args.filter((arg) => arg === 'plan' || arg === 'stages')));
    expect([...commands].sort()).toEqual(['plan', 'stages']);
  });

  test.each(samples.map((sample) => [sample.args.join(' '), sample] as const))(
    'dockstage %s prints what the README shows',
    async (_, sample) => {
      const result = await runCli(sample.args, { cwd: EXAMPLE, env: EXAMPLE_ENV });
      expect([result.code, result.stderr]).toEqual([0, '']);
      const printed = result.stdout.replace(/\n$/, '').split('\n');
      expect(sample.prefix ? printed.slice(0, sample.expected.length) : printed).toEqual(sample.expected);
    },
  );

  test('the plan --json sample is the JSON plan prints', async () => {
    const match = /`dockstage (plan --json [^`]+)`[^\n]*\n\n```json\n([\s\S]*?)```/.exec(README);
    expect(match, 'a `dockstage plan --json …` line followed by a json block').not.toBeNull();
    const result = await runCli(match![1]!.split(/\s+/), { cwd: EXAMPLE, env: EXAMPLE_ENV });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(match![2]!));
  });

  test('the inputs --json sample is the JSON inputs prints', async () => {
    const match = /`dockstage (inputs [^`]+--json)`[^`]*`(\{[^`]+\})`/.exec(README);
    expect(match, 'a `dockstage inputs … --json` followed by its JSON').not.toBeNull();
    const result = await runCli(match![1]!.split(/\s+/), { cwd: EXAMPLE, env: EXAMPLE_ENV });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(match![2]!));
  });
});

/** Placeholders in sample events, and what each may be in a real line. */
const SHAPES: Record<string, string> = {
  '⟨services⟩': '[a-z0-9_.-]+(?:, [a-z0-9_.-]+)*',
  '⟨paths⟩': '\\S+(?:, \\S+)*',
  '⟨text⟩': '.+',
  '⟨name⟩': '[\\w.-]+',
  '⟨n⟩': '\\d+',
  '⟨id⟩': '[0-9a-f]{12}',
};
const SECONDS = 4242;
const ID = '⟨id⟩'.padEnd(12, '_');
const ERROR = {
  message: '⟨text⟩',
  file: '⟨text⟩',
  line: '⟨n⟩',
  path: null,
  hint: '⟨text⟩',
  service: null,
  stage: null,
  instruction: null,
  logTail: ['⟨text⟩'],
};
const PLAIN_ERROR = {
  message: '⟨text⟩',
  file: null,
  line: null,
  path: null,
  hint: null,
  service: null,
  stage: null,
  instruction: null,
  logTail: [],
};

/**
 * Every kind of event the human log prints, with each variant of its wording. Placeholders stand where the real event
 * has numbers or fields the line does not show, so the list is typed loosely on purpose.
 */
const SAMPLE_EVENTS = [
  { type: 'watching', paths: '⟨n⟩', environment: '⟨name⟩' },
  { type: 'change', paths: ['⟨paths⟩'] },
  { type: 'plan', services: [], reload: true },
  { type: 'plan', services: [{ name: '⟨services⟩', action: 'rebuild', reasons: [{ rule: 'sync-not-possible', message: '⟨text⟩' }] }] },
  { type: 'plan', services: [], blocked: [{ name: '⟨name⟩', error: ERROR }] },
  { type: 'plan', services: [{ name: '⟨name⟩', action: 'restart', reasons: [] }] },
  { type: 'plan', services: [] },
  { type: 'build-start', services: ['⟨services⟩'], target: '⟨name⟩', check: true },
  { type: 'build-start', services: ['⟨services⟩'], target: '⟨name⟩', check: false },
  { type: 'build-done', services: ['⟨services⟩'], upToDate: true },
  { type: 'build-done', services: ['⟨services⟩'], upToDate: false, durationMs: SECONDS, cachedSteps: '⟨n⟩', totalSteps: '⟨n⟩' },
  { type: 'build-failed', services: ['⟨services⟩'], error: ERROR },
  { type: 'build-failed', services: ['⟨services⟩'], error: PLAIN_ERROR },
  { type: 'replaced', service: '⟨name⟩', oldId: ID, newId: ID },
  { type: 'restarted', service: '⟨name⟩' },
  { type: 'waiting', service: '⟨name⟩', reason: 'waiting-for-priority', for: ['⟨services⟩'] },
  { type: 'ready', service: '⟨name⟩', health: 'healthy' },
  { type: 'ready', service: '⟨name⟩', health: null },
  { type: 'synced', service: '⟨name⟩', paths: ['⟨paths⟩'], reload: 'none' },
  { type: 'synced', service: '⟨name⟩', paths: ['⟨paths⟩'], reload: '⟨text⟩' },
  { type: 'up', services: ['⟨services⟩'] },
  { type: 'bind-synced', service: '⟨name⟩', source: '⟨paths⟩', target: '⟨paths⟩', full: true, paths: [], written: '⟨n⟩', removed: '⟨n⟩' },
  {
    type: 'bind-synced',
    service: '⟨name⟩',
    source: '⟨paths⟩',
    target: '⟨paths⟩',
    full: true,
    paths: [],
    written: '⟨n⟩',
    removed: '⟨n⟩',
    reload: '⟨text⟩',
  },
  {
    type: 'bind-synced',
    service: '⟨name⟩',
    source: '⟨paths⟩',
    target: '⟨paths⟩',
    full: false,
    paths: ['⟨paths⟩'],
    written: '⟨n⟩',
    removed: '⟨n⟩',
  },
  {
    type: 'bind-synced',
    service: '⟨name⟩',
    source: '⟨paths⟩',
    target: '⟨paths⟩',
    full: true,
    paths: [],
    written: 0,
    removed: 0,
    error: PLAIN_ERROR,
  },
  { type: 'blocked', service: '⟨name⟩', error: ERROR },
  { type: 'blocked', service: '⟨name⟩', error: PLAIN_ERROR },
  { type: 'unblocked', service: '⟨name⟩' },
  { type: 'exited', service: '⟨name⟩', exitCode: '⟨n⟩', crashLooping: true, exitsInLastMinute: '⟨n⟩', logTail: [] },
  { type: 'exited', service: '⟨name⟩', exitCode: '⟨n⟩', crashLooping: false, logTail: [] },
  { type: 'pruned', service: '⟨name⟩', imageId: `sha256:${ID}` },
  { type: 'environment', environment: '⟨name⟩' },
  { type: 'error', error: ERROR, detail: '⟨text⟩' },
  { type: 'error', error: PLAIN_ERROR },
  { type: 'disconnected', message: '⟨text⟩' },
] as unknown as WatchEvent[];

/** The first line of each sample event's human line, as a pattern: the placeholders become what they may be. */
function watchLineShapes(): RegExp[] {
  return SAMPLE_EVENTS.flatMap((event) => {
    const line = humanLine(event)?.split('\n')[0];
    if (line === undefined) return [];
    let pattern = line
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/⟨id⟩_+/g, '⟨id⟩')
      .replace((SECONDS / 1000).toFixed(1).replace('.', '\\.'), '\\d+\\.\\d');
    for (const [placeholder, shape] of Object.entries(SHAPES)) pattern = pattern.replaceAll(placeholder, shape);
    return [new RegExp(`^${pattern}$`)];
  });
}

describe('the README sample of watch', () => {
  const block = fencedBlocks(README).find((b) => b.language === '' && /^\$ .*\bdockstage watch\b/.test(b.lines[0] ?? ''));
  const shapes = watchLineShapes();

  test('every line has a time and a shape the human watch log prints', () => {
    expect(block, 'a plain block starting with `$ … dockstage watch`').toBeDefined();
    const lines = block!.lines.slice(1);
    expect(lines.length).toBeGreaterThan(5);
    const unknown = lines.filter((line) => {
      if (/^ {2}(│ |hint: )/.test(line)) return false;
      const match = /^\d\d:\d\d:\d\d (.*)$/.exec(line);
      return match === null || !shapes.some((shape) => shape.test(match[1]!));
    });
    expect(unknown).toEqual([]);
  });

  test('lines the human log no longer prints fail the check', () => {
    for (const line of ['web: rebuild, worker: rebuild', 'web: sync, worker: sync', 'web: rebuilding']) {
      expect([line, shapes.some((shape) => shape.test(line))]).toEqual([line, false]);
    }
    expect(shapes.some((shape) => shape.test('web, worker: built in 0.3s (4 of 5 steps cached)'))).toBe(true);
  });

  test('the watch --json table lists exactly the event types watch emits', () => {
    // watch's events, its containers' log events (--logs) and the last event at a signal.
    const source = [
      'cli/output/watch-events.ts',
      'cli/output/watch-lines.ts',
      'cli/output/check-lines.ts',
      'cli/output/app-logs.ts',
      'cli/commands/watch.ts',
    ]
      .map((file) => readFileSync(path.join(REPO_ROOT, 'src', file), 'utf8'))
      .join('\n');
    const emitted = [...new Set([...source.matchAll(/\btype: '([a-z-]+)'/g)].map((match) => match[1]!))].sort();
    const table = README.slice(README.indexOf('`watch --json` prints one object per line'));
    const rows = table
      .slice(0, table.indexOf('\n\n', table.indexOf('| type |')))
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const documented = rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]!)).sort();
    expect(documented).toEqual(emitted);
  });
});
