/**
 * The headless watch's app output: service-prefixed lines as compose prints
 * them, coloured only when asked, `log` events with --json, written in one go
 * per turn (a fake clock fires the flush).
 */
import { describe, expect, test } from 'vitest';
import { logOutput } from '../../../../src/cli/output/app-logs.js';
import { FakeClock } from '../../../support/fake-clock.js';
import type { ContainerRuntime } from '../../../../src/ports/container-runtime.js';
import { createStore } from '../../../../src/engine/store.js';
import { logsSubscriber } from '../../../../src/engine/subscribers/logs.js';
import { container, running } from '../../../support/tui-states.js';
import { waitFor } from '../../../support/wait.js';

function printer(options: { json?: boolean; colors?: boolean } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 11, 6, 1, 0, 0));
  const writes: string[] = [];
  const sink = logOutput({
    write: (text) => writes.push(text),
    json: options.json ?? false,
    colors: options.colors ?? false,
    services: () => ['api', 'web', 'worker'],
    clock,
  });
  return { clock, writes, sink };
}

describe('the headless watch log of the containers', () => {
  test('lines are prefixed with the service, padded to the longest name, and written together after the turn', () => {
    const { clock, writes, sink } = printer();
    sink.append('web', 'app', 'stdout', 'listening on 3000', 1);
    sink.append('worker', 'app', 'stderr', 'tick', 2);
    sink.append('web', 'build', 'stdout', '── built in 0.3s', 3);
    expect(writes).toEqual([]);
    clock.advance(0);
    expect(writes).toEqual(['web     | listening on 3000\nworker  | tick\n']);
  });

  test('colour goes on the prefix only, one per service', () => {
    const { clock, writes, sink } = printer({ colors: true });
    sink.append('api', 'app', 'stdout', 'up', 1);
    sink.append('web', 'app', 'stdout', 'up', 1);
    clock.advance(0);
    expect(writes[0]).toBe('\u001b[36mapi     |\u001b[0m up\n\u001b[33mweb     |\u001b[0m up\n');
  });

  test('--json: one log event per line with the stream and the time the app wrote it', () => {
    const { clock, writes, sink } = printer({ json: true });
    sink.append('api', 'app', 'stderr', 'Error: boom', Date.UTC(2026, 11, 6, 0, 59, 59, 500));
    sink.flush();
    expect(JSON.parse(writes[0]!)).toEqual({
      type: 'log',
      time: '2026-12-06T01:00:00.000Z',
      service: 'api',
      stream: 'stderr',
      line: 'Error: boom',
      at: '2026-12-06T00:59:59.500Z',
    });
    expect(clock.pending()).toBe(0);
  });

  test("headless, the follower prints each running container's lines (and none of dockstage's own)", async () => {
    const { clock, writes, sink } = printer();
    const runtime = {
      logs: async (id: string, _options: unknown, onLine: (line: { stream: 'stdout'; text: string; timestamp: string }) => void) =>
        onLine({ stream: 'stdout', text: `hello from ${id}`, timestamp: '2026-12-06T01:00:00.000000000Z' }),
    } as unknown as ContainerRuntime;
    const store = createStore(running());
    store.subscribe(logsSubscriber({ runtime, buffer: sink, now: () => clock.now(), since: 0, buildLines: false }));
    store.dispatch({ type: 'containerReplaced', service: 'web', oldId: 'c-web', newId: 'c-web2', imageId: 'sha256:web2', at: 1 });
    store.dispatch({ type: 'containersListed', containers: [container('web', 'c-web2', 'sha256:web2')], at: 2 });
    await waitFor(() => (clock.advance(0), writes.length > 0), { message: 'the line' });
    expect(writes).toEqual(['web     | hello from c-web2\n']);
  });
});
