/**
 * The terminal UI's own state (selection, focused pane, log scope and scroll,
 * search, overlays), kept apart from the engine state, and one pure function
 * from a key press to the next UI state plus what the key asks for: engine
 * actions to dispatch, a shell to open, quitting. Components never decide what
 * a key means; they hand it here with the facts it needs (`KeyContext`).
 */
import type { EngineAction } from '../core/state/actions.js';
import type { LogSource } from '../engine/log-buffer.js';
import { lastAtOrBefore } from './log-view.js';

/** The three panes, in tab order. */
export type Pane = 'services' | 'build' | 'logs';
export const PANES: readonly Pane[] = ['services', 'build', 'logs'];

/** A full-screen layer over the panes: one at a time. */
export type Overlay =
  | { readonly kind: 'help' }
  | { readonly kind: 'plan' }
  /** Picking an environment (`cursor` indexes the list), then confirming the one picked. */
  | { readonly kind: 'environments'; readonly cursor: number; readonly confirming: string | undefined }
  | { readonly kind: 'quit'; readonly takeDown: boolean };

/** `/` search over the logs. `draft` is what is being typed; `query` the search in force; `current` the match jumped to (a line's seq). */
export interface SearchState {
  readonly editing: boolean;
  readonly draft: string;
  readonly query: string;
  readonly filterOnly: boolean;
  readonly current: number | undefined;
}

/** Which logs show, and where. `anchor` is the seq of the line at the bottom of the view; undefined follows the newest. */
export interface LogsState {
  readonly scope: 'selected' | 'all';
  readonly source: LogSource;
  readonly anchor: number | undefined;
}

/** Everything the UI remembers that the engine does not. */
export interface UiState {
  readonly selected: string | undefined;
  readonly focus: Pane;
  readonly logs: LogsState;
  readonly search: SearchState;
  readonly overlay: Overlay | undefined;
  /** Enter on a service: the build pane takes the room of the logs (all reasons, the error in full). */
  readonly detail: boolean;
  readonly buildScroll: number;
  /** A one-line answer to the last key ("api is not running"), cleared by the next key. */
  readonly message: string | undefined;
}

/** A key as the UI reads it: printable `text`, or a named key. */
export interface KeyPress {
  readonly text: string;
  readonly name?:
    'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';
  readonly shift?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
}

/** What a key needs to know about a service. */
export interface ServiceFacts {
  readonly name: string;
  /** Has a build (a Dockerfile) to rebuild. */
  readonly built: boolean;
  readonly running: boolean;
  readonly containerId: string | undefined;
}

/** The facts of the moment a key needs, computed by the caller from the engine state and the view. */
export interface KeyContext {
  /** In table order. */
  readonly services: readonly ServiceFacts[];
  readonly environments: readonly string[];
  readonly activeEnvironment: string | undefined;
  readonly watchPaused: boolean;
  /** The log lines in view order (after the filter) as seqs, the seqs of lines that match the search, and the pane's height. */
  readonly log: { readonly seqs: readonly number[]; readonly matches: readonly number[]; readonly height: number };
  /** Lines of the build pane's content and the lines it has on screen, for scrolling it. */
  readonly build: { readonly rows: number; readonly height: number };
}

type WithoutTime<T> = T extends unknown ? Omit<T, 'at'> : never;
/** The engine actions a key may ask for (the caller stamps the time). */
export type EngineRequest = WithoutTime<
  Extract<
    EngineAction,
    {
      type:
        | 'buildRequested'
        | 'watchPaused'
        | 'watchResumed'
        | 'environmentSwitchRequested'
        | 'serviceStopped'
        | 'serviceStartRequested'
        | 'restartRequested'
        | 'serviceFocused'
        | 'checksRequested';
    }
  >
>;

/** What a key asks of the world outside the UI state. */
export type UiEffect =
  | { readonly type: 'dispatch'; readonly action: EngineRequest }
  /** Hand the terminal to a shell in the container, then come back. */
  | { readonly type: 'shell'; readonly service: string; readonly containerId: string }
  /** Leave: containers keep running, or the project is taken down (`dockstage down`). */
  | { readonly type: 'quit'; readonly takeDown: boolean };

/** The result of a key. */
export interface KeyResult {
  readonly ui: UiState;
  readonly effects: readonly UiEffect[];
}

/** Where the UI starts: the first service selected, the services pane focused, logs following. */
export function initialUiState(selected?: string): UiState {
  return {
    selected,
    focus: 'services',
    logs: { scope: 'selected', source: 'app', anchor: undefined },
    search: { editing: false, draft: '', query: '', filterOnly: false, current: undefined },
    overlay: undefined,
    detail: false,
    buildScroll: 0,
    message: undefined,
  };
}

/** Keeps the selection on a service that exists (the first one when it vanished or none was chosen). */
export function reconcileSelection(ui: UiState, services: readonly string[]): UiState {
  if (ui.selected !== undefined && services.includes(ui.selected)) return ui;
  return { ...ui, selected: services[0], buildScroll: 0, logs: { ...ui.logs, anchor: undefined } };
}

/** The search text in force: what is being typed while typing (matches show as you type), else the query. */
export function activeQuery(ui: UiState): string {
  return ui.search.editing ? ui.search.draft : ui.search.query;
}

/** Applies one key. Pure: the same state, key and context always give the same result. */
export function onKey(ui: UiState, key: KeyPress, ctx: KeyContext): KeyResult {
  if (key.ctrl === true && key.text === 'c') return { ui, effects: [{ type: 'quit', takeDown: false }] };
  const fresh = ui.message === undefined ? ui : { ...ui, message: undefined };
  if (fresh.search.editing) return { ui: onSearchKey(fresh, key, ctx), effects: [] };
  if (fresh.overlay !== undefined) return onOverlayKey(fresh, fresh.overlay, key, ctx);
  return onPaneKey(fresh, key, ctx);
}

function onSearchKey(ui: UiState, key: KeyPress, ctx: KeyContext): UiState {
  const search = ui.search;
  switch (key.name) {
    case 'return': {
      // The matches in the context are the draft's (they show as it is typed): jump to the newest.
      const newest = ctx.log.matches.at(-1);
      const submitted = { ...ui, search: { ...search, editing: false, query: search.draft, current: newest } };
      return newest === undefined ? submitted : { ...submitted, logs: { ...ui.logs, anchor: anchorShowing(newest, ctx) } };
    }
    case 'escape':
      return { ...ui, search: { ...search, editing: false, draft: search.query } };
    case 'backspace':
    case 'delete':
      return { ...ui, search: { ...search, draft: search.draft.slice(0, -1) } };
    case undefined:
      return key.ctrl === true || key.meta === true ? ui : { ...ui, search: { ...search, draft: search.draft + key.text } };
    default:
      return ui;
  }
}

function onOverlayKey(ui: UiState, overlay: Overlay, key: KeyPress, ctx: KeyContext): KeyResult {
  const close = { ...ui, overlay: undefined };
  switch (overlay.kind) {
    case 'help':
    case 'plan': {
      const toggle = overlay.kind === 'help' ? '?' : 'p';
      return { ui: key.name === 'escape' || key.text === toggle || key.text === 'q' ? close : ui, effects: [] };
    }
    case 'quit': {
      if (key.name === 'return') return { ui, effects: [{ type: 'quit', takeDown: overlay.takeDown }] };
      if (key.text === 'q' || key.text === 'l') return { ui, effects: [{ type: 'quit', takeDown: false }] };
      if (key.text === 'd') return { ui, effects: [{ type: 'quit', takeDown: true }] };
      if (key.name === 'escape' || key.text === 'n') return { ui: close, effects: [] };
      if (
        key.name === 'up' ||
        key.name === 'down' ||
        key.name === 'left' ||
        key.name === 'right' ||
        key.name === 'tab' ||
        key.text === 'j' ||
        key.text === 'k'
      ) {
        return { ui: { ...ui, overlay: { kind: 'quit', takeDown: !overlay.takeDown } }, effects: [] };
      }
      return { ui, effects: [] };
    }
    case 'environments': {
      if (overlay.confirming !== undefined) {
        if (key.text === 'y' || key.name === 'return') {
          return {
            ui: { ...close, message: `switching to ${overlay.confirming}…` },
            effects: [{ type: 'dispatch', action: { type: 'environmentSwitchRequested', environment: overlay.confirming } }],
          };
        }
        if (key.text === 'n' || key.name === 'escape' || key.text === 'q')
          return { ui: { ...ui, overlay: { ...overlay, confirming: undefined } }, effects: [] };
        return { ui, effects: [] };
      }
      const count = ctx.environments.length;
      if (key.name === 'escape' || key.text === 'e' || key.text === 'q') return { ui: close, effects: [] };
      if ((key.name === 'up' || key.text === 'k') && count > 0)
        return { ui: { ...ui, overlay: { ...overlay, cursor: (overlay.cursor - 1 + count) % count } }, effects: [] };
      if ((key.name === 'down' || key.text === 'j') && count > 0)
        return { ui: { ...ui, overlay: { ...overlay, cursor: (overlay.cursor + 1) % count } }, effects: [] };
      if (key.name === 'return') {
        const picked = ctx.environments[overlay.cursor];
        if (picked === undefined) return { ui: close, effects: [] };
        if (picked === ctx.activeEnvironment) return { ui: { ...close, message: `already in ${picked}` }, effects: [] };
        return { ui: { ...ui, overlay: { ...overlay, confirming: picked } }, effects: [] };
      }
      return { ui, effects: [] };
    }
  }
}

function onPaneKey(ui: UiState, key: KeyPress, ctx: KeyContext): KeyResult {
  const selected = ctx.services.find((s) => s.name === ui.selected);
  const none = (next: UiState): KeyResult => ({ ui: next, effects: [] });
  const dispatch = (next: UiState, action: EngineRequest): KeyResult => ({ ui: next, effects: [{ type: 'dispatch', action }] });
  const say = (message: string) => none({ ...ui, message });

  switch (key.name) {
    case 'tab': {
      const step = key.shift === true ? PANES.length - 1 : 1;
      return none({ ...ui, focus: PANES[(PANES.indexOf(ui.focus) + step) % PANES.length]! });
    }
    case 'up':
      return moved(ui, moveInPane(ui, -1, ctx));
    case 'down':
      return moved(ui, moveInPane(ui, 1, ctx));
    case 'pageUp':
      return none(scrollLogs(ui, -Math.max(1, ctx.log.height - 1), ctx));
    case 'pageDown':
      return none(scrollLogs(ui, Math.max(1, ctx.log.height - 1), ctx));
    case 'end':
      return none({ ...ui, logs: { ...ui.logs, anchor: undefined } });
    case 'home':
      return none(logsToTop(ui, ctx));
    case 'return':
      return none(ui.focus === 'services' ? { ...ui, detail: !ui.detail, buildScroll: 0 } : ui);
    case 'escape':
      if (ui.search.query !== '')
        return none({ ...ui, search: { ...ui.search, query: '', draft: '', filterOnly: false, current: undefined } });
      return none({ ...ui, detail: false });
    default:
      break;
  }
  if (key.ctrl === true || key.meta === true) return none(ui);

  switch (key.text) {
    case 'j':
      return moved(ui, moveInPane(ui, 1, ctx));
    case 'k':
      return moved(ui, moveInPane(ui, -1, ctx));
    case '?':
      return none({ ...ui, overlay: { kind: 'help' } });
    case 'p':
      return none({ ...ui, overlay: { kind: 'plan' } });
    case 'q':
      return none({ ...ui, overlay: { kind: 'quit', takeDown: false } });
    case 'e': {
      const cursor = Math.max(0, ctx.environments.indexOf(ctx.activeEnvironment ?? ''));
      return none({ ...ui, overlay: { kind: 'environments', cursor, confirming: undefined } });
    }
    case '/':
      return none({ ...ui, focus: 'logs', search: { ...ui.search, editing: true, draft: '' } });
    case 'n':
    case 'N':
      return none(jump(ui, key.text === 'n' ? 1 : -1, ctx));
    case 'f':
      if (ui.search.query === '') return say('no search: press / first');
      return none({ ...ui, search: { ...ui.search, filterOnly: !ui.search.filterOnly }, logs: { ...ui.logs, anchor: undefined } });
    case 'l':
      return none({
        ...ui,
        logs: { ...ui.logs, scope: ui.logs.scope === 'selected' ? 'all' : 'selected', anchor: undefined },
        search: { ...ui.search, current: undefined },
      });
    case 'o':
      return none({
        ...ui,
        logs: { ...ui.logs, source: ui.logs.source === 'app' ? 'build' : 'app', anchor: undefined },
        search: { ...ui.search, current: undefined },
      });
    case 'G':
      return none({ ...ui, logs: { ...ui.logs, anchor: undefined } });
    case 'g':
      return none(logsToTop(ui, ctx));
    case 'w':
      return dispatch(
        { ...ui, message: ctx.watchPaused ? 'watching resumed' : 'watching paused' },
        { type: ctx.watchPaused ? 'watchResumed' : 'watchPaused' },
      );
    case 'B':
      return dispatch({ ...ui, message: 'rebuilding what is stale' }, { type: 'buildRequested', services: 'stale' });
    default:
      break;
  }

  if (selected === undefined) return ['b', 'F', 'r', 's', 'x', 'c'].includes(key.text) ? say('no service selected') : none(ui);
  switch (key.text) {
    case 'b':
      if (!selected.built) return say(`${selected.name} runs an image: nothing to build`);
      return dispatch({ ...ui, message: `rebuilding ${selected.name}` }, { type: 'buildRequested', services: [selected.name] });
    case 'F':
      if (!selected.built) return say(`${selected.name} runs an image: nothing to build`);
      return dispatch(
        { ...ui, message: `rebuilding ${selected.name} even if up to date (BuildKit cache kept)` },
        { type: 'buildRequested', services: [selected.name], force: true },
      );
    case 'c':
      if (!selected.built) return say(`${selected.name} runs an image: no checks`);
      return dispatch(
        { ...ui, message: `running the checks of ${selected.name} (a pass for the same inputs is remembered)` },
        { type: 'checksRequested', services: [selected.name] },
      );
    case 'r':
      if (!selected.running) return say(`${selected.name} is not running (s starts it)`);
      return dispatch({ ...ui, message: `restarting ${selected.name}` }, { type: 'restartRequested', service: selected.name });
    case 's':
      return selected.running
        ? dispatch({ ...ui, message: `stopping ${selected.name}` }, { type: 'serviceStopped', service: selected.name })
        : dispatch({ ...ui, message: `starting ${selected.name}` }, { type: 'serviceStartRequested', service: selected.name });
    case 'x':
      if (!selected.running || selected.containerId === undefined) return say(`${selected.name} is not running: no shell to open`);
      return { ui, effects: [{ type: 'shell', service: selected.name, containerId: selected.containerId }] };
    default:
      return none(ui);
  }
}

/** A move's result: a new selection tells the engine which service the user looks at (its container work goes first). */
function moved(before: UiState, after: UiState): KeyResult {
  if (after.selected === before.selected) return { ui: after, effects: [] };
  return { ui: after, effects: [{ type: 'dispatch', action: { type: 'serviceFocused', service: after.selected } }] };
}

/** ↑/↓ in the focused pane: the selection, the build pane's scroll, or the logs. */
function moveInPane(ui: UiState, delta: number, ctx: KeyContext): UiState {
  if (ui.focus === 'logs') return scrollLogs(ui, delta, ctx);
  if (ui.focus === 'build') {
    const max = Math.max(0, ctx.build.rows - ctx.build.height);
    return { ...ui, buildScroll: Math.min(max, Math.max(0, ui.buildScroll + delta)) };
  }
  const names = ctx.services.map((s) => s.name);
  if (names.length === 0) return ui;
  const index = Math.max(0, names.indexOf(ui.selected ?? ''));
  const next = names[Math.min(names.length - 1, Math.max(0, index + delta))]!;
  if (next === ui.selected) return ui;
  const logs = ui.logs.scope === 'selected' ? { ...ui.logs, anchor: undefined } : ui.logs;
  return { ...ui, selected: next, buildScroll: 0, logs, search: { ...ui.search, current: undefined } };
}

/** The index of the last seq at or before `anchor` (0 when the anchor scrolled out of the buffer). */
function positionOf(seqs: readonly number[], anchor: number | undefined): number {
  return anchor === undefined ? seqs.length - 1 : Math.max(0, lastAtOrBefore(seqs, anchor));
}

/** Moves the bottom of the log view by `delta` lines; reaching the newest line follows again. */
function scrollLogs(ui: UiState, delta: number, ctx: KeyContext): UiState {
  const { seqs, height } = ctx.log;
  if (seqs.length === 0) return ui;
  const lowest = Math.min(Math.max(1, height), seqs.length) - 1;
  const next = Math.max(lowest, positionOf(seqs, ui.logs.anchor) + delta);
  return { ...ui, logs: { ...ui.logs, anchor: next >= seqs.length - 1 ? undefined : seqs[next] } };
}

function logsToTop(ui: UiState, ctx: KeyContext): UiState {
  const { seqs, height } = ctx.log;
  if (seqs.length <= height) return { ...ui, logs: { ...ui.logs, anchor: undefined } };
  return { ...ui, logs: { ...ui.logs, anchor: seqs[Math.max(1, height) - 1] } };
}

/** The anchor that shows the line `seq` about mid-pane; following when it is on the last page already. */
function anchorShowing(seq: number, ctx: KeyContext): number | undefined {
  const { seqs, height } = ctx.log;
  const index = seqs.indexOf(seq);
  if (index === -1 || index >= seqs.length - Math.max(1, height)) return undefined;
  return seqs[Math.min(seqs.length - 1, index + Math.floor(height / 2))];
}

/** `n` (newer) / `N` (older) through the matches, wrapping; the first jump goes to the newest match. */
function jump(ui: UiState, direction: 1 | -1, ctx: KeyContext): UiState {
  const matches = ctx.log.matches;
  if (ui.search.query === '') return { ...ui, message: 'no search: press / first' };
  if (matches.length === 0) return { ...ui, message: `no line matches "${ui.search.query}"` };
  const at = ui.search.current === undefined ? -1 : matches.indexOf(ui.search.current);
  const index = at === -1 ? matches.length - 1 : (at + direction + matches.length) % matches.length;
  const current = matches[index]!;
  return { ...ui, focus: 'logs', search: { ...ui.search, current }, logs: { ...ui.logs, anchor: anchorShowing(current, ctx) } };
}
