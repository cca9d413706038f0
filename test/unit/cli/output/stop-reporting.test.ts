/**
 * How dockstage's own stops are reported, through the containers subscriber
 * and the watch output on a fake clock: the engine's kill and die events are
 * fed by hand (a fake runtime records nothing else), time moves only when the
 * test advances it.
 */
import { describe, expect, test } from 'vitest';
import type { ContainerEvent, ContainerRuntime } from '../../../../src/ports/container-runtime.js';
import { createStore } from '../../../../src/engine/store.js';
import { containersSubscriber } from '../../../../src/engine/subscribers/containers.js';
import { watchOutputSubscriber } from '../../../../src/cli/output/watch-lines.js';
import { logsSubscriber } from '../../../../src/engine/subscribers/logs.js';
import { LogBuffer } from '../../../../src/engine/log-buffer.js';
import { SLOW_STOP_MS } from '../../../../src/core/state/stops.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { running } from '../../../support/tui-states.js';
import { waitFor } from '../../../support/wait.js';

function setup(json = false) {
  const clock = new FakeClock(10_000);
  let onEvent: ((event: ContainerEvent) => void) | undefined;
  const runtime = {
    info: async () => ({ serverVersion: '20.10.24', apiVersion: '1.41', host: 'localhost' }),
    // What runs: the ids the test's events name, as compose made them.
    listContainers: async () =>
      Object.values(store.getState().services).flatMap((service) =>
        service.containers.map((c) => ({
          id: c.id,
          name: c.name,
          service: service.name,
          project: 'shop',
          number: 1,
          state: c.state,
          status: '',
          health: c.health,
          imageId: c.imageId,
          image: '',
          ports: [],
          labels: {},
        })),
      ),
    logs: async (_id: string, _options: unknown, onLine: (line: { stream: 'stdout'; text: string; timestamp: string }) => void) =>
      onLine({ stream: 'stdout', text: 'Error: boom', timestamp: '' }),
    events: (_project: string, handler: (event: ContainerEvent) => void, signal: AbortSignal) => {
      onEvent = handler;
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  } as unknown as ContainerRuntime;
  const store = createStore(running());
  const lines: string[] = [];
  const subscriber = containersSubscriber({
    runtime,
    compose: {} as never,
    fs: {} as never,
    clock,
    dispatch: store.dispatch,
    getState: store.getState,
    composeTarget: { files: [], profiles: [], envFiles: [], projectName: 'shop', projectDirectory: '/p' },
    projectDir: '/p',
    follow: true,
  });
  store.subscribe(subscriber);
  store.subscribe(watchOutputSubscriber({ out: (line) => lines.push(line), err: (line) => lines.push(line) }, json, () => clock.now()));
  store.dispatch({ type: 'watchPathsChanged', paths: 12, at: clock.now() });
  const engine = (event: Omit<ContainerEvent, 'project' | 'time'>) => onEvent!({ project: 'shop', time: clock.now(), ...event });
  return {
    clock,
    store,
    lines,
    engine,
    ready: () => waitFor(() => onEvent !== undefined, { message: 'the event stream' }),
    dispose: () => subscriber.dispose?.(),
  };
}

describe('stops dockstage makes', () => {
  test('a replace whose stop lasts 2 s says why once per service, with the fix; its exit 137 is not reported as a crash', async () => {
    const { clock, store, lines, engine, ready, dispose } = setup();
    await ready();
    for (const [oldId, at] of [
      ['c-web', 0],
      ['c-web2', 1],
    ] as const) {
      // Given dockstage replacing web's container, when the app ignores SIGTERM
      store.dispatch({ type: 'containerReplaceStarted', service: 'web', containerId: oldId, at: clock.now() });
      engine({ action: 'kill', containerId: oldId, service: 'web', signal: '15' });
      clock.advance(SLOW_STOP_MS);
      clock.advance(8_000);
      engine({ action: 'kill', containerId: oldId, service: 'web', signal: '9' });
      engine({ action: 'die', containerId: oldId, service: 'web', exitCode: 137 });
      store.dispatch({
        type: 'containerReplaced',
        service: 'web',
        oldId,
        newId: `${oldId}2`,
        imageId: `sha256:web${at + 2}`,
        at: clock.now(),
      });
    }
    // Then the hint came once, at 2 s, and no "exited with code 137"
    const text = lines.join('\n');
    expect(text.match(/still stopping after 2s/g)).toHaveLength(1);
    expect(text).toContain("hint: add 'init: true' to the service");
    expect(text).not.toContain('exited with code');
    expect(store.getState().services['web']?.exits).toEqual([]);
    await dispose();
  });

  test('a stop under 2 s says nothing; --json keeps the exit, marked intended, with how long the stop took', async () => {
    const { clock, store, lines, engine, ready, dispose } = setup(true);
    await ready();
    store.dispatch({ type: 'containerRestartStarted', service: 'api', at: clock.now() });
    engine({ action: 'kill', containerId: 'c-api', service: 'api', signal: '15' });
    clock.advance(300);
    engine({ action: 'die', containerId: 'c-api', service: 'api', exitCode: 143 });
    clock.advance(SLOW_STOP_MS);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((e) => e['type'] === 'slow-stop')).toEqual([]);
    expect(events.find((e) => e['type'] === 'exited')).toMatchObject({ service: 'api', exitCode: 143, intended: true, stopMs: 300 });
    await dispose();
  });

  test('an exit dockstage did not cause is still a crash, with its last lines', async () => {
    const { clock, lines, engine, ready, dispose } = setup();
    await ready();
    engine({ action: 'die', containerId: 'c-api', service: 'api', exitCode: 137 });
    await waitFor(() => lines.some((line) => line.includes('api: exited with code 137')), { message: 'the crash line' });
    expect(lines.join('\n')).toContain('│ Error: boom');
    clock.advance(SLOW_STOP_MS);
    await dispose();
  });

  test("the TUI's logs of the service say the slow stop once too, in the app output and with the builds", () => {
    const store = createStore(running());
    const buffer = new LogBuffer();
    store.subscribe(logsSubscriber({ runtime: {} as ContainerRuntime, buffer, now: () => 0 }));
    store.dispatch({ type: 'containerStopSlow', service: 'web', containerId: 'c-web', at: 12_000 });
    store.dispatch({ type: 'containerStopSlow', service: 'web', containerId: 'c-web2', at: 30_000 });
    // In the app output (the pane shown by default) and with the builds, once.
    for (const source of ['app', 'build'] as const) {
      const lines = buffer.lines(source, 'web').map((line) => line.text);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^── web: still stopping after 2s/);
      expect(lines[1]).toMatch(/^hint: add 'init: true'/);
    }
  });
});
