import { describe, expect, test } from 'vitest';
import {
  buildxArgs,
  buildxEnv,
  engineProblem,
  parseBuildxInspect,
  parseBuildxVersion,
} from '../../../src/adapters/buildx/buildx-builder.js';
import { EngineUnavailableError } from '../../../src/core/errors.js';
import type { BuildRequest } from '../../../src/ports/image-builder.js';
import { buildRequest } from '../../support/build-request.js';

const META = '/tmp/dockstage-buildx-x/metadata.json';

function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return buildRequest('/work/shop/web', { target: 'develop', tags: ['shop-web:dev'], ...overrides });
}

describe('buildxArgs', () => {
  test('a plain build: rawjson progress, metadata file, Dockerfile, target, tag, --load, context last', () => {
    expect(buildxArgs(request(), { metadataFile: META })).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      META,
      '-f',
      '/work/shop/web/Dockerfile',
      '--target',
      'develop',
      '-t',
      'shop-web:dev',
      '--load',
      '/work/shop/web',
    ]);
  });

  test('every field of the request, maps in sorted key order', () => {
    const args = buildxArgs(
      request({
        builder: 'remote',
        tags: ['shop-web:dev', 'registry.example/shop-web:dev'],
        args: { NODE_IMAGE: 'node:22-alpine', A_FIRST: 'with spaces and = sign' },
        labels: { 'dockstage.inputs-hash': 'abc123', 'com.example.team': 'web' },
        namedContexts: { shared: '/work/shop/shared', base: 'docker-image://node:22-alpine' },
        secrets: [{ id: 'npmrc', file: '/home/me/.npmrc' }, { id: 'token', env: 'GITHUB_TOKEN' }, { id: 'plain' }],
        ssh: ['default', 'github=/home/me/.ssh/id_ed25519'],
        cacheFrom: ['type=registry,ref=registry.example/cache:web'],
        cacheTo: ['type=inline'],
        network: 'host',
        extraHosts: ['db=10.0.0.5', 'cache:10.0.0.6', 'v6=::1'],
        platforms: ['linux/amd64'],
        shmSize: '256m',
        noCache: true,
        pull: true,
      }),
      { metadataFile: META },
    );
    expect(args).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      META,
      '--builder',
      'remote',
      '-f',
      '/work/shop/web/Dockerfile',
      '--target',
      'develop',
      '-t',
      'shop-web:dev',
      '-t',
      'registry.example/shop-web:dev',
      '--build-arg',
      'A_FIRST',
      '--build-arg',
      'NODE_IMAGE',
      '--label',
      'com.example.team=web',
      '--label',
      'dockstage.inputs-hash=abc123',
      '--build-context',
      'base=docker-image://node:22-alpine',
      '--build-context',
      'shared=/work/shop/shared',
      '--secret',
      'id=npmrc,src=/home/me/.npmrc',
      '--secret',
      'id=token,env=GITHUB_TOKEN',
      '--secret',
      'id=plain',
      '--ssh',
      'default',
      '--ssh',
      'github=/home/me/.ssh/id_ed25519',
      '--cache-from',
      'type=registry,ref=registry.example/cache:web',
      '--cache-to',
      'type=inline',
      '--network',
      'host',
      '--add-host',
      'db:10.0.0.5',
      '--add-host',
      'cache:10.0.0.6',
      '--add-host',
      'v6:::1',
      '--platform',
      'linux/amd64',
      '--shm-size',
      '256m',
      '--no-cache',
      '--pull',
      '--load',
      '/work/shop/web',
    ]);
  });

  test('build-arg values travel in the environment of buildx, not on its command line', () => {
    const req = request({ args: { NPM_TOKEN: 's3cret', PATH: '/opt/bin', 'weird-name': 'x' } });
    expect(buildxArgs(req, { metadataFile: META }).filter((_, i, all) => all[i - 1] === '--build-arg')).toEqual([
      'NPM_TOKEN',
      'PATH=/opt/bin',
      'weird-name=x',
    ]);
    expect(buildxEnv(req, { PATH: '/usr/bin', HOME: '/root' })).toEqual({ PATH: '/usr/bin', HOME: '/root', NPM_TOKEN: 's3cret' });
  });

  test('an inline Dockerfile is read from stdin', () => {
    expect(buildxArgs(request({ dockerfile: undefined, dockerfileInline: 'FROM busybox\n' }), { metadataFile: META })).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      META,
      '-f',
      '-',
      '--target',
      'develop',
      '-t',
      'shop-web:dev',
      '--load',
      '/work/shop/web',
    ]);
  });

  test('without a Dockerfile or target buildx uses its defaults', () => {
    expect(buildxArgs(request({ dockerfile: undefined, target: '', tags: [] }), { metadataFile: META })).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      META,
      '--load',
      '/work/shop/web',
    ]);
  });

  test('push replaces --load; a multi-platform build cannot be loaded and gets neither', () => {
    const push = buildxArgs(request({ push: true, platforms: ['linux/amd64', 'linux/arm64'] }), { metadataFile: META });
    expect(push.slice(-4)).toEqual(['--platform', 'linux/amd64,linux/arm64', '--push', '/work/shop/web']);
    expect(push).not.toContain('--load');
    const multi = buildxArgs(request({ platforms: ['linux/amd64', 'linux/arm64'] }), { metadataFile: META });
    expect(multi.slice(-3)).toEqual(['--platform', 'linux/amd64,linux/arm64', '/work/shop/web']);
  });

  test('--no-cache and --pull only when asked', () => {
    const args = buildxArgs(request(), { metadataFile: META });
    expect(args).not.toContain('--no-cache');
    expect(args).not.toContain('--pull');
  });
});

describe('parseBuildxInspect', () => {
  test('the builder and driver of a running docker builder (buildx 0.13.1 on engine 20.10)', () => {
    const text = [
      'Name:          default',
      'Driver:        docker',
      'Last Activity: 2026-11-22 16:20:44 +0000 UTC',
      '',
      'Nodes:',
      'Name:             default',
      'Endpoint:         default',
      'Status:           running',
      'BuildKit version: v0.8+unknown',
      'Platforms:        linux/amd64, linux/386',
      '',
    ].join('\n');
    expect(parseBuildxInspect(text)).toEqual({ builder: 'default', driver: 'docker', error: undefined });
  });

  test('an unreachable engine: exit code 0, an empty driver and an Error line', () => {
    const text = [
      'Name:          default',
      'Driver:        ',
      'Last Activity: 2026-11-22 16:20:44 +0000 UTC',
      'Error:         Cannot connect to the Docker daemon at unix:///tmp/nope.sock. Is the docker daemon running?',
    ].join('\n');
    expect(parseBuildxInspect(text)).toEqual({
      builder: 'default',
      driver: undefined,
      error: 'Cannot connect to the Docker daemon at unix:///tmp/nope.sock. Is the docker daemon running?',
    });
  });
});

describe('parseBuildxVersion', () => {
  test.each([
    ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1+ds1'],
    ['github.com/docker/buildx v0.19.3 48d6a3927a3c9e3b4f8e6d3c1c0b3a0e1d2c3b4a', '0.19.3'],
    ['something else', undefined],
  ])('%s', (text, version) => {
    expect(parseBuildxVersion(text)).toBe(version);
  });
});

describe('engineProblem', () => {
  test('a missing buildx plugin names the fix', () => {
    const error = engineProblem("docker: unknown command: docker buildx\n\nRun 'docker --help' for more information");
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error?.message).toBe('docker buildx is not installed');
    expect(error?.hint).toMatch(/docker-buildx/);
    expect(engineProblem("docker: 'buildx' is not a docker command.")?.message).toBe('docker buildx is not installed');
  });

  test('an unreachable daemon', () => {
    const error = engineProblem('ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
    expect(error?.message).toBe(
      'the Docker engine is not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    );
    expect(error?.exitCode).toBe(1);
  });

  test('an unknown builder', () => {
    expect(engineProblem('ERROR: no builder "remote" found')?.message).toBe("buildx builder 'remote' does not exist");
  });

  test('an endpoint that answers with a web page is not an engine, and the message names it', () => {
    const error = engineProblem(
      'ERROR: Error response from daemon: <!DOCTYPE HTML>\n<html lang="en">',
      undefined,
      'tcp://127.0.0.1:8000 (DOCKER_HOST)',
    );
    expect(error?.message).toBe('tcp://127.0.0.1:8000 (DOCKER_HOST) answers, but not as a Docker engine (it answered with a web page)');
    expect(error?.exitCode).toBe(1);
  });

  test('a build failure is not an engine problem', () => {
    expect(engineProblem('ERROR: failed to solve: executor failed running [/bin/sh -c exit 3]: exit code: 3')).toBeUndefined();
  });
});
