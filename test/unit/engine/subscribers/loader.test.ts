/**
 * The loader subscriber on fake ports, wired by startEngine as `watch` runs it: a compose file edit loads the project
 * again; a load that fails keeps the last good workspace; edits during a load are served by exactly one more load;
 * a stop drops a load's late result.
 */
import { describe, expect, test } from 'vitest';
import { DockstageError, DockstageErrors } from '../../../../src/core/errors.js';
import type { Workspace } from '../../../../src/core/workspace.js';
import { dockerfile, project } from '../../../support/builders.js';
import { fakePorts, startFakeEngine } from '../../../support/fake-engine.js';
import { waitFor } from '../../../support/wait.js';

const WEB = dockerfile('FROM busybox AS develop', 'COPY src/ ./src/');

function shop(...services: string[]): Workspace {
  const builder = project('shop', '/p').file('/p/web/Dockerfile', WEB);
  for (const name of services) builder.service(name, { build: { context: '/p/web' } });
  return builder.workspace('dev');
}

type Loaded = { readonly workspace: Workspace; readonly composeFiles: readonly string[] };

/** A load function whose every call waits until the test answers it, in order. */
function heldLoads() {
  const calls: { environment: string; answer: (result: Loaded | Error) => void }[] = [];
  const load = (environment: string) =>
    new Promise<Loaded>((resolve, reject) => {
      calls.push({ environment, answer: (result) => (result instanceof Error ? reject(result) : resolve(result)) });
    });
  return { calls, load };
}

/**
 * An engine in watch mode on `workspace` whose compose file was just edited: the reload it asked for is waiting in
 * `loads.calls[0]` for the test's answer.
 */
async function reloading(workspace: Workspace) {
  const ports = fakePorts();
  const loads = heldLoads();
  const run = startFakeEngine(ports, workspace, 'watch', { load: loads.load });
  await run.idle();
  run.dispatch({ type: 'filesChanged', paths: ['/p/compose.yaml'], at: ports.clock.now() });
  await waitFor(() => loads.calls.length === 1, { message: 'the reload' });
  return { ports, loads, run };
}

describe('loader subscriber', () => {
  test('a compose file edit loads the project again, and a new service is checked', async () => {
    const { loads, run } = await reloading(shop('web'));
    expect(loads.calls[0]!.environment).toBe('dev');
    loads.calls[0]!.answer({ workspace: shop('web', 'worker'), composeFiles: ['/p/compose.yaml'] });
    const state = await run.store.until(
      (s) => s.workspace?.services.length === 2 && s.reload === undefined && s.services['worker']?.lastBuild !== undefined,
    );
    await run.stop();
    expect(state.services['worker']?.lastBuild?.status).toBe('up-to-date');
  });

  test('a load that fails keeps the last good workspace and says why', async () => {
    const workspace = shop('web');
    const { loads, run } = await reloading(workspace);
    loads.calls[0]!.answer(new DockstageErrors([new DockstageError('services.web.ports: invalid port "80:80:80"')]));
    const state = await run.store.until((s) => s.projectError !== undefined);
    await run.stop();
    expect(state.projectError?.message).toBe('services.web.ports: invalid port "80:80:80"');
    expect(state.workspace).toBe(workspace);
    expect(state.reload).toBeUndefined();
  });

  // A model file saved while the loader reads the project may have been read before the save: one more load follows.
  test('edits during a load are served by exactly one more load after it', async () => {
    const { ports, loads, run } = await reloading(shop('web'));
    run.dispatch({ type: 'filesChanged', paths: ['/p/compose.yaml'], at: ports.clock.now() });
    run.dispatch({ type: 'filesChanged', paths: ['/p/web/Dockerfile'], at: ports.clock.now() });
    expect(loads.calls).toHaveLength(1);
    loads.calls[0]!.answer({ workspace: shop('web'), composeFiles: ['/p/compose.yaml'] });
    await waitFor(() => loads.calls.length === 2, { message: 'the load after the edits' });
    expect(run.store.getState().reload?.paths).toEqual(['/p/compose.yaml', '/p/web/Dockerfile']);
    loads.calls[1]!.answer({ workspace: shop('web'), composeFiles: ['/p/compose.yaml'] });
    await run.store.until((s) => s.reload === undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads.calls).toHaveLength(2);
    await run.stop();
  });

  test('a load still running when the engine stops is waited for, and its result dropped', async () => {
    const workspace = shop('web');
    const { ports, loads, run } = await reloading(workspace);
    let stopped = false;
    const stopping = run.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    const loadedBefore = ports.actions.filter((action) => action.type === 'workspaceLoaded').length;
    loads.calls[0]!.answer({ workspace: shop('web', 'worker'), composeFiles: ['/p/compose.yaml'] });
    await stopping;
    expect(ports.actions.filter((action) => action.type === 'workspaceLoaded')).toHaveLength(loadedBefore);
    expect(run.store.getState().workspace).toBe(workspace);
  });
});
