import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  createWatchFixture,
  currentMessage,
  editMessage,
  fixtureService,
  removeWatchFixture,
  writeSyncCompose,
  type WatchFixture,
} from '../../../bench/watch-fixture.js';
import { runCli } from '../../support/cli.js';
import { describeWithCompose, TEST_NODE_IMAGE } from '../../support/docker.js';

const run = promisify(execFile);

async function composeConfig(fixture: WatchFixture, file: string): Promise<Record<string, any>> {
  const { stdout } = await run('docker', [
    'compose',
    '-p',
    'dst-bench-fixture',
    '-f',
    file,
    '--project-directory',
    fixture.dir,
    'config',
    '--format',
    'json',
  ]);
  return JSON.parse(stdout) as Record<string, any>;
}

describeWithCompose('the watch-loop benchmark fixture', () => {
  let fixture: WatchFixture;
  beforeAll(async () => {
    fixture = await createWatchFixture({ nodeImage: TEST_NODE_IMAGE, token: 'dst-bench-fixture' });
  });
  afterAll(async () => {
    await removeWatchFixture(fixture);
  });

  test('compose accepts the six rebuild services: web and worker share a build, docs has a bind mount, each its own port', async () => {
    const config = await composeConfig(fixture, fixture.composeFile);
    const services = config['services'] as Record<string, any>;
    expect(Object.keys(services).sort()).toEqual(['api', 'auth', 'billing', 'docs', 'web', 'worker']);
    expect(services['web'].build.context).toBe(services['worker'].build.context);
    expect(new Set(Object.values(services).map((s) => s.build.context)).size).toBe(5);
    for (const service of Object.values(services)) {
      expect(service.build).toMatchObject({ target: 'develop', args: { NODE_IMAGE: TEST_NODE_IMAGE } });
      expect(service.develop.watch).toMatchObject([{ action: 'rebuild', path: path.join(service.build.context, 'src') }]);
    }
    expect(services['docs'].volumes).toMatchObject([
      { type: 'bind', source: path.join(fixture.dir, 'docs', 'content'), target: '/app/content' },
    ]);
    const ports = Object.values(services).map((s) => s.ports[0]);
    expect(ports.every((p) => p.host_ip === '127.0.0.1' && p.target === 3000)).toBe(true);
    expect(new Set(ports.map((p) => p.published)).size).toBe(6);
  });

  test('compose accepts the sync services, with reload modes under x-dockstage.watch (page always none) and no cache for slow', async () => {
    await writeSyncCompose(fixture, { live: 'restart', slow: 'restart' });
    const config = await composeConfig(fixture, fixture.syncComposeFile);
    expect(Object.keys(config['services']).sort()).toEqual(['live', 'page', 'slow']);
    expect(config['x-dockstage'].watch.reload).toEqual({ live: 'restart', page: 'none', slow: 'restart' });
    expect(config['services'].slow.build.no_cache).toBe(true);
    expect(config['services'].live.build.no_cache).toBeUndefined();
  });

  test('an edit rewrites one line in place, and dockstage plans a rebuild of api alone for it', async () => {
    const api = fixtureService(fixture, 'api');
    expect(await currentMessage(api)).toBe('api initial dst-bench-fixture');
    const inode = (await stat(api.messageFile)).ino;
    await editMessage(api, 'api edited');
    expect(await currentMessage(api)).toBe('api edited');
    expect((await stat(api.messageFile)).ino).toBe(inode);
    const plan = await runCli(['-f', fixture.composeFile, '-p', 'dst-bench-fixture', 'plan', '--changed', api.messageFile, '--json'], {
      cwd: fixture.dir,
    });
    expect(plan.code).toBe(0);
    const actions = Object.fromEntries(
      (JSON.parse(plan.stdout) as { services: { name: string; action: string }[] }).services.map((s) => [s.name, s.action]),
    );
    expect(actions).toEqual({ api: 'rebuild', auth: 'none', billing: 'none', docs: 'none', web: 'none', worker: 'none' });
  });
});
