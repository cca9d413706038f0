/**
 * The key table, as data: the help overlay shows all of it, the footer the
 * keys of the focused pane (as many as fit), and the README prints the same
 * table. What a key does is decided in `ui-state.ts`; this file only words it.
 */
import type { Overlay, Pane } from './ui-state.js';

/** One key (or keys) and what it does. */
export interface KeyHelp {
  readonly keys: string;
  readonly label: string;
}

/** Every key, grouped as the help overlay shows them. */
export const KEY_TABLE: readonly { readonly group: string; readonly keys: readonly KeyHelp[] }[] = [
  {
    group: 'move',
    keys: [
      { keys: '↑/↓ j/k', label: 'select; scroll the pane' },
      { keys: 'tab/S-tab', label: 'next / previous pane' },
      { keys: 'enter', label: 'build detail (all reasons)' },
      { keys: 'esc', label: 'clear search, close detail' },
    ],
  },
  {
    group: 'services',
    keys: [
      { keys: 'e', label: 'switch environment' },
      { keys: 'b', label: 'rebuild selected' },
      { keys: 'F', label: 'force rebuild selected' },
      { keys: 'B', label: 'rebuild all stale' },
      { keys: 'c', label: 'run checks of selected' },
      { keys: 'r', label: 'restart selected' },
      { keys: 's', label: 'stop / start selected' },
      { keys: 'x', label: 'shell in its container' },
      { keys: 'w', label: 'pause / resume watching' },
      { keys: 'p', label: 'plan: what edits trigger' },
    ],
  },
  {
    group: 'logs',
    keys: [
      { keys: 'l', label: 'selected / all services' },
      { keys: 'o', label: 'app / build output' },
      { keys: '/', label: 'search, matches marked' },
      { keys: 'n / N', label: 'next / previous match' },
      { keys: 'f', label: 'only matching lines' },
      { keys: 'PgUp PgDn g', label: 'scroll (pauses follow)' },
      { keys: 'G / End', label: 'follow newest lines' },
    ],
  },
  {
    group: 'quit',
    keys: [
      { keys: '?', label: 'this help' },
      { keys: 'q', label: 'quit: leave running/down' },
      { keys: 'ctrl-c', label: 'quit now, leave running' },
    ],
  },
];

const PANE_KEYS: Record<Pane, readonly KeyHelp[]> = {
  services: [
    { keys: '↑↓', label: 'move' },
    { keys: 'e', label: 'env' },
    { keys: 'b', label: 'build' },
    { keys: 'r', label: 'restart' },
    { keys: 's', label: 'stop/start' },
    { keys: 'l', label: 'logs' },
    { keys: 'w', label: 'watch' },
    { keys: 'p', label: 'plan' },
    { keys: 'x', label: 'shell' },
    { keys: 'B', label: 'stale' },
    { keys: 'F', label: 'force' },
    { keys: '⏎', label: 'detail' },
    { keys: 'tab', label: 'pane' },
  ],
  build: [
    { keys: '↑↓', label: 'scroll' },
    { keys: 'b', label: 'build' },
    { keys: 'F', label: 'force' },
    { keys: 'B', label: 'stale' },
    { keys: 'e', label: 'env' },
    { keys: 'p', label: 'plan' },
    { keys: 'tab', label: 'pane' },
  ],
  logs: [
    { keys: '↑↓', label: 'scroll' },
    { keys: '/', label: 'search' },
    { keys: 'n/N', label: 'match' },
    { keys: 'f', label: 'filter' },
    { keys: 'G', label: 'follow' },
    { keys: 'l', label: 'all/one' },
    { keys: 'o', label: 'app/build' },
    { keys: 'tab', label: 'pane' },
  ],
};

const ALWAYS: readonly KeyHelp[] = [
  { keys: '?', label: 'help' },
  { keys: 'q', label: 'quit' },
];

/** The footer's keys for the moment: an overlay's, the search prompt's, or the focused pane's, always ending in help and quit. */
export function footerKeys(focus: Pane, overlay: Overlay | undefined, editingSearch: boolean): readonly KeyHelp[] {
  if (editingSearch)
    return [
      { keys: 'type', label: 'search' },
      { keys: '⏎', label: 'keep' },
      { keys: 'esc', label: 'cancel' },
    ];
  switch (overlay?.kind) {
    case 'help':
    case 'plan':
      return [{ keys: 'esc', label: 'close' }];
    case 'environments':
      return overlay.confirming === undefined
        ? [
            { keys: '↑↓', label: 'pick' },
            { keys: '⏎', label: 'choose' },
            { keys: 'esc', label: 'cancel' },
          ]
        : [
            { keys: 'y/⏎', label: `switch to ${overlay.confirming}` },
            { keys: 'n/esc', label: 'back' },
          ];
    case 'quit':
      return [
        { keys: '⏎', label: 'confirm' },
        { keys: 'l', label: 'leave running' },
        { keys: 'd', label: 'take down' },
        { keys: 'esc', label: 'cancel' },
      ];
    case undefined:
      return [...PANE_KEYS[focus], ...ALWAYS];
  }
}

/** As many keys as fit in `width` (`key label` separated by two spaces), keeping help and quit at the end. */
export function fitKeys(keys: readonly KeyHelp[], width: number): KeyHelp[] {
  const tail = keys.filter((k) => ALWAYS.includes(k));
  const head = keys.filter((k) => !ALWAYS.includes(k));
  const size = (list: readonly KeyHelp[]) =>
    list.reduce((sum, k) => sum + k.keys.length + 1 + k.label.length, 0) + 2 * Math.max(0, list.length - 1);
  const shown: KeyHelp[] = [];
  for (const key of head) {
    if (size([...shown, key, ...tail]) > width) break;
    shown.push(key);
  }
  return [...shown, ...tail];
}
