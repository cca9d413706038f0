import { describe, expect, test } from 'vitest';
import { formatPorts, withDependencies } from '../../../src/operations/lifecycle.js';
import type { ContainerInfo } from '../../../src/ports/container-runtime.js';
import { project } from '../../support/builders.js';

describe('withDependencies', () => {
  test('adds what the named services require, transitively, as compose up does', () => {
    const workspace = project('p', '/p')
      .service('web', { image: 'a', depends_on: { api: {} } })
      .service('api', { image: 'b', depends_on: { db: {} } })
      .service('db', { image: 'c' })
      .service('other', { image: 'd' })
      .workspace();
    expect(withDependencies(workspace, ['web'])).toEqual(['api', 'db', 'web']);
    expect(withDependencies(workspace, [])).toEqual(['api', 'db', 'other', 'web']);
  });
});

describe('formatPorts', () => {
  test('shows published ports with the engine host, once each, skipping unpublished ones', () => {
    const container = {
      ports: [
        { containerPort: 3000, protocol: 'tcp', hostPort: 32768, hostIp: '0.0.0.0' },
        { containerPort: 3000, protocol: 'tcp', hostPort: 32768, hostIp: '::' },
        { containerPort: 9229, protocol: 'tcp', hostPort: null, hostIp: null },
      ],
    } as unknown as ContainerInfo;
    expect(formatPorts(container, 'build-box.internal')).toEqual(['build-box.internal:32768→3000/tcp']);
  });

  test('a port bound on IPv4 and IPv6 to different host ports shows the IPv4 one; an IPv6-only port still shows', () => {
    const container = {
      ports: [
        { containerPort: 3000, protocol: 'tcp', hostPort: 32768, hostIp: '0.0.0.0' },
        { containerPort: 3000, protocol: 'tcp', hostPort: 32770, hostIp: '::' },
        { containerPort: 4000, protocol: 'tcp', hostPort: 32771, hostIp: '::' },
      ],
    } as unknown as ContainerInfo;
    expect(formatPorts(container, 'localhost')).toEqual(['localhost:32768→3000/tcp', 'localhost:32771→4000/tcp']);
  });
});
