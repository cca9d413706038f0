/** onKey: what each key does to the UI state and what it asks of the engine, on literal contexts. */
import { describe, expect, test } from 'vitest';
import {
  initialUiState,
  onKey,
  reconcileSelection,
  type KeyContext,
  type KeyPress,
  type UiEffect,
  type UiState,
} from '../../../src/ui/ui-state.js';

const SEQS = Array.from({ length: 50 }, (_, i) => i + 1);

function context(overrides: Partial<KeyContext> = {}): KeyContext {
  return {
    services: [
      { name: 'api', built: true, running: true, containerId: 'c-api' },
      { name: 'cache', built: false, running: true, containerId: 'c-cache' },
      { name: 'web', built: true, running: false, containerId: undefined },
    ],
    environments: ['ci', 'dev', 'prod'],
    activeEnvironment: 'dev',
    watchPaused: false,
    log: { seqs: SEQS, matches: [5, 20, 45], height: 10 },
    build: { rows: 8, height: 5 },
    ...overrides,
  };
}

/** Presses keys in order (`'j'`, or `{ name: 'up' }`), returning the last state and every effect. */
function press(
  ui: UiState,
  keys: (string | (Omit<KeyPress, 'text'> & { text?: string }))[],
  ctx = context(),
): { ui: UiState; effects: UiEffect[] } {
  const effects: UiEffect[] = [];
  for (const key of keys) {
    const result = onKey(ui, typeof key === 'string' ? { text: key } : { text: '', ...key }, ctx);
    ui = result.ui;
    effects.push(...result.effects);
  }
  return { ui, effects };
}

const start = initialUiState('api');

/** The effect of a move: the engine learns which service the user looks at. */
const focused = (service: string): UiEffect => ({ type: 'dispatch', action: { type: 'serviceFocused', service } });

describe('moving', () => {
  test('j/k and ↑/↓ move the selection and stop at the ends', () => {
    expect(press(start, ['j']).ui.selected).toBe('cache');
    expect(press(start, ['j', 'j', 'j', 'j']).ui.selected).toBe('web');
    expect(press(start, [{ name: 'down' }, { name: 'up' }, 'k']).ui.selected).toBe('api');
  });

  test('a new selection follows its logs again and scrolls its build pane to the top', () => {
    const scrolled = { ...start, logs: { ...start.logs, anchor: 12 }, buildScroll: 2 };
    expect(press(scrolled, ['j']).ui).toMatchObject({ selected: 'cache', buildScroll: 0, logs: { anchor: undefined } });
  });

  test('a move tells the engine which service the user looks at (served first); staying put tells nothing', () => {
    expect(press(start, ['j', 'j']).effects).toEqual([focused('cache'), focused('web')]);
    expect(press(start, ['k']).effects).toEqual([]);
    expect(press({ ...start, focus: 'logs' }, ['j']).effects).toEqual([]);
  });

  test('tab and shift-tab cycle the focus through services, build and logs', () => {
    expect(press(start, [{ name: 'tab' }]).ui.focus).toBe('build');
    expect(press(start, [{ name: 'tab' }, { name: 'tab' }, { name: 'tab' }]).ui.focus).toBe('services');
    expect(press(start, [{ name: 'tab', shift: true }]).ui.focus).toBe('logs');
  });

  test('in the build pane, ↑/↓ scroll it within its content', () => {
    const build = { ...start, focus: 'build' as const };
    expect(press(build, ['j', 'j', 'j', 'j', 'j']).ui.buildScroll).toBe(3);
    expect(press(build, ['k']).ui.buildScroll).toBe(0);
  });

  test('the selection moves to the first service when the selected one is gone', () => {
    expect(reconcileSelection(initialUiState('old'), ['api', 'web']).selected).toBe('api');
    expect(reconcileSelection(initialUiState(), ['api']).selected).toBe('api');
  });
});

describe('keys that ask the engine', () => {
  test('b rebuilds the selected service; an image-only service says there is nothing to build', () => {
    expect(press(start, ['b']).effects).toEqual([{ type: 'dispatch', action: { type: 'buildRequested', services: ['api'] } }]);
    const image = press(start, ['j', 'b']);
    expect(image.effects).toEqual([focused('cache')]);
    expect(image.ui.message).toBe('cache runs an image: nothing to build');
  });

  test('B rebuilds everything stale', () => {
    expect(press(start, ['B']).effects).toEqual([{ type: 'dispatch', action: { type: 'buildRequested', services: 'stale' } }]);
  });

  test('r restarts a running service; a stopped one is not restarted', () => {
    expect(press(start, ['r']).effects).toEqual([{ type: 'dispatch', action: { type: 'restartRequested', service: 'api' } }]);
    const stopped = press(start, ['j', 'j', 'r']);
    expect(stopped.effects).toEqual([focused('cache'), focused('web')]);
    expect(stopped.ui.message).toBe('web is not running (s starts it)');
  });

  test('s stops a running service and starts a stopped one', () => {
    expect(press(start, ['s']).effects).toEqual([{ type: 'dispatch', action: { type: 'serviceStopped', service: 'api' } }]);
    expect(press(start, ['j', 'j', 's']).effects.at(-1)).toEqual({
      type: 'dispatch',
      action: { type: 'serviceStartRequested', service: 'web' },
    });
  });

  test('F forces a rebuild of the selected service; an image-only service has nothing to build', () => {
    const forced = press(start, ['F']);
    expect(forced.effects).toEqual([{ type: 'dispatch', action: { type: 'buildRequested', services: ['api'], force: true } }]);
    expect(forced.ui.message).toBe('rebuilding api even if up to date (BuildKit cache kept)');
    const image = press(start, ['j', 'F']);
    expect(image.effects).toEqual([focused('cache')]);
    expect(image.ui.message).toBe('cache runs an image: nothing to build');
  });

  test('x opens a shell in the running container; none for a stopped service', () => {
    expect(press(start, ['x']).effects).toEqual([{ type: 'shell', service: 'api', containerId: 'c-api' }]);
    expect(press(start, ['j', 'j', 'x']).effects).toEqual([focused('cache'), focused('web')]);
  });

  test('w pauses watching, and resumes it when paused', () => {
    expect(press(start, ['w']).effects).toEqual([{ type: 'dispatch', action: { type: 'watchPaused' } }]);
    expect(press(start, ['w'], context({ watchPaused: true })).effects).toEqual([{ type: 'dispatch', action: { type: 'watchResumed' } }]);
  });

  test('the message of a key is gone with the next key', () => {
    expect(press(start, ['j', 'b', 'k']).ui.message).toBeUndefined();
  });
});

describe('the environment menu', () => {
  test('opens on the active environment; picking another asks to confirm, y switches', () => {
    let { ui } = press(start, ['e']);
    expect(ui.overlay).toEqual({ kind: 'environments', cursor: 1, confirming: undefined });
    ({ ui } = press(ui, ['j', { name: 'return' }]));
    expect(ui.overlay).toEqual({ kind: 'environments', cursor: 2, confirming: 'prod' });
    const result = press(ui, ['y']);
    expect(result.effects).toEqual([{ type: 'dispatch', action: { type: 'environmentSwitchRequested', environment: 'prod' } }]);
    expect(result.ui.overlay).toBeUndefined();
  });

  test('n goes back to the list, esc closes it; the active environment needs no switch', () => {
    const confirming = press(start, ['e', 'k', { name: 'return' }]).ui;
    expect(confirming.overlay).toMatchObject({ confirming: 'ci' });
    expect(press(confirming, ['n']).ui.overlay).toMatchObject({ kind: 'environments', confirming: undefined });
    expect(press(confirming, ['n', { name: 'escape' }]).ui.overlay).toBeUndefined();
    const same = press(start, ['e', { name: 'return' }]);
    expect(same.effects).toEqual([]);
    expect(same.ui.message).toBe('already in dev');
  });

  test('keys of the panes do nothing while it is open', () => {
    expect(press(start, ['e', 'b', 's']).effects).toEqual([]);
  });
});

describe('quitting', () => {
  test('q asks; enter leaves the containers running, the default', () => {
    const asked = press(start, ['q']).ui;
    expect(asked.overlay).toEqual({ kind: 'quit', takeDown: false });
    expect(press(asked, [{ name: 'return' }]).effects).toEqual([{ type: 'quit', takeDown: false }]);
  });

  test('d, or the other choice and enter, takes them down; esc cancels', () => {
    const asked = press(start, ['q']).ui;
    expect(press(asked, ['d']).effects).toEqual([{ type: 'quit', takeDown: true }]);
    expect(press(asked, [{ name: 'down' }, { name: 'return' }]).effects).toEqual([{ type: 'quit', takeDown: true }]);
    expect(press(asked, [{ name: 'escape' }]).ui.overlay).toBeUndefined();
  });

  test('ctrl-c quits at once from anywhere, leaving the containers running', () => {
    for (const before of [start, press(start, ['e']).ui, press(start, ['/', 'a', 'b']).ui, press(start, ['?']).ui]) {
      expect(onKey(before, { text: 'c', ctrl: true }, context()).effects).toEqual([{ type: 'quit', takeDown: false }]);
    }
  });
});

describe('help', () => {
  test('? opens the help and ? or esc closes it; q closes it rather than quitting', () => {
    expect(press(start, ['?']).ui.overlay).toEqual({ kind: 'help' });
    expect(press(start, ['?', '?']).ui.overlay).toBeUndefined();
    expect(press(start, ['?', { name: 'escape' }]).ui.overlay).toBeUndefined();
    expect(press(start, ['?', 'q'])).toMatchObject({ ui: { overlay: undefined }, effects: [] });
  });
});

describe('logs', () => {
  const logs = { ...start, focus: 'logs' as const };

  test('scrolling up pauses following at that line; scrolling back to the end, G or End follow again', () => {
    const up = press(logs, ['k', 'k']).ui;
    expect(up.logs.anchor).toBe(48);
    expect(press(up, ['j', 'j']).ui.logs.anchor).toBeUndefined();
    expect(press(up, ['G']).ui.logs.anchor).toBeUndefined();
    expect(press(up, [{ name: 'end' }]).ui.logs.anchor).toBeUndefined();
  });

  test('page up moves a page less one line, never above the first page; g goes to the top', () => {
    expect(press(logs, [{ name: 'pageUp' }]).ui.logs.anchor).toBe(41);
    expect(
      press(logs, [{ name: 'pageUp' }, { name: 'pageUp' }, { name: 'pageUp' }, { name: 'pageUp' }, { name: 'pageUp' }, { name: 'pageUp' }])
        .ui.logs.anchor,
    ).toBe(10);
    expect(press(start, ['g']).ui.logs.anchor).toBe(10);
  });

  test('fewer lines than the pane holds: nothing to scroll, still following', () => {
    expect(press(logs, ['k'], context({ log: { seqs: [1, 2, 3], matches: [], height: 10 } })).ui.logs.anchor).toBeUndefined();
  });

  test('l switches between the selected service and all; o between app and build output', () => {
    expect(press(start, ['l']).ui.logs.scope).toBe('all');
    expect(press(start, ['l', 'l']).ui.logs.scope).toBe('selected');
    expect(press(start, ['o']).ui.logs.source).toBe('build');
  });
});

describe('search', () => {
  test('/ types a search; enter keeps it and jumps to the newest match', () => {
    const typed = press(start, ['/', 'e', 'r', 'x', { name: 'backspace' }, 'r']).ui;
    expect(typed.search).toMatchObject({ editing: true, draft: 'err', query: '' });
    expect(typed.focus).toBe('logs');
    const kept = press(typed, [{ name: 'return' }]).ui;
    expect(kept.search).toMatchObject({ editing: false, query: 'err', current: 45 });
    expect(kept.logs.anchor).toBeUndefined();
  });

  test('keys are text while typing: q does not quit', () => {
    const typed = press(start, ['/', 'q']);
    expect(typed.effects).toEqual([]);
    expect(typed.ui.search.draft).toBe('q');
  });

  test('esc while typing goes back to the search in force', () => {
    const kept = press(start, ['/', 'a', { name: 'return' }]).ui;
    expect(press(kept, ['/', 'b', { name: 'escape' }]).ui.search).toMatchObject({ editing: false, query: 'a', draft: 'a' });
  });

  test('n and N step through the matches, wrapping, and scroll the match into view', () => {
    const kept = press(start, ['/', 'x', { name: 'return' }]).ui;
    const older = press(kept, ['N']).ui;
    expect(older.search.current).toBe(20);
    expect(older.logs.anchor).toBe(25);
    expect(press(older, ['N']).ui.search.current).toBe(5);
    expect(press(older, ['N', 'N']).ui.search.current).toBe(45);
    expect(press(older, ['n']).ui.search.current).toBe(45);
  });

  test('n without a search, or with no match, says so', () => {
    expect(press(start, ['n']).ui.message).toBe('no search: press / first');
    const none = press(
      press(start, ['/', 'z', { name: 'return' }], context({ log: { seqs: SEQS, matches: [], height: 10 } })).ui,
      ['n'],
      context({ log: { seqs: SEQS, matches: [], height: 10 } }),
    );
    expect(none.ui.message).toBe('no line matches "z"');
  });

  test('f shows only matching lines and back; esc clears the search', () => {
    const kept = press(start, ['/', 'x', { name: 'return' }]).ui;
    expect(press(kept, ['f']).ui.search.filterOnly).toBe(true);
    expect(press(kept, ['f', 'f']).ui.search.filterOnly).toBe(false);
    expect(press(kept, ['f', { name: 'escape' }]).ui.search).toMatchObject({ query: '', filterOnly: false, current: undefined });
    expect(press(start, ['f']).ui.message).toBe('no search: press / first');
  });
});
