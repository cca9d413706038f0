/**
 * The whole App on a store holding a literal state: keys through stdin, the
 * screen through lastFrame, the engine actions through a recording
 * subscriber. Every wait is on a condition.
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, test } from 'vitest';
import type { EngineAction } from '../../../../src/core/state/actions.js';
import type { EngineState } from '../../../../src/core/state/engine-state.js';
import { LogBuffer } from '../../../../src/engine/log-buffer.js';
import { createStore, type Store } from '../../../../src/engine/store.js';
import { App } from '../../../../src/ui/components/App.js';
import { BuildFailedError } from '../../../../src/core/errors.js';
import { fold, running } from '../../../support/tui-states.js';
import { waitFor } from '../../../support/wait.js';

const NOW = 14_000;
const ESC = '\u001b';
const DOWN = '\u001b[B';
const UP = '\u001b[A';
const TAB = '\t';

interface Harness {
  store: Store;
  logs: LogBuffer;
  actions: EngineAction[];
  quits: boolean[];
  shells: string[];
  frame: () => string;
  frames: string[];
  press: (keys: string) => void;
  /** Waits until the screen satisfies `check` (a string it contains, or a predicate). */
  see: (check: string | ((frame: string) => boolean), message?: string) => Promise<string>;
  rerender: ReturnType<typeof render>['rerender'];
  stdout: ReturnType<typeof render>['stdout'];
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function app(
  state: EngineState = running(),
  options: { size?: { columns: number; rows: number } | null; logs?: LogBuffer; messageMs?: number } = {},
): Harness {
  const store = createStore(state);
  const logs = options.logs ?? new LogBuffer();
  const actions: EngineAction[] = [];
  // What keys ask of the engine; the selection the engine is told (serviceFocused) is read from the state instead.
  store.subscribe({ onChange: (_state, action) => action.type !== 'serviceFocused' && actions.push(action) });
  const quits: boolean[] = [];
  const shells: string[] = [];
  const size = options.size === null ? undefined : (options.size ?? { columns: 80, rows: 24 });
  const element = (
    <App
      store={store}
      logs={logs}
      now={() => NOW}
      colors={false}
      {...(size === undefined ? {} : { size })}
      {...(options.messageMs === undefined ? {} : { messageMs: options.messageMs })}
      onShell={(service, id) => shells.push(`${service}:${id}`)}
      onQuit={(takeDown) => quits.push(takeDown)}
    />
  );
  const instance = render(element);
  cleanups.push(() => instance.unmount());
  const frame = () => instance.lastFrame() ?? '';
  return {
    store,
    logs,
    actions,
    quits,
    shells,
    frame,
    frames: instance.frames,
    press: (keys) => instance.stdin.write(keys),
    see: (check, message) =>
      waitFor(() => (typeof check === 'string' ? frame().includes(check) : check(frame())) && frame(), {
        timeoutMs: 3_000,
        message: message ?? `the screen to show ${String(check)}`,
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- last frame ---\n${frame()}`);
      }),
    rerender: instance.rerender,
    stdout: instance.stdout,
  };
}

/** The frame without SGR codes (search matches are drawn in reverse video even without colour). */
function plain(frame: string): string {
  return frame.replace(/\u001b\[[0-9;]*m/g, '');
}

function selectedLine(frame: string): string {
  return frame.split('\n').find((line) => line.startsWith('▸ ')) ?? '';
}

describe('the screen at 80×24', () => {
  test('header, services, build pane, logs and footer fit in 24 lines of 80 columns', async () => {
    // Given a running project with some output from api
    const logs = new LogBuffer();
    logs.append('api', 'app', 'stdout', 'api listening on 4000', NOW - 5_000);
    // When the App renders at 80×24
    const ui = app(running(), { logs });
    const frame = await ui.see('api listening on 4000');
    // Then everything fits
    const lines = frame.split('\n');
    expect(lines).toHaveLength(24);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ dockstage {2}shop {2}env: ci \[dev\] prod {2}● watching 12 {2}engine 20\.10\.24 localhost/);
    expect(lines[1]).toMatch(/^━ services \(4\) ━+$/);
    expect(selectedLine(frame)).toMatch(/^▸ api +develop +● running +✓ up to date +checked 13s ago$/);
    expect(lines[6]).toMatch(/^─ api · api\/Dockerfile · target develop ─+$/);
    expect(frame).toMatch(/─ logs: api · app output ─+ following ─/);
    expect(lines[23]).toMatch(/^ ↑↓ move {2}e env {2}b build .* \? help {2}q quit$/);
  });

  test('a long build error wraps in the build pane and in the detail, never cut; the header keeps it to one line', async () => {
    // Given web's build failed with a message, a hint and a log line wider than the terminal
    const error = new BuildFailedError(
      'web, worker: RUN npm test exited with code 1 after the test runner reported 3 failing tests in src/shared/format.test.js',
      {
        service: 'web',
        stage: 'develop',
        instruction: 'RUN npm test',
        file: 'app/Dockerfile',
        line: 6,
        hint: 'fix the failing step; the running containers were left as they were, serving the last good image',
        logTail: [
          'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: formatPrice(1999) should be "$19.99" but was "$19.9900"',
        ],
      },
    );
    const state = fold(
      running(),
      { type: 'buildStarted', id: 'b3', services: ['web', 'worker'], at: 12_000 },
      { type: 'buildFailed', id: 'b3', error, cancelled: false, at: 12_500 },
    );
    const ui = app(state, { size: { columns: 80, rows: 30 } });
    await ui.see('▸ api');
    // When web is selected
    ui.press('jj');
    let frame = await ui.see('─ web · app/Dockerfile');
    // Then every line fits, the error and its hint are whole across lines, and the header's banner is one cut line
    const lines = frame.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    const joined = (from: string, count: number) => {
      const start = lines.findIndex((l) => l.includes(from));
      return lines
        .slice(start, start + count)
        .map((l) => l.trim())
        .join(' ');
    };
    expect(joined('✗ web, worker: RUN npm test', 2)).toBe(`✗ ${error.message}`);
    expect(lines[1]).toMatch(/^ ! last error: web, worker: RUN npm test exited with code 1 after .*…$/);
    expect(lines[2]).toMatch(/^━ services/);
    // When Enter opens the detail (room for all of it): the hint and the log tail wrap too, the tail under its bar
    ui.press('\r');
    frame = await ui.see('│ AssertionError');
    lines.splice(0, lines.length, ...frame.split('\n'));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(joined('hint: fix the failing step', 2)).toBe(`hint: ${error.hint}`);
    const tail = frame.split('\n').filter((l) => l.trimStart().startsWith('│'));
    expect(tail.map((l) => l.trimStart().slice(2)).join(' ')).toBe(error.logTail[0]);
    expect(tail.length).toBeGreaterThan(1);
  });

  test('a terminal smaller than 80×24 says how much room it needs and lists the services plainly; growing it shows the screen', async () => {
    // Given a 60×20 terminal
    const ui = app(running(), { size: { columns: 60, rows: 20 } });
    // Then
    const frame = await ui.see('dockstage needs 80×24; this terminal is 60×20.');
    expect(frame).toContain('▸ api ● running ✓ up to date');
    expect(frame).toContain('  cache ● running image');
    // When it grows to 80×24
    ui.rerender(
      <App
        store={ui.store}
        logs={ui.logs}
        now={() => NOW}
        colors={false}
        size={{ columns: 80, rows: 24 }}
        onShell={() => undefined}
        onQuit={() => undefined}
      />,
    );
    // Then the full screen shows
    await ui.see('━ services (4)');
  });

  test('a terminal resized below 80×24 while running switches to the notice at once', async () => {
    // Given the App sized by its terminal (100 columns, no rows reported: 24 assumed)
    const ui = app(running(), { size: null });
    await ui.see('━ services (4)');
    // When the terminal shrinks
    Object.defineProperty(ui.stdout, 'columns', { value: 70, configurable: true });
    Object.defineProperty(ui.stdout, 'rows', { value: 20, configurable: true });
    ui.stdout.emit('resize');
    // Then
    await ui.see('this terminal is 70×20');
  });
});

describe('keys', () => {
  test('↓ selects the next service and its build pane follows', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press(DOWN);
    await ui.see((f) => selectedLine(f).startsWith('▸ cache'));
    ui.press('j');
    const frame = await ui.see((f) => selectedLine(f).startsWith('▸ web'));
    expect(frame).toMatch(/─ web · app\/Dockerfile · target develop · one build with worker ─/);
    ui.press(UP);
    await ui.see((f) => selectedLine(f).startsWith('▸ cache'));
  });

  test('the selected service is the one the engine serves first: told at start and on every move', async () => {
    const ui = app();
    await ui.see('▸ api');
    await waitFor(() => ui.store.getState().focus === 'api', { message: 'the first selection told' });
    ui.press('j');
    await waitFor(() => ui.store.getState().focus === 'cache', { message: 'the move told' });
  });

  test('b, B, r, s and w dispatch engine actions for the selected service', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press('b');
    await ui.see('› rebuilding api');
    ui.press('r');
    await ui.see('› restarting api');
    ui.press('s');
    await ui.see('› stopping api');
    ui.press('w');
    await ui.see('‖ paused');
    ui.press('B');
    await ui.see('› rebuilding what is stale');
    const asked = ui.actions.map((a) => ({ ...a, at: 0 }));
    expect(asked).toEqual([
      { type: 'buildRequested', services: ['api'], at: 0 },
      { type: 'restartRequested', service: 'api', at: 0 },
      { type: 'serviceStopped', service: 'api', at: 0 },
      { type: 'watchPaused', at: 0 },
      { type: 'buildRequested', services: 'stale', at: 0 },
    ]);
    expect(ui.actions.every((a) => !('at' in a) || a.at === NOW)).toBe(true);
  });

  test("a key's answer leaves the footer after a while", async () => {
    const ui = app(running(), { messageMs: 200 });
    await ui.see('▸ api');
    ui.press('b');
    await ui.see('› rebuilding api');
    await ui.see((f) => !f.includes('› rebuilding api') && f.includes('? help'), 'the answer to go');
  });

  test('w, then an edit: the services it would rebuild say "changes pending" until watching resumes', async () => {
    // Given watching paused
    const ui = app();
    await ui.see('▸ api');
    ui.press('w');
    await ui.see('‖ paused');
    // When web's sources change
    ui.store.dispatch({ type: 'filesChanged', paths: ['/p/app/src/message.js'], at: NOW });
    // Then web and worker say so, api stays up to date
    const frame = await ui.see('! changes pending');
    expect(frame.split('\n').find((line) => line.includes(' web '))).toContain('! changes pending');
    expect(frame.split('\n').find((line) => line.includes(' worker '))).toContain('! changes pending');
    expect(frame.split('\n').find((line) => line.includes(' api '))).toContain('✓ up to date');
    // When resumed, the check is queued instead
    ui.press('w');
    await ui.see((f) => !f.includes('changes pending') && f.includes('● watching'), 'the note gone on resume');
  });

  test('x asks for a shell in the selected running container', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press('jjx');
    await waitFor(() => ui.shells.length > 0);
    expect(ui.shells).toEqual(['web:c-web']);
  });

  test('keys typed with x and after it are the shell’s: none of them reaches the engine', async () => {
    // Given web selected
    const ui = app();
    await ui.see('▸ api');
    ui.press('jj');
    await ui.see('▸ web');
    // When x and a command arrive in one read, then more keys while the shell runs
    ui.press('xls src\rs');
    await waitFor(() => ui.shells.length > 0);
    ui.press('seq');
    // Then the shell was asked for once, and no key stopped, rebuilt or switched anything
    await waitFor(() => ui.frames.length > 0);
    expect(ui.shells).toEqual(['web:c-web']);
    expect(ui.actions).toEqual([]);
    expect(ui.frame()).not.toContain('Quit dockstage?');
  });

  test('tab moves the focus: its title is drawn heavy and the footer shows its keys', async () => {
    const ui = app();
    await ui.see('━ services');
    ui.press(TAB);
    let frame = await ui.see(/━ api · api\/Dockerfile/.test.bind(/━ api · api\/Dockerfile/));
    expect(frame).toMatch(/─ services \(4\) ─/);
    ui.press(TAB);
    frame = await ui.see('━ logs: api');
    expect(frame.split('\n').at(-1)).toMatch(/^ ↑↓ scroll {2}\/ search {2}n\/N match/);
  });
});

describe('help', () => {
  test('? shows every key; esc goes back', async () => {
    const ui = app();
    await ui.see('▸ api');
    // When
    ui.press('?');
    // Then
    const frame = await ui.see('Keys · esc closes');
    for (const text of [
      'select; scroll the pane',
      'switch environment',
      'rebuild all stale',
      'shell in its container',
      'search, matches marked',
      'follow newest lines',
      'quit now, leave running',
    ]) {
      expect(frame).toContain(text);
    }
    expect(frame.split('\n').at(-1)).toBe(' esc close');
    ui.press(ESC);
    await ui.see('━ services (4)');
  });
});

describe('the environment menu', () => {
  test('e lists the environments with the active one; picking prod asks, y switches and the header says so', async () => {
    const ui = app();
    await ui.see('▸ api');
    // When e is pressed
    ui.press('e');
    // Then the menu shows, on the active environment
    let frame = await ui.see(' Environment');
    expect(frame).toContain(' ▸ dev  (active)');
    expect(frame).toContain('   prod');
    // When prod is picked
    ui.press('j');
    await ui.see(' ▸ prod');
    ui.press('\r');
    frame = await ui.see('Switch to prod?');
    expect(ui.actions).toEqual([]);
    // And confirmed
    ui.press('y');
    // Then the switch is asked of the engine and the header shows it under way
    frame = await ui.see('switching → prod (loading)');
    expect(ui.actions).toEqual([{ type: 'environmentSwitchRequested', environment: 'prod', at: NOW }]);
  });

  test('esc closes the menu without switching', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press('e');
    await ui.see(' Environment');
    ui.press(ESC);
    await ui.see('━ services (4)');
    expect(ui.actions).toEqual([]);
  });
});

describe('quitting', () => {
  test('q asks, leaving the containers running by default', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press('q');
    await ui.see(' ▸ leave containers running');
    ui.press('\r');
    await waitFor(() => ui.quits.length > 0);
    expect(ui.quits).toEqual([false]);
  });

  test('d takes them down; ctrl-c quits without asking', async () => {
    const ui = app();
    await ui.see('▸ api');
    ui.press('q');
    await ui.see('Quit dockstage?');
    ui.press('d');
    await waitFor(() => ui.quits.length > 0);
    ui.press('\u0003');
    await waitFor(() => ui.quits.length > 1);
    expect(ui.quits).toEqual([true, false]);
  });
});

describe('logs', () => {
  function withLines(count: number, text = (i: number) => `GET /items/${i} 200`): LogBuffer {
    const logs = new LogBuffer();
    for (let i = 1; i <= count; i++) logs.append('api', 'app', 'stdout', text(i), NOW - 10_000 + i);
    return logs;
  }

  test('scrolling up pauses following; G follows again', async () => {
    const ui = app(running(), { logs: withLines(100) });
    await ui.see('GET /items/100 200');
    ui.press(`${TAB}${TAB}kkk`);
    let frame = await ui.see('paused, ↓3 newer (G follows)');
    expect(frame).not.toContain('GET /items/100 200');
    expect(frame).toContain('GET /items/97 200');
    // New lines do not move a paused view
    ui.logs.append('api', 'app', 'stdout', 'GET /items/101 200', NOW);
    frame = await ui.see('paused, ↓4 newer');
    ui.press('G');
    await ui.see('GET /items/101 200');
    expect(ui.frame()).toContain('following');
  });

  test('/ searches: matching lines are marked, the count shows, n jumps, f keeps only matches', async () => {
    const ui = app(running(), { logs: withLines(60, (i) => (i % 20 === 0 ? `ERROR job ${i} failed` : `ok ${i}`)) });
    await ui.see('ok 59');
    // When
    ui.press('/error');
    let frame = await ui.see('/error▏ 3 matches');
    ui.press('\r');
    // Then the newest match is current (▶), older matching lines are marked ›
    frame = plain(await ui.see('/error 3 matches'));
    expect(frame.split('\n').find((l) => l.includes('ERROR job 60 failed'))).toMatch(/^▶\d\d:\d\d:\d\d ERROR job 60 failed$/);
    expect(frame.split('\n').find((l) => l.includes('ok 59'))).toMatch(/^ \d\d:\d\d:\d\d ok 59$/);
    expect(ui.frame()).toContain('\u001b[7mERROR\u001b[27m job 60 failed');
    // When N jumps to an older match
    ui.press('N');
    frame = await ui.see((f) =>
      (
        plain(f)
          .split('\n')
          .find((l) => l.includes('ERROR job 40 failed')) ?? ''
      ).startsWith('▶'),
    );
    expect(frame).toContain('paused');
    // When only matching lines are kept
    ui.press('f');
    frame = plain(await ui.see('· filter'));
    const shown = frame.split('\n').filter((l) => /^[▶› ]\d\d:\d\d:\d\d /.test(l));
    expect(shown.map((l) => l.slice(10))).toEqual(['ERROR job 20 failed', 'ERROR job 40 failed', 'ERROR job 60 failed']);
  });

  test('l shows all services with their names; o switches to build output', async () => {
    const logs = new LogBuffer();
    logs.append('api', 'app', 'stdout', 'api up', NOW - 2);
    logs.append('web', 'app', 'stdout', 'web up', NOW - 1);
    logs.append('web', 'build', 'stdout', '[develop 1/1] COPY src/ ./src/', NOW);
    const ui = app(running(), { logs });
    await ui.see('api up');
    expect(ui.frame()).not.toContain('web up');
    ui.press('l');
    const frame = await ui.see('logs: all services');
    expect(frame).toMatch(/ \d\d:\d\d:\d\d api {4}api up/);
    expect(frame).toMatch(/ \d\d:\d\d:\d\d web {4}web up/);
    ui.press('o');
    await ui.see('[develop 1/1] COPY src/ ./src/');
    expect(ui.frame()).toContain('build output');
  });
});

describe('batched rendering', () => {
  test('ten thousand actions at once redraw a handful of times, not ten thousand', async () => {
    const ui = app();
    await ui.see('● watching 12');
    const before = ui.frames.length;
    for (let i = 1; i <= 10_000; i++) ui.store.dispatch({ type: 'watchPathsChanged', paths: 12 + i, at: NOW });
    await ui.see('● watching 10012');
    expect(ui.frames.length - before).toBeLessThanOrEqual(3);
  });
});
