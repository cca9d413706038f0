/**
 * The headless watch's app output: service-prefixed lines as compose prints
 * them, coloured only when asked, `log` events with --json, written in one go
 * per turn (a fake clock fires the flush).
 */
import { describe, expect, test } from 'vitest';
import { logOutput } from '../../../src/engine/subscribers/log-output.js';
import { FakeClock } from '../../support/fake-clock.js';

function printer(options: { json?: boolean; colors?: boolean } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 11, 6, 1, 0, 0));
  const writes: string[] = [];
  const sink = logOutput({ write: (text) => writes.push(text), json: options.json ?? false, colors: options.colors ?? false, services: () => ['api', 'web', 'worker'], clock });
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
    expect(JSON.parse(writes[0]!)).toEqual({ type: 'log', time: '2026-12-06T01:00:00.000Z', service: 'api', stream: 'stderr', line: 'Error: boom', at: '2026-12-06T00:59:59.500Z' });
    expect(clock.pending()).toBe(0);
  });
});
