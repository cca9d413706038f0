/**
 * The builds subscriber on fake ports, wired by startEngine as a command runs it: what it asks BuildKit for, reuse of
 * an image with the same inputs, shared builds, cancelling on stop, and failures. The real buildx contract is in
 * test/integration/buildx-*.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { BuildFailedError } from '../../../../src/core/errors.js';
import { INPUTS_HASH_LABEL } from '../../../../src/core/inputs-hash.js';
import type { BuildResult } from '../../../../src/ports/image-builder.js';
import { dockerfile, project } from '../../../support/builders.js';
import { fakePorts, startFakeEngine } from '../../../support/fake-engine.js';
import { waitFor } from '../../../support/wait.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

function shop() {
  return project('shop', '/p')
    .service('web', { build: { context: '/p/web' } })
    .service('worker', { build: { context: '/p/web' } })
    .service('api', { build: { context: '/p/api' } })
    .file('/p/web/Dockerfile', WEB)
    .file('/p/api/Dockerfile', WEB)
    .workspace('dev');
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
    ports.builder.failNext('build', new BuildFailedError('process "/bin/sh -c make" did not complete successfully: exit code: 2', { service: 'api', logTail: ['make: *** no rule'] }));
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
