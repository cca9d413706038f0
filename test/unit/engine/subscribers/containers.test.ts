/**
 * The containers subscriber on fake ports, wired by startEngine as `watch` runs it: the hot path replaces a container
 * on the engine API only once its new image exists, a failed build leaves the container alone, a vanished engine is
 * asked again on the clock with backoff, and exits are told apart (a crash from a stop dockstage made). Written against
 * the subscriber's public face and the store; the real engine's contract is in test/integration/engine/.
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import { SLOW_STOP_MS } from '../../../../src/core/state/stops.js';
import type { ContainerEvent, ContainerInfo, ReplaceOptions } from '../../../../src/ports/container-runtime.js';
import { dockerfile, project } from '../../../support/builders.js';
import { fakePorts, startFakeEngine, type FakePorts } from '../../../support/fake-engine.js';
import { fakeContainer } from '../../../support/fake-runtime.js';
import { waitFor } from '../../../support/wait.js';

function shop() {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .file('/p/web/Dockerfile', dockerfile('FROM busybox AS develop', 'COPY src/ ./src/'))
    .workspace('dev');
}

/** Fake ports with web running on an image its tag names, built before this run from other sources. */
function webRunning(): FakePorts {
  const ports = fakePorts();
  ports.runtime.addImage({ id: 'sha256:web-old', labels: {}, created: '' }, 'shop-web:dockstage-dev');
  ports.runtime.containers = [fakeContainer('shop', 'web')];
  return ports;
}

function event(action: ContainerEvent['action'], time: number, extra: Partial<ContainerEvent> = {}): ContainerEvent {
  return { action, containerId: 'web-1', service: 'web', project: 'shop', time, ...extra };
}

/** Lets every promise the fakes settled run its continuations (no time passes on any clock). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('containers subscriber', () => {
  test('a rebuilt image replaces the running container on the engine API, and the image it left goes', async () => {
    const ports = webRunning();
    const run = startFakeEngine(ports, shop(), 'watch');
    const state = await run.idle();
    await run.stop();
    expect(ports.runtime.callsTo('replaceContainer')).toMatchObject([['web-1', 'shop-web:dockstage-dev', { startAfterCrash: true }]]);
    expect(state.services['web']?.containers).toMatchObject([{ id: 'web-1-r1', imageId: 'sha256:built-1', state: 'running' }]);
    // Removed only once no container used it: the build's attempt was refused, the replacement's went through.
    expect(ports.runtime.images.has('sha256:web-old')).toBe(false);
    expect(ports.actions.filter((action) => action.type === 'imagePruned')).toMatchObject([{ service: 'web', imageId: 'sha256:web-old' }]);
  });

  test('a failed build leaves the running container alone', async () => {
    const ports = webRunning();
    ports.builder.failNext('build', new BuildFailedError('exit code: 1', { service: 'web', logTail: [] }));
    const run = startFakeEngine(ports, shop(), 'watch');
    const state = await run.idle();
    await run.stop();
    expect(state.services['web']?.lastBuild?.status).toBe('failed');
    expect(ports.runtime.callsTo('replaceContainer')).toEqual([]);
    expect(ports.runtime.callsTo('stopContainer')).toEqual([]);
    expect(ports.runtime.containers).toMatchObject([{ id: 'web-1', imageId: 'sha256:web-old', state: 'running' }]);
    expect(state.services['web']?.containers).toMatchObject([{ id: 'web-1', imageId: 'sha256:web-old', state: 'running' }]);
  });

  test('a failed replacement keeps the old container and says why', async () => {
    const ports = webRunning();
    ports.runtime.failNext('replaceContainer', new Error('port is already allocated'));
    const run = startFakeEngine(ports, shop(), 'watch');
    const state = await run.idle();
    await run.stop();
    expect(state.services['web']?.operationError?.message).toBe('replacing the container of web failed: port is already allocated');
    expect(state.services['web']?.containers).toMatchObject([{ id: 'web-1', imageId: 'sha256:web-old' }]);
  });

  test('a stop during a replacement aborts it and waits for it: the old container is left as it was', async () => {
    const ports = webRunning();
    const stalled = ports.runtime.stall<ContainerInfo>('replaceContainer');
    const run = startFakeEngine(ports, shop(), 'watch');
    await waitFor(() => stalled.called, { message: 'the replacement to reach the engine' });
    const [, , options] = ports.runtime.callsTo('replaceContainer')[0]! as [string, string, ReplaceOptions];
    expect(options.signal?.aborted).toBe(false);
    await run.stop();
    expect(options.signal?.aborted).toBe(true);
    expect(ports.runtime.containers).toMatchObject([{ id: 'web-1', imageId: 'sha256:web-old', state: 'running' }]);
    expect(ports.actions.filter((action) => action.type === 'containerReplaced')).toEqual([]);
  });

  test('when the engine goes away the state says so; it is asked again on the clock, with backoff, and listed again', async () => {
    const ports = webRunning();
    const run = startFakeEngine(ports, shop(), 'watch');
    await run.idle();
    const { runtime, clock } = ports;
    runtime.fail('info', new Error('connect ENOENT /var/run/docker.sock'));
    runtime.disconnect(new Error('the engine closed the event stream'));
    await run.store.until((state) => !state.engine.connected);
    expect(run.store.getState().engine.error).toBe('the engine closed the event stream');
    const asked = () => runtime.callsTo('info').length;
    const before = asked();
    clock.advance(249);
    await settle();
    expect(asked()).toBe(before);
    clock.advance(1);
    await waitFor(() => asked() === before + 1, { message: 'the first retry after 250 ms' });
    // Still down: the next try waits twice as long.
    clock.advance(499);
    await settle();
    expect(asked()).toBe(before + 1);
    runtime.heal('info');
    const listed = runtime.callsTo('listContainers').length;
    clock.advance(1);
    await run.store.until((state) => state.engine.connected);
    await waitFor(() => runtime.callsTo('listContainers').length > listed && runtime.following === 1, {
      message: 'a new listing and event stream',
    });
    await run.stop();
    expect(runtime.following).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  test('an exit dockstage did not cause is a crash, shown with the last lines of the container', async () => {
    const ports = webRunning();
    const run = startFakeEngine(ports, shop(), 'watch');
    await run.idle();
    const id = run.store.getState().services['web']!.containers[0]!.id;
    ports.runtime.logLines.set(id, [{ stream: 'stderr', text: 'Error: Cannot find module ./db', timestamp: '' }]);
    ports.runtime.emit(event('die', 5_000, { containerId: id, exitCode: 1 }));
    await waitFor(() => ports.actions.some((action) => action.type === 'containerExited'), { message: 'the exit' });
    await run.stop();
    expect(ports.actions.filter((action) => action.type === 'containerExited')).toMatchObject([
      { service: 'web', containerId: id, exitCode: 1, intended: false, logTail: ['Error: Cannot find module ./db'] },
    ]);
  });

  test('a stop the user asked for is intended and timed; one still running after the slow-stop time is said once', async () => {
    const ports = webRunning();
    const run = startFakeEngine(ports, shop(), 'watch');
    await run.idle();
    const { clock, runtime } = ports;
    const id = run.store.getState().services['web']!.containers[0]!.id;
    run.dispatch({ type: 'serviceStopped', service: 'web', at: clock.now() });
    await waitFor(() => runtime.callsTo('stopContainer').length === 1, { message: 'the stop' });
    expect(runtime.callsTo('stopContainer')).toEqual([[id, undefined]]);
    runtime.emit(event('kill', clock.now(), { containerId: id, signal: '15' }));
    clock.advance(SLOW_STOP_MS - 1);
    expect(ports.actions.some((action) => action.type === 'containerStopSlow')).toBe(false);
    clock.advance(1);
    expect(ports.actions.filter((action) => action.type === 'containerStopSlow')).toMatchObject([{ service: 'web', containerId: id }]);
    runtime.emit(event('die', clock.now() + 500, { containerId: id, exitCode: 0 }));
    await run.stop();
    expect(ports.actions.filter((action) => action.type === 'containerExited')).toMatchObject([
      { containerId: id, intended: true, stopMs: SLOW_STOP_MS + 500, logTail: [] },
    ]);
    expect(runtime.callsTo('logs')).toEqual([]);
  });
});
