import { describe, expect, test } from 'vitest';
import {
  bindMountModes,
  engineIsRemote,
  excludedFromBindSync,
  projectBindMounts,
  remoteBindMountWarning,
  syncedBindMounts,
} from '../../../src/core/remote-engine.js';
import { parseDockstageConfig } from '../../../src/core/environments.js';
import { dockerfile, project } from '../../support/builders.js';

describe('engineIsRemote', () => {
  test.each([
    ['ssh://buildbox', true],
    ['tcp://10.0.0.5:2376', true],
    ['https://engine.example:2376', true],
    ['tcp://127.0.0.1:2375', false],
    ['tcp://localhost:2375', false],
    ['tcp://[::1]:2375', false],
    ['unix:///var/run/docker.sock', false],
    ['npipe:////./pipe/docker_engine', false],
  ])('%s: %s', (host, remote) => {
    expect(engineIsRemote(host, undefined)).toBe(remote);
  });

  test('x-dockstage.remote decides both ways', () => {
    expect(engineIsRemote('unix:///var/run/docker.sock', true)).toBe(true);
    expect(engineIsRemote('tcp://10.0.0.5:2376', false)).toBe(false);
  });

  test('x-dockstage.remote is a boolean or a mapping of engine and bind_mounts', () => {
    expect(parseDockstageConfig({ remote: true }).value.remote).toBe(true);
    expect(parseDockstageConfig({}).value.remote).toBeUndefined();
    expect(parseDockstageConfig({ remote: 'yes' }).errors.map((e) => e.path)).toEqual(['x-dockstage.remote']);
    expect(parseDockstageConfig({ remote: { bind_mounts: 'sync' } }).value).toMatchObject({ remoteBindMounts: 'sync' });
    expect(parseDockstageConfig({ remote: { bind_mounts: 'sync' } }).value.remote).toBeUndefined();
    expect(parseDockstageConfig({ remote: { engine: 'remote', bind_mounts: 'warn' } }).value).toMatchObject({
      remote: true,
      remoteBindMounts: 'warn',
    });
    expect(parseDockstageConfig({ remote: { engine: 'local' } }).value.remote).toBe(false);
    const bad = parseDockstageConfig({ remote: { engine: 'far', bind_mounts: 'copy', mounts: 1 } });
    expect(bad.errors.map((e) => e.path)).toEqual(['x-dockstage.remote.engine', 'x-dockstage.remote.bind_mounts']);
    expect(bad.warnings.map((w) => w.path)).toEqual(['x-dockstage.remote.mounts']);
  });
});

describe('projectBindMounts', () => {
  test('bind mounts of project files per service, sorted; paths outside the project and named volumes left out', () => {
    const workspace = project('shop', '/p')
      .service('worker', { image: 'busybox', volumes: [{ type: 'bind', source: '/p/worker', target: '/w' }] })
      .service('web', {
        image: 'busybox',
        volumes: [
          { type: 'bind', source: '/p/web/src', target: '/app/src' },
          { type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' },
          { type: 'volume', source: 'data', target: '/data' },
        ],
      })
      .service('cache', { image: 'busybox' })
      .workspace();
    expect(projectBindMounts(workspace)).toEqual([
      { service: 'web', mounts: [{ source: './web/src', target: '/app/src' }] },
      { service: 'worker', mounts: [{ source: './worker', target: '/w' }] },
    ]);
  });

  test('the warning names the service, the mount, the endpoint and what to do', () => {
    expect(remoteBindMountWarning({ service: 'web', mounts: [{ source: './web/src', target: '/app/src' }] }, 'ssh://buildbox')).toEqual({
      message:
        "web: the engine at ssh://buildbox is remote, so the bind mount ./web/src → /app/src mounts that host's folder, not this machine's files (usually an empty folder)",
      hint: 'set x-dockstage.remote.bind_mounts: sync (dockstage copies the folder in and keeps it equal), copy the files in the image instead (COPY), or set x-dockstage.remote: false if the engine does see this folder',
    });
  });
});

describe('synced bind mounts', () => {
  const shop = (bindMounts: 'sync' | 'warn' | undefined) =>
    project('shop', '/p')
      .service('web', {
        build: { context: '/p/web' },
        volumes: [
          { type: 'bind', source: '/p/web/src', target: '/app/src' },
          { type: 'bind', source: '/etc/localtime', target: '/etc/localtime' },
          { type: 'volume', source: 'data', target: '/data' },
        ],
      })
      .service('cache', { image: 'busybox' })
      .file('/p/web/Dockerfile', dockerfile('FROM busybox', 'COPY . /app'))
      .file('/p/web/.dockerignore', '**/*.log\nsrc/tmp\n')
      .config(bindMounts === undefined ? undefined : { remote: { bind_mounts: bindMounts } });

  test('per service: native on a local engine, synced with bind_mounts: sync on a remote one, else unreachable', () => {
    expect(bindMountModes(shop('sync').workspace(), false)).toEqual({ web: 'native' });
    expect(bindMountModes(shop('sync').workspace(), true)).toEqual({ web: 'synced' });
    expect(bindMountModes(shop('warn').workspace(), true)).toEqual({ web: 'unreachable' });
    expect(bindMountModes(shop(undefined).workspace(), true)).toEqual({ web: 'unreachable' });
  });

  test('only a workspace loaded for a remote engine with sync has synced mounts: project binds only', () => {
    const workspace = shop('sync').workspace();
    expect(syncedBindMounts(workspace)).toEqual([]);
    expect(syncedBindMounts({ ...workspace, syncBindMounts: true })).toEqual([
      { service: 'web', source: '/p/web/src', target: '/app/src' },
    ]);
  });

  test('.git anywhere and what the build context ignore file excludes stay out; a service without a build has only .git', () => {
    const workspace = shop('sync').workspace();
    expect(excludedFromBindSync(workspace, 'web', '/p/web/src/a.txt')).toBe(false);
    expect(excludedFromBindSync(workspace, 'web', '/p/web/src/debug.log')).toBe(true);
    expect(excludedFromBindSync(workspace, 'web', '/p/web/src/tmp')).toBe(true);
    expect(excludedFromBindSync(workspace, 'web', '/p/web/src/.git/HEAD')).toBe(true);
    expect(excludedFromBindSync(workspace, 'web', '/p/other/x.log')).toBe(false);
    expect(excludedFromBindSync(workspace, 'cache', '/p/web/src/debug.log')).toBe(false);
    expect(excludedFromBindSync(workspace, 'cache', '/p/.git')).toBe(true);
  });
});
