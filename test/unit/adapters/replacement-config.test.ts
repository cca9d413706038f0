import { describe, expect, test } from 'vitest';
import {
  configSetByService,
  replacementSpec,
  type EngineContainerDetails,
  type EngineImageConfig,
} from '../../../src/adapters/docker/replacement-config.js';

const SECOND = 1_000_000_000;
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `docker image inspect` Config of the image the container was created from (trimmed to what matters). */
const OLD_IMAGE: EngineImageConfig = {
  Env: [PATH, 'VERSION=v1', 'PORT=3000'],
  Cmd: ['node', 'server.js'],
  Entrypoint: null,
  WorkingDir: '/app',
  User: '',
  ExposedPorts: { '3000/tcp': {} },
  Volumes: null,
  Labels: { 'dockstage.inputs-hash': 'h1', 'org.opencontainers.image.title': 'web' },
  Healthcheck: { Test: ['CMD', 'node', 'check.js'], Interval: 30 * SECOND, Retries: 3 },
};

/** `docker inspect` of the container compose created for `web` (API 1.41, trimmed): compose set GREETING, the 8080 port, the labels, an interval. */
const OLD_CONTAINER: EngineContainerDetails = {
  Id: 'ab44d487fcec9d1e0b2c5a7f3e6d8c4b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d',
  Name: '/shop-web-1',
  Image: 'sha256:1111',
  Config: {
    Hostname: 'ab44d487fcec',
    Domainname: '',
    User: '',
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: { '3000/tcp': {}, '8080/tcp': {} },
    Tty: false,
    Env: ['GREETING=from-compose', PATH, 'VERSION=v1', 'PORT=3000'],
    Cmd: ['node', 'server.js'],
    Image: 'shop-web:dev',
    Volumes: null,
    WorkingDir: '/app',
    Entrypoint: null,
    OnBuild: null,
    Labels: {
      'com.docker.compose.config-hash': '29de5520',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.image': 'sha256:1111',
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': 'web',
      'dockstage.inputs-hash': 'h1',
      'org.opencontainers.image.title': 'web',
    },
    Healthcheck: { Test: ['CMD', 'node', 'check.js'], Interval: 5 * SECOND, Retries: 3 },
  },
  HostConfig: {
    NetworkMode: 'shop_default',
    PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    Init: true,
    Mounts: [
      { Type: 'volume', Target: '/anon', VolumeOptions: {} },
      { Type: 'volume', Source: 'shop_named', Target: '/named', VolumeOptions: {} },
    ],
    Binds: ['/home/me/shop/src:/app/src:rw'],
  },
  NetworkSettings: {
    Networks: {
      shop_other: {
        IPAMConfig: {},
        Links: null,
        Aliases: ['shop-web-1', 'web', 'ab44d487fcec'],
        NetworkID: 'n2',
        IPAddress: '172.20.0.2',
        MacAddress: '02:42:ac:14:00:02',
        DriverOpts: null,
      },
      shop_default: {
        IPAMConfig: {},
        Links: ['shop-db-1:database'],
        Aliases: ['shop-web-1', 'web', 'webalias', 'ab44d487fcec'],
        NetworkID: 'n1',
        EndpointID: 'e1',
        IPAddress: '172.21.0.3',
        MacAddress: '02:42:ac:15:00:03',
        DriverOpts: null,
      },
    },
  },
  Mounts: [
    { Type: 'volume', Name: 'a06f9765ee4a0ee9814c5f27395e4022f8616d945d68837c5edb530203d8d996', Destination: '/anon' },
    { Type: 'volume', Name: 'shop_named', Destination: '/named' },
    { Type: 'bind', Destination: '/app/src' },
  ],
  State: { Running: true },
};

const NEW_IMAGE = { reference: 'shop-web:dev', id: 'sha256:2222' };

describe('configSetByService', () => {
  test('keeps what the service set and leaves what the old image gave unset', () => {
    expect(configSetByService(OLD_CONTAINER.Config, OLD_IMAGE)).toEqual({
      User: undefined,
      Cmd: undefined,
      Entrypoint: undefined,
      WorkingDir: undefined,
      StopSignal: undefined,
      Env: ['GREETING=from-compose'],
      Labels: {
        'com.docker.compose.config-hash': '29de5520',
        'com.docker.compose.container-number': '1',
        'com.docker.compose.image': 'sha256:1111',
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'web',
      },
      ExposedPorts: { '8080/tcp': {} },
      Volumes: undefined,
      Healthcheck: { Interval: 5 * SECOND },
    });
  });

  test('a command, entrypoint, user or working directory that differs from the image is the service’s', () => {
    const set = configSetByService(
      {
        ...OLD_CONTAINER.Config,
        Cmd: ['npm', 'run', 'dev'],
        Entrypoint: ['tini', '--'],
        User: 'node',
        WorkingDir: '/srv',
        Env: [PATH, 'VERSION=v9'],
      },
      OLD_IMAGE,
    );
    expect(set).toMatchObject({
      Cmd: ['npm', 'run', 'dev'],
      Entrypoint: ['tini', '--'],
      User: 'node',
      WorkingDir: '/srv',
      Env: ['VERSION=v9'],
    });
  });

  test('an entrypoint set without a command keeps the empty command (the engine drops the image CMD then)', () => {
    const set = configSetByService({ ...OLD_CONTAINER.Config, Entrypoint: ['sh', '-c'], Cmd: null }, OLD_IMAGE);
    expect(set.Entrypoint).toEqual(['sh', '-c']);
    expect(set.Cmd).toBeUndefined();
  });

  test('a service value equal to the old image’s reads as inherited (the one ambiguous case)', () => {
    expect(configSetByService({ ...OLD_CONTAINER.Config, Env: ['PORT=3000'] }, OLD_IMAGE).Env).toEqual([]);
  });

  test('a healthcheck the image does not have is the service’s, whole', () => {
    const healthcheck = { Test: ['CMD-SHELL', 'wget -qO- localhost:3000'], Interval: SECOND };
    expect(
      configSetByService({ ...OLD_CONTAINER.Config, Healthcheck: healthcheck }, { ...OLD_IMAGE, Healthcheck: null }).Healthcheck,
    ).toEqual(healthcheck);
  });
});

describe('replacementSpec', () => {
  const spec = replacementSpec(OLD_CONTAINER, OLD_IMAGE, NEW_IMAGE);

  test('creates from the new image with compose’s labels and the new image ID for compose to compare', () => {
    expect(spec.create).toMatchObject({
      Image: 'shop-web:dev',
      Env: ['GREETING=from-compose'],
      Cmd: null,
      Entrypoint: null,
      WorkingDir: '',
      User: '',
      ExposedPorts: { '8080/tcp': {} },
      Healthcheck: { Interval: 5 * SECOND },
      AttachStdout: true,
      Tty: false,
    });
    expect((spec.create['Labels'] as Record<string, string>)['com.docker.compose.image']).toBe('sha256:2222');
    expect((spec.create['Labels'] as Record<string, string>)['com.docker.compose.config-hash']).toBe('29de5520');
    expect(spec.create['Labels']).not.toHaveProperty('dockstage.inputs-hash');
  });

  test('drops the hostname the engine generated, but keeps one the service set', () => {
    expect(spec.create).not.toHaveProperty('Hostname');
    const named = replacementSpec({ ...OLD_CONTAINER, Config: { ...OLD_CONTAINER.Config, Hostname: 'api.local' } }, OLD_IMAGE, NEW_IMAGE);
    expect(named.create['Hostname']).toBe('api.local');
  });

  test('joins the primary network at create time and the others afterwards, with aliases and links but no generated alias', () => {
    expect(spec.create['NetworkingConfig']).toEqual({
      EndpointsConfig: { shop_default: { IPAMConfig: {}, Links: ['shop-db-1:database'], Aliases: ['shop-web-1', 'web', 'webalias'] } },
    });
    expect(spec.extraNetworks).toEqual([{ network: 'shop_other', endpoint: { IPAMConfig: {}, Aliases: ['shop-web-1', 'web'] } }]);
  });

  test('mounts the old anonymous volume again by name; named volumes and binds stay as declared', () => {
    const hostConfig = spec.create['HostConfig'] as Record<string, unknown>;
    expect(hostConfig['Mounts']).toEqual([
      { Type: 'volume', Source: 'shop_named', Target: '/named', VolumeOptions: {} },
      { Type: 'volume', Source: 'a06f9765ee4a0ee9814c5f27395e4022f8616d945d68837c5edb530203d8d996', Target: '/anon' },
    ]);
    expect(hostConfig['Binds']).toEqual(['/home/me/shop/src:/app/src:rw']);
    expect(hostConfig).toMatchObject({
      NetworkMode: 'shop_default',
      Init: true,
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    });
  });

  test('an anonymous volume from the image’s VOLUME is kept too', () => {
    const fromImage = replacementSpec(
      {
        ...OLD_CONTAINER,
        Config: { ...OLD_CONTAINER.Config, Volumes: { '/var/lib/data': {} } },
        HostConfig: { NetworkMode: 'shop_default' },
        Mounts: [{ Type: 'volume', Name: 'f00d', Destination: '/var/lib/data' }],
      },
      { ...OLD_IMAGE, Volumes: { '/var/lib/data': {} } },
      NEW_IMAGE,
    );
    expect((fromImage.create['HostConfig'] as Record<string, unknown>)['Mounts']).toEqual([
      { Type: 'volume', Source: 'f00d', Target: '/var/lib/data' },
    ]);
    expect(fromImage.create['Volumes']).toBeNull();
  });

  test('a container sharing another’s network namespace gets no endpoints', () => {
    const shared = replacementSpec(
      { ...OLD_CONTAINER, HostConfig: { NetworkMode: 'container:0123' }, NetworkSettings: { Networks: {} } },
      OLD_IMAGE,
      NEW_IMAGE,
    );
    expect(shared.create).not.toHaveProperty('NetworkingConfig');
    expect(shared.extraNetworks).toEqual([]);
  });

  test('without the old image every value counts as the service’s', () => {
    const blind = replacementSpec(OLD_CONTAINER, undefined, NEW_IMAGE);
    expect(blind.create).toMatchObject({ Env: OLD_CONTAINER.Config.Env, Cmd: ['node', 'server.js'], WorkingDir: '/app' });
  });
});
