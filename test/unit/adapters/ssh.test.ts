import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { apiBelow } from '../../../src/adapters/docker/dockerode-runtime.js';
import {
  DEFAULT_REMOTE_SOCKET,
  masterArgs,
  parseSshDestination,
  remoteCommandArgs,
  sshCommand,
} from '../../../src/adapters/docker/ssh/ssh-destination.js';
import { remoteEngineFailure, sshFailure } from '../../../src/adapters/docker/ssh/ssh-failure.js';

describe('parseSshDestination', () => {
  test('an alias alone: the default engine socket, no user, no port (ssh config decides)', () => {
    expect(parseSshDestination('ssh://buildbox')).toEqual({ url: 'ssh://buildbox', host: 'buildbox', remoteSocket: DEFAULT_REMOTE_SOCKET });
  });

  test('user, port and a socket path, as the docker CLI reads them', () => {
    expect(parseSshDestination('ssh://build@10.0.0.5:2222/run/user/1000/docker.sock')).toEqual({
      url: 'ssh://build@10.0.0.5:2222/run/user/1000/docker.sock',
      host: '10.0.0.5',
      user: 'build',
      port: '2222',
      remoteSocket: '/run/user/1000/docker.sock',
    });
  });

  test('a bracketed IPv6 host loses its brackets', () => {
    expect(parseSshDestination('ssh://[::1]:22').host).toBe('::1');
  });

  test.each([
    ['ssh://user:secret@host', 'password'],
    ['ssh://host?x=1', 'query'],
    ['ssh://host#frag', 'fragment'],
    ['ssh://', 'empty'],
  ])('%s is refused (%s)', (address, why) => {
    expect(() => parseSshDestination(address)).toThrow(ConfigError);
    expect(() => parseSshDestination(address)).toThrow(new RegExp(why));
  });
});

describe('ssh command lines', () => {
  const destination = parseSshDestination('ssh://build@buildbox:2222');

  test('the master logs in once, without prompts, and forwards the local socket to the engine socket', () => {
    expect(
      masterArgs(destination, { controlPath: '/t/control', localSocket: '/t/docker.sock' }, { configFile: '/rig/ssh_config' }),
    ).toEqual([
      '-F',
      '/rig/ssh_config',
      '-M',
      '-S',
      '/t/control',
      '-o',
      'ControlPersist=no',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=30',
      '-o',
      'ServerAliveInterval=10',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'StreamLocalBindUnlink=yes',
      '-N',
      '-T',
      '-L',
      '/t/docker.sock:/var/run/docker.sock',
      '-l',
      'build',
      '-p',
      '2222',
      '--',
      'buildbox',
    ]);
  });

  test('a remote command goes through the master, its words after the host', () => {
    expect(remoteCommandArgs(destination, '/t/control', ['docker', 'version'])).toEqual([
      '-S',
      '/t/control',
      '-o',
      'ControlMaster=no',
      '-o',
      'BatchMode=yes',
      '-T',
      '-l',
      'build',
      '-p',
      '2222',
      '--',
      'buildbox',
      'docker',
      'version',
    ]);
  });

  test('the command a person types to check the login', () => {
    expect(sshCommand(destination)).toBe('ssh -p 2222 build@buildbox');
    expect(sshCommand(parseSshDestination('ssh://buildbox'))).toBe('ssh buildbox');
  });
});

describe('sshFailure', () => {
  const destination = parseSshDestination('ssh://buildbox');
  const where = 'ssh://buildbox (DOCKER_HOST)';

  test.each([
    [
      'root@10.0.0.5: Permission denied (publickey).\r\n',
      'ssh to ssh://buildbox (DOCKER_HOST) could not log in: root@10.0.0.5: Permission denied (publickey)',
      /ssh-add/,
    ],
    [
      'No ED25519 host key is known for [10.0.0.5]:22 and you have requested strict checking.\r\nHost key verification failed.\r\n',
      'ssh to ssh://buildbox (DOCKER_HOST): the host key of buildbox is not known',
      /run 'ssh buildbox true' once/,
    ],
    [
      '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n',
      'ssh to ssh://buildbox (DOCKER_HOST): the host key has changed since it was accepted',
      /ssh-keygen -R buildbox/,
    ],
    [
      'ssh: connect to host 10.0.0.5 port 22: Connection refused\r\n',
      'cannot reach ssh://buildbox (DOCKER_HOST) over ssh: ssh: connect to host 10.0.0.5 port 22: Connection refused',
      /sshd listens/,
    ],
    [
      'ssh: Could not resolve hostname buildbox: Name or service not known\r\n',
      'ssh to ssh://buildbox (DOCKER_HOST): cannot resolve buildbox',
      /Host entry/,
    ],
    [
      'channel 2: open failed: connect failed: open failed\r\n',
      'ssh to ssh://buildbox (DOCKER_HOST) cannot reach the engine socket /var/run/docker.sock: channel 2: open failed: connect failed: open failed',
      /Docker runs on buildbox/,
    ],
    ['something new\n', 'ssh to ssh://buildbox (DOCKER_HOST) failed: something new', /ssh -v buildbox true/],
  ])('%j', (stderr, message, hint) => {
    const error = sshFailure(destination, where, stderr);
    expect(error.message).toBe(message);
    expect(error.hint).toMatch(hint);
    expect(error.exitCode).toBe(1);
  });

  test('docker missing on the remote host, the engine down there, no permission on its socket', () => {
    expect(remoteEngineFailure(destination, where, { code: 127, output: 'bash: line 1: docker: command not found\n' }).message).toBe(
      "ssh://buildbox (DOCKER_HOST): Docker is not installed on buildbox (no 'docker' command there, and no engine at /var/run/docker.sock)",
    );
    expect(
      remoteEngineFailure(destination, where, {
        code: 1,
        output: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      }).hint,
    ).toMatch(/start Docker on buildbox/);
    expect(
      remoteEngineFailure(destination, where, {
        code: 1,
        output: 'permission denied while trying to connect to the Docker daemon socket\n',
      }).hint,
    ).toMatch(/docker group on buildbox/);
  });
});

describe('apiBelow', () => {
  test.each([
    ['1.40', true],
    ['1.41', false],
    ['1.45', false],
    ['2.0', false],
    ['0.99', true],
    ['unknown', false],
  ])('API %s below 1.41: %s', (version, below) => {
    expect(apiBelow(version, '1.41')).toBe(below);
  });
});
