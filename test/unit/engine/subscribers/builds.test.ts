/**
 * The builds subscriber on fake ports, wired by startEngine as a command runs it: what it asks BuildKit for, reuse of
 * an image with the same inputs, shared builds, cancelling on stop, and failures. The real buildx contract is in
 * test/integration/buildx-*.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import type { EngineAction } from '../../../../src/core/state/actions.js';
import { INPUTS_HASH_LABEL } from '../../../../src/core/inputs-hash.js';
import type { BuildResult } from '../../../../src/ports/image-builder.js';
import { dockerfile, project } from '../../../support/builders.js';
import { BEHIND_SYNC_MS } from '../../../../src/engine/subscribers/builds.js';
import { fakePorts, startFakeEngine, type FakePorts } from '../../../support/fake-engine.js';
import { fakeContainer } from '../../../support/fake-runtime.js';
import { waitFor } from '../../../support/wait.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

/** web and worker share one build (same context, Dockerfile and target); api has its own. */
function shop() {
  const builder = project('shop', '/p').file('/p/web/Dockerfile', WEB).file('/p/api/Dockerfile', WEB);
  for (const [name, context] of [
    ['web', '/p/web'],
    ['worker', '/p/web'],
    ['api', '/p/api'],
  ] as const)
    builder.service(name, { build: { context } });
  return builder.workspace('dev');
}

describe('builds subscriber', () => {
  test('a stale service is built once, labelled with its inputs hash and tagged for the environment', async () => {
    const ports = fakePorts();
    const state = await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    expect(ports.builder.requests).toHaveLength(1);
    const [request] = ports.builder.requests;
    expect(request).toMatchObject({ context: '/p/api', target: 'develop', tags: ['shop-api:dockstage-dev'] });
    expect(request!.labels[INPUTS_HASH_LABEL]).toMatch(/^[0-9a-f]{64}$/);
    expect(state.services['api']).toMatchObject({ imageId: 'sha256:built-1', lastBuild: { status: 'built' } });
  });

  test('services with the same context, Dockerfile and target share one build, tagged for each', async () => {
    const ports = fakePorts();
    await startFakeEngine(ports, shop(), 'build', { services: ['web', 'worker'] }).idle();
    expect(ports.builder.requests.map((request) => request.tags)).toEqual([['shop-web:dockstage-dev', 'shop-worker:dockstage-dev']]);
  });

  test('an image with the same inputs is reused: the next run asks BuildKit for nothing', async () => {
    const ports = fakePorts();
    await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    const again = await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    expect(ports.builder.requests).toHaveLength(1);
    expect(again.services['api']).toMatchObject({ imageId: 'sha256:built-1', lastBuild: { status: 'up-to-date' } });
  });

  test('an image with these inputs under another tag is tagged, not built', async () => {
    const ports = fakePorts();
    await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    ports.runtime.images.delete('shop-api:dockstage-dev');
    await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    expect(ports.builder.requests).toHaveLength(1);
    expect(ports.runtime.callsTo('tagImage')).toEqual([['sha256:built-1', 'shop-api:dockstage-dev']]);
  });

  test('stopping the engine cancels a build in flight: it ends cancelled, shows no failure and tags no image', async () => {
    const ports = fakePorts();
    const stalled = ports.builder.stall<BuildResult>('build');
    const run = startFakeEngine(ports, shop(), 'build', { services: ['api'] });
    await waitFor(() => stalled.called, { message: 'the build to reach BuildKit' });
    await run.stop();
    const state = run.store.getState();
    expect(ports.actions.filter((action) => action.type === 'buildFailed')).toMatchObject([{ cancelled: true }]);
    // A cancelled build says nothing about the sources: no failure shown, the service is not marked failed.
    expect(state.services['api']).toMatchObject({ building: undefined, lastBuild: undefined, freshness: 'unknown' });
    expect(state.builds).toEqual({});
    expect(state.lastError).toBeUndefined();
    expect(ports.runtime.images.has('shop-api:dockstage-dev')).toBe(false);
  });

  test('a build BuildKit fails is reported with its log, and the next service still builds', async () => {
    const ports = fakePorts();
    ports.builder.failNext(
      'build',
      new BuildFailedError('process "/bin/sh -c make" did not complete successfully: exit code: 2', {
        service: 'api',
        logTail: ['make: *** no rule'],
      }),
    );
    const state = await startFakeEngine(ports, shop(), 'build', { services: ['api', 'web'] }).idle();
    expect(state.services['api']?.lastBuild).toMatchObject({ status: 'failed' });
    expect(state.services['api']?.lastBuild?.error?.message).toContain('api: process "/bin/sh -c make" did not complete successfully');
    expect(state.services['web']?.lastBuild).toMatchObject({ status: 'built' });
  });

  test('an engine that goes away mid-build fails that build, not the run', async () => {
    const ports = fakePorts();
    ports.runtime.fail('imagesWithLabel', new Error('connect ENOENT /var/run/docker.sock'));
    const state = await startFakeEngine(ports, shop(), 'build', { services: ['api'] }).idle();
    expect(state.services['api']?.lastBuild?.status).toBe('failed');
    expect(state.services['api']?.lastBuild?.error?.message).toBe('api: connect ENOENT /var/run/docker.sock');
    expect(ports.thrown).toEqual([]);
  });
});

describe('builds subscriber behind a live sync', () => {
  /**
   * web running its image, built from a Dockerfile whose last step copies src/; `files` is web/src as the test edits
   * it (path below the context → content), read by the inputs hash and by the sync.
   */
  async function syncing(): Promise<{ ports: FakePorts; run: ReturnType<typeof startFakeEngine>; files: Map<string, string> }> {
    const files = new Map([['src/a.js', 'one']]);
    const inContext = (path: string) => path.slice('/p/web/'.length);
    const ports = fakePorts({
      kind: async (path) => (path === '/p/web/src' ? 'directory' : files.has(inContext(path)) ? 'file' : null),
      listFiles: async (root) => (root === '/p/web/src' ? [...files.keys()].map((name) => name.slice('src/'.length)).sort() : []),
      digest: async (path) => `digest of ${files.get(inContext(path))}`,
      permissions: async () => 0o644,
      readFileWithMode: async (path) => ({ content: Buffer.from(files.get(inContext(path)) ?? ''), mode: 0o644 }),
    });
    ports.runtime.containers = [fakeContainer('shop', 'web')];
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/web' } })
      .file('/p/web/Dockerfile', dockerfile('FROM busybox AS develop', 'WORKDIR /app', 'COPY src/ ./src/'))
      .workspace('dev');
    const run = startFakeEngine(ports, workspace, 'watch', { sync: true });
    await run.idle();
    return { ports, run, files };
  }

  const of = (ports: FakePorts, type: EngineAction['type']) => ports.actions.filter((action) => action.type === type);

  test('a change is written into the container, and the image is rebuilt behind it once the pause is over', async () => {
    const { ports, run, files } = await syncing();
    const built = ports.builder.requests.length;
    files.set('src/a.js', 'two');
    run.dispatch({ type: 'filesChanged', paths: ['/p/web/src/a.js'], at: ports.clock.now() });
    await waitFor(() => of(ports, 'serviceSynced').length === 1, { message: 'the sync' });
    expect(ports.containerFiles.callsTo('apply')).toMatchObject([['web-1-r1', { files: [{ path: '/app/src/a.js', mode: 0o644 }] }]]);
    ports.clock.advance(BEHIND_SYNC_MS - 1);
    expect(of(ports, 'backgroundBuildsReleased')).toEqual([]);
    ports.clock.advance(1);
    await run.idle();
    await run.stop();
    expect(ports.builder.requests).toHaveLength(built + 1);
  });

  test('a rebuild behind a sync gives way to a new change: cancelled without a failure, the change synced and rebuilt', async () => {
    const { ports, run, files } = await syncing();
    files.set('src/a.js', 'two');
    run.dispatch({ type: 'filesChanged', paths: ['/p/web/src/a.js'], at: ports.clock.now() });
    await waitFor(() => of(ports, 'serviceSynced').length === 1, { message: 'the sync' });
    const stalled = ports.builder.stall<BuildResult>('build');
    ports.clock.advance(BEHIND_SYNC_MS);
    await waitFor(() => stalled.called, { message: 'the rebuild behind the sync to reach BuildKit' });
    const [behind] = Object.values(run.store.getState().builds);
    expect(behind).toMatchObject({ background: true, services: ['web'] });
    files.set('src/b.js', 'new');
    run.dispatch({ type: 'filesChanged', paths: ['/p/web/src/b.js'], at: ports.clock.now() });
    await waitFor(() => of(ports, 'serviceSynced').length === 2, { message: 'the second sync' });
    expect(of(ports, 'buildFailed')).toMatchObject([{ id: behind!.id, cancelled: true }]);
    expect(run.store.getState().lastError).toBeUndefined();
    expect(
      ports.containerFiles.callsTo('apply').map(([, batch]) => (batch as { files: { path: string }[] }).files.map((file) => file.path)),
    ).toEqual([['/app/src/a.js'], ['/app/src/b.js']]);
    ports.clock.advance(BEHIND_SYNC_MS);
    const state = await run.idle();
    await run.stop();
    expect(state.services['web']).toMatchObject({ lastBuild: { status: 'built' }, building: undefined, pending: undefined });
  });
});
