import { describe, expect, test } from 'vitest';
import { engineIsRemote, projectBindMounts, remoteBindMountWarning } from '../../../src/core/remote-engine.js';
import { parseDockstageConfig } from '../../../src/core/environments.js';
import { project } from '../../support/builders.js';

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

  test('x-dockstage.remote must be a boolean', () => {
    expect(parseDockstageConfig({ remote: true }).value.remote).toBe(true);
    expect(parseDockstageConfig({}).value.remote).toBeUndefined();
    expect(parseDockstageConfig({ remote: 'yes' }).errors.map((e) => e.path)).toEqual(['x-dockstage.remote']);
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
      message: "web: the engine at ssh://buildbox is remote, so the bind mount ./web/src → /app/src mounts that host's folder, not this machine's files (usually an empty folder)",
      hint: 'copy the files in the image instead (COPY; dockstage live-syncs edits into the running container), or set x-dockstage.remote: false if the engine does see this folder',
    });
  });
});
