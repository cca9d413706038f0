/**
 * The terminal UI's root: reads the engine store and the log buffer (at most
 * one render per interval however fast they change), keeps the UI state, maps
 * keys through `onKey` and carries out what they ask: engine actions are
 * dispatched (stamped with the time), a shell or quitting goes to the caller.
 * It never talks to Docker.
 */
import { Box, useInput, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EngineAction } from '../../core/state/actions.js';
import { liveContainer } from '../../core/state/engine-state.js';
import type { LogBuffer } from '../../engine/log-buffer.js';
import type { Store } from '../../engine/store.js';
import type { StatsSample } from '../../ports/container-runtime.js';
import { ColorsContext } from '../hooks/use-colors.js';
import { useLogVersion } from '../hooks/use-log-buffer.js';
import { useNow } from '../hooks/use-now.js';
import { useEngineState } from '../hooks/use-store.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { footerKeys } from '../keys.js';
import { layout, type TerminalSize } from '../layout.js';
import { logView } from '../log-view.js';
import { planView } from '../plan-view.js';
import {
  activeQuery,
  initialUiState,
  onKey,
  reconcileSelection,
  type KeyContext,
  type KeyPress,
  type UiEffect,
  type UiState,
} from '../ui-state.js';
import { stateToView } from '../view-model.js';
import { BuildPane, buildPaneLines } from './BuildPane.js';
import { EnvironmentMenu } from './EnvironmentMenu.js';
import { Footer } from './Footer.js';
import { Header, headerLines } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LogPane, logTextWidth } from './LogPane.js';
import { PlanView } from './PlanView.js';
import { QuitPrompt } from './QuitPrompt.js';
import { ServicesTable } from './ServicesTable.js';
import { TooSmall } from './TooSmall.js';

/** What the App needs: the engine's store, the logs, the clock, and where shells and quitting go. */
export interface AppProps {
  readonly store: Store;
  readonly logs: LogBuffer;
  /** CPU and memory per service, when sampled (read on each render). */
  readonly stats?: ReadonlyMap<string, StatsSample | undefined>;
  readonly now: () => number;
  readonly builder?: string;
  /** The engine's address when it is remote, for the header. */
  readonly remoteEndpoint?: string;
  readonly colors: boolean;
  /** A fixed size (tests); otherwise the terminal's, live. */
  readonly size?: TerminalSize;
  readonly initialUi?: UiState;
  /** Hears every new UI state (so a caller that remounts the App, after a shell, can restore it). */
  readonly onUiChange?: (ui: UiState) => void;
  readonly onShell: (service: string, containerId: string) => void;
  readonly onQuit: (takeDown: boolean) => void;
  /** At most one render per this many ms from store and log changes (default 50). */
  readonly renderIntervalMs?: number;
  /** How long a key's answer shows in the footer (default 5 s). */
  readonly messageMs?: number;
}

/** Ink's key event in the UI's words. */
export function toKeyPress(input: string, key: Key): KeyPress {
  const name: KeyPress['name'] = key.upArrow
    ? 'up'
    : key.downArrow
      ? 'down'
      : key.leftArrow
        ? 'left'
        : key.rightArrow
          ? 'right'
          : key.pageUp
            ? 'pageUp'
            : key.pageDown
              ? 'pageDown'
              : key.home
                ? 'home'
                : key.end
                  ? 'end'
                  : key.return
                    ? 'return'
                    : key.escape
                      ? 'escape'
                      : key.tab
                        ? 'tab'
                        : key.backspace
                          ? 'backspace'
                          : key.delete
                            ? 'delete'
                            : undefined;
  return { text: input, ...(name === undefined ? {} : { name }), shift: key.shift, ctrl: key.ctrl, meta: key.meta };
}

/** One character of a burst of typed keys. */
function singleKey(char: string): KeyPress {
  switch (char) {
    case '\t':
      return { text: '', name: 'tab' };
    case '\r':
    case '\n':
      return { text: '', name: 'return' };
    case '\u007f':
    case '\b':
      return { text: '', name: 'backspace' };
    default:
      return { text: char };
  }
}

/** The whole screen. */
export function App(props: AppProps) {
  const { store, logs, now } = props;
  const interval = props.renderIntervalMs ?? 50;
  const messageMs = props.messageMs ?? 5_000;
  const state = useEngineState(store, interval);
  const logVersion = useLogVersion(logs, interval);
  const terminal = useTerminalSize();
  useNow(now);
  const size = props.size ?? terminal;
  const [rawUi, setUi] = useState<UiState>(() => props.initialUi ?? initialUiState());
  const names = useMemo(() => state.workspace?.services.map((s) => s.name) ?? [], [state.workspace]);
  const ui = reconcileSelection(rawUi, names);
  const time = now();

  const view = stateToView(state, ui, time, {
    ...(props.stats === undefined ? {} : { stats: props.stats }),
    ...(props.builder === undefined ? {} : { builder: props.builder }),
    ...(props.remoteEndpoint === undefined ? {} : { remoteEndpoint: props.remoteEndpoint }),
  });
  const lay = layout(size, {
    services: view.services.length,
    selectedIndex: Math.max(0, names.indexOf(ui.selected ?? '')),
    buildLines: buildPaneLines(view.build, size.columns),
    headerLines: headerLines(view.header),
    detail: ui.detail,
  });
  const scopeService = ui.logs.scope === 'selected' ? ui.selected : undefined;
  const serviceWidth = Math.min(12, Math.max(4, ...names.map((n) => n.length)));
  const query = activeQuery(ui);
  const logs_ = useMemo(
    () =>
      logView(logs.lines(ui.logs.source, scopeService), {
        query,
        filterOnly: ui.search.filterOnly,
        anchor: ui.logs.anchor,
        current: ui.search.current,
        height: lay.logRows,
        width: logTextWidth(size.columns, scopeService === undefined, serviceWidth),
      }),
    [
      logs,
      logVersion,
      ui.logs.source,
      scopeService,
      query,
      ui.search.filterOnly,
      ui.logs.anchor,
      ui.search.current,
      lay.logRows,
      size.columns,
      serviceWidth,
    ],
  );

  // The key handler reads the newest of everything through a ref (ink keeps one listener).
  const latest = useRef({ ui, state, logs_, lay, columns: size.columns });
  latest.current = { ui, state, logs_, lay, columns: size.columns };
  useEffect(() => props.onUiChange?.(ui), [ui]);
  // The selection the UI starts with (or falls back to when a service vanished) is the one the user looks at: the
  // engine serves its container work first. Keys that move it say so themselves (ui-state.ts).
  useEffect(() => {
    if (store.getState().focus !== ui.selected) store.dispatch({ type: 'serviceFocused', service: ui.selected, at: now() });
  }, [ui.selected]);
  // A key's answer stays a few seconds (or until the next key), not for good.
  useEffect(() => {
    if (ui.message === undefined) return;
    const message = ui.message;
    const timer = setTimeout(
      () => setUi((current) => (current.message === message ? { ...current, message: undefined } : current)),
      messageMs,
    );
    return () => clearTimeout(timer);
  }, [ui.message]);

  // Once the terminal is handed to a shell, this App reads no more keys: the rest of a burst typed with `x` is not the
  // UI's (the caller unmounts it and closes the keyboard; this covers keys ink already read).
  const handedOver = useRef(false);
  const apply = (effects: readonly UiEffect[]) => {
    for (const effect of effects) {
      if (effect.type === 'dispatch') store.dispatch({ ...effect.action, at: now() } as EngineAction);
      else if (effect.type === 'shell') {
        handedOver.current = true;
        props.onShell(effect.service, effect.containerId);
      } else props.onQuit(effect.takeDown);
    }
  };

  useInput((input, key) => {
    if (handedOver.current) return;
    const { ui: current, state: engine, logs_: shownLogs, lay: shownLayout, columns } = latest.current;
    const workspace = engine.workspace;
    const context: KeyContext = {
      services: (workspace?.services ?? []).map((model) => {
        const service = engine.services[model.name];
        const live = service === undefined ? undefined : liveContainer(service);
        const running = live?.state === 'running';
        return { name: model.name, built: model.build !== undefined, running, containerId: running ? live.id : undefined };
      }),
      environments: Object.keys(workspace?.config.environments ?? {}).sort(),
      activeEnvironment: workspace?.environment.name,
      watchPaused: engine.watch.paused,
      log: { seqs: shownLogs.seqs, matches: shownLogs.matches, height: shownLayout.logRows },
      build: { rows: buildPaneLines(stateToView(engine, current, now()).build, columns), height: shownLayout.buildRows },
    };
    // Keys typed faster than a read arrive as one string (like a paste): each is a key of its own.
    const press = toKeyPress(input, key);
    const presses =
      press.name === undefined && key.ctrl !== true && key.meta !== true && [...input].length > 1 ? [...input].map(singleKey) : [press];
    let next = current;
    const effects: UiEffect[] = [];
    for (const one of presses) {
      const result = onKey(next, one, context);
      next = result.ui;
      effects.push(...result.effects);
      if (result.effects.some((effect) => effect.type === 'shell')) break;
    }
    latest.current = { ...latest.current, ui: next };
    setUi(next);
    apply(effects);
  });

  const footer = <Footer keys={footerKeys(ui.focus, ui.overlay, ui.search.editing)} message={ui.message} width={size.columns} />;
  const header = <Header header={view.header} width={size.columns} />;
  const bodyRows = size.rows - lay.headerRows - 1;
  let body;
  if (lay.tooSmall) {
    return (
      <ColorsContext.Provider value={props.colors}>
        <TooSmall size={size} rows={view.services} />
      </ColorsContext.Provider>
    );
  } else if (ui.overlay?.kind === 'help') {
    body = <HelpOverlay width={size.columns} height={bodyRows} />;
  } else if (ui.overlay?.kind === 'plan') {
    body = <PlanView entries={planView(state)} width={size.columns} height={bodyRows} />;
  } else {
    const table = (
      <ServicesTable
        rows={view.services}
        width={size.columns}
        height={lay.serviceRows}
        offset={lay.serviceOffset}
        focused={ui.focus === 'services'}
      />
    );
    const below =
      ui.overlay?.kind === 'environments' ? (
        <EnvironmentMenu
          environments={view.header.environments}
          cursor={ui.overlay.cursor}
          confirming={ui.overlay.confirming}
          width={size.columns}
        />
      ) : ui.overlay?.kind === 'quit' ? (
        <QuitPrompt takeDown={ui.overlay.takeDown} width={size.columns} />
      ) : (
        <>
          <BuildPane
            build={view.build}
            width={size.columns}
            height={lay.buildRows}
            scroll={ui.buildScroll}
            focused={ui.focus === 'build'}
          />
          <LogPane
            view={logs_}
            service={scopeService}
            source={ui.logs.source}
            search={ui.search}
            width={size.columns}
            height={lay.logRows}
            focused={ui.focus === 'logs'}
            serviceWidth={serviceWidth}
          />
        </>
      );
    body = (
      <>
        {table}
        {below}
      </>
    );
  }
  return (
    <ColorsContext.Provider value={props.colors}>
      <Box flexDirection="column" width={size.columns} height={size.rows}>
        {header}
        <Box flexDirection="column" height={bodyRows} overflow="hidden">
          {body}
        </Box>
        {footer}
      </Box>
    </ColorsContext.Provider>
  );
}
