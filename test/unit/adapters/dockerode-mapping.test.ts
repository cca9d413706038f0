import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectionOptions } from '../../../src/adapters/docker/connection.js';
import {
  containerFromInspect,
  containerFromSummary,
  healthFromStatus,
  sortContainers,
} from '../../../src/adapters/docker/container-mapping.js';
import { containerEventFrom, createJsonObjectSplitter } from '../../../src/adapters/docker/events.js';
import { splitImageReference } from '../../../src/adapters/docker/images.js';
import { createFrameDemuxer, createLogDecoder, sinceParameter, splitTimestamp } from '../../../src/adapters/docker/logs.js';
import { cpuPercent, memoryUsage, statsSample } from '../../../src/adapters/docker/stats.js';
import { ConfigError } from '../../../src/core/errors.js';

/** One stdcopy frame: type byte, three zero bytes, big-endian length, payload. */
function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Every way of cutting `bytes` into two chunks, to prove nothing depends on chunk boundaries. */
function* splits(bytes: Buffer): Generator<[Buffer, Buffer]> {
  for (let at = 0; at <= bytes.length; at++) yield [bytes.subarray(0, at), bytes.subarray(at)];
}

const T1 = '2026-11-22T16:27:43.175795820Z';
const T2 = '2026-11-22T16:27:43.675620807Z';

describe('healthFromStatus', () => {
  test('reads healthy, unhealthy and starting from the engine status text', () => {
    expect(healthFromStatus('Up 3 seconds (healthy)')).toBe('healthy');
    expect(healthFromStatus('Up 5 minutes (unhealthy)')).toBe('unhealthy');
    expect(healthFromStatus('Up 2 seconds (health: starting)')).toBe('starting');
  });

  test('is null without a healthcheck or when not running', () => {
    expect(healthFromStatus('Up 4 minutes')).toBeNull();
    expect(healthFromStatus('Exited (143) 2 seconds ago')).toBeNull();
    expect(healthFromStatus('Up 1 second (Paused)')).toBeNull();
    expect(healthFromStatus('Created')).toBeNull();
  });
});

describe('containerFromSummary', () => {
  const summary = {
    Id: 'abc',
    Names: ['/shop-web-2'],
    Image: 'busybox:latest',
    ImageID: 'sha256:5a86',
    State: 'running',
    Status: 'Up 3 seconds (healthy)',
    Ports: [
      { IP: '::', PrivatePort: 8080, PublicPort: 32768, Type: 'tcp' },
      { PrivatePort: 9090, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 8080, PublicPort: 32768, Type: 'tcp' },
    ],
    Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.container-number': '2' },
  };

  test('maps compose labels, state, health, image and ports (sorted) into our type', () => {
    expect(containerFromSummary(summary)).toEqual({
      id: 'abc',
      name: 'shop-web-2',
      service: 'web',
      project: 'shop',
      number: 2,
      state: 'running',
      status: 'Up 3 seconds (healthy)',
      health: 'healthy',
      imageId: 'sha256:5a86',
      image: 'busybox:latest',
      ports: [
        { containerPort: 8080, protocol: 'tcp', hostPort: 32768, hostIp: '0.0.0.0' },
        { containerPort: 8080, protocol: 'tcp', hostPort: 32768, hostIp: '::' },
        { containerPort: 9090, protocol: 'tcp', hostPort: null, hostIp: null },
      ],
      labels: summary.Labels,
    });
  });

  test('sorts by service, then container number', () => {
    const at = (service: string, number: number) =>
      containerFromSummary({
        ...summary,
        Id: `${service}${number}`,
        Labels: { 'com.docker.compose.service': service, 'com.docker.compose.container-number': String(number) },
      });
    expect(sortContainers([at('web', 10), at('db', 1), at('web', 2)]).map((c) => c.id)).toEqual(['db1', 'web2', 'web10']);
  });
});

describe('containerFromInspect', () => {
  const inspected = {
    Id: 'abc',
    Name: '/shop-web-1',
    Image: 'sha256:5a86',
    Config: {
      Image: 'busybox:latest',
      Labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'shop', 'com.docker.compose.container-number': '1' },
      Tty: false,
    },
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      ExitCode: 0,
      StartedAt: '2026-11-22T16:27:36.332098817Z',
      Health: { Status: 'healthy' },
    },
    NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }], '9090/udp': null } },
  };

  test('adds start time, exit code and the published ports', () => {
    const info = containerFromInspect(inspected, 'Up 2 minutes (healthy)');
    expect(info).toMatchObject({
      name: 'shop-web-1',
      service: 'web',
      number: 1,
      state: 'running',
      health: 'healthy',
      status: 'Up 2 minutes (healthy)',
    });
    expect(info.startedAt).toBe('2026-11-22T16:27:36.332098817Z');
    expect(info.exitCode).toBe(0);
    expect(info.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', hostPort: 49153, hostIp: '127.0.0.1' },
      { containerPort: 9090, protocol: 'udp', hostPort: null, hostIp: null },
    ]);
  });

  test('reports no health for a stopped container and no start time for one never started', () => {
    const stopped = containerFromInspect({ ...inspected, State: { ...inspected.State, Status: 'exited', Running: false, ExitCode: 137 } });
    expect(stopped).toMatchObject({ state: 'exited', health: null, exitCode: 137, status: 'exited' });
    const created = containerFromInspect({ ...inspected, State: { Status: 'created', StartedAt: '0001-01-01T00:00:00Z' } });
    expect(created.startedAt).toBeUndefined();
  });
});

describe('splitImageReference', () => {
  test('takes the tag after the last colon, not a registry port', () => {
    expect(splitImageReference('shop-web:dev')).toEqual({ repo: 'shop-web', tag: 'dev' });
    expect(splitImageReference('localhost:5000/shop/web:1.2')).toEqual({ repo: 'localhost:5000/shop/web', tag: '1.2' });
    expect(splitImageReference('localhost:5000/shop/web')).toEqual({ repo: 'localhost:5000/shop/web', tag: 'latest' });
  });
});

describe('stats', () => {
  const sample = {
    cpu_stats: { cpu_usage: { total_usage: 28_754_330 }, system_cpu_usage: 2_585_030_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 26_215_412 }, system_cpu_usage: 2_583_100_000_000, online_cpus: 2 },
    memory_stats: { usage: 765_952, limit: 25_276_510_208, stats: { total_inactive_file: 65_536, inactive_file: 65_536, cache: 131_072 } },
  };

  test('CPU % is the container delta over the system delta, times online CPUs, times 100', () => {
    // (2_538_918 / 1_930_000_000) * 2 * 100
    expect(cpuPercent(sample)).toBeCloseTo(0.263_100_31, 6);
  });

  test('CPU % falls back to the per-CPU list for the CPU count and is 0 without a previous reading', () => {
    const noOnline = {
      ...sample,
      cpu_stats: { ...sample.cpu_stats, online_cpus: 0, cpu_usage: { total_usage: 28_754_330, percpu_usage: [1, 2, 3, 4] } },
    };
    expect(cpuPercent(noOnline)).toBeCloseTo(0.526_200_62, 6);
    expect(cpuPercent({ ...sample, precpu_stats: {} })).toBe(0);
    expect(cpuPercent({})).toBe(0);
  });

  test('memory is usage minus inactive file pages (cgroup v1, then v2, then the old cache field)', () => {
    expect(memoryUsage(sample.memory_stats)).toBe(700_416);
    expect(memoryUsage({ usage: 1000, stats: { inactive_file: 300 } })).toBe(700);
    expect(memoryUsage({ usage: 1000, stats: { cache: 400 } })).toBe(600);
    expect(memoryUsage({ usage: 1000, stats: { total_inactive_file: 5000 } })).toBe(1000);
    expect(memoryUsage(undefined)).toBe(0);
  });

  test('a sample carries CPU, memory and the limit', () => {
    expect(statsSample(sample)).toEqual({ cpuPercent: cpuPercent(sample), memoryBytes: 700_416, memoryLimitBytes: 25_276_510_208 });
  });
});

describe('createFrameDemuxer', () => {
  test('cuts frames whatever the chunk boundaries', () => {
    const bytes = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, '')]);
    for (const [a, b] of splits(bytes)) {
      const demuxer = createFrameDemuxer();
      const frames = [...demuxer.push(a), ...demuxer.push(b)];
      expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
        ['stdout', 'out\n'],
        ['stderr', 'err\n'],
        ['stdout', ''],
      ]);
    }
  });

  test('rejects a stream that is not multiplexed', () => {
    expect(() => createFrameDemuxer().push(Buffer.from('2026-11-22T16:27:43Z hello\n'))).toThrow(/not multiplexed/);
  });
});

describe('createLogDecoder', () => {
  test('tags both streams and parses the timestamp off each line', () => {
    const decoder = createLogDecoder(true);
    const lines = decoder.push(Buffer.concat([frame(1, `${T1} out 3 héllo\n`), frame(2, `${T2} err 3\n`)]));
    expect(lines).toEqual([
      { stream: 'stdout', text: 'out 3 héllo', timestamp: T1 },
      { stream: 'stderr', text: 'err 3', timestamp: T2 },
    ]);
    expect(decoder.end()).toEqual([]);
  });

  test('keeps a multi-byte character whole when a chunk ends inside it', () => {
    const bytes = Buffer.concat([frame(1, `${T1} ✓ drei Bücher 🐳\n`), frame(2, `${T2} ünïcode\n`)]);
    for (const [a, b] of splits(bytes)) {
      const decoder = createLogDecoder(true);
      const lines = [...decoder.push(a), ...decoder.push(b), ...decoder.end()];
      expect(lines.map((l) => `${l.stream}:${l.text}`)).toEqual(['stdout:✓ drei Bücher 🐳', 'stderr:ünïcode']);
    }
  });

  test('joins a message the engine split into parts into one line with the first timestamp', () => {
    const decoder = createLogDecoder(true);
    const lines = [
      ...decoder.push(frame(1, `${T1} first half, `)),
      ...decoder.push(frame(2, `${T1} meanwhile on stderr\n`)),
      ...decoder.push(frame(1, `${T2} second half\n`)),
    ];
    expect(lines).toEqual([
      { stream: 'stderr', text: 'meanwhile on stderr', timestamp: T1 },
      { stream: 'stdout', text: 'first half, second half', timestamp: T1 },
    ]);
  });

  test('flushes a last line without a newline when the stream ends', () => {
    const decoder = createLogDecoder(true);
    expect(decoder.push(frame(2, `${T1} no newline`))).toEqual([]);
    expect(decoder.end()).toEqual([{ stream: 'stderr', text: 'no newline', timestamp: T1 }]);
  });

  test('reads a TTY container log as one raw stdout stream, dropping the \\r of \\r\\n', () => {
    const bytes = Buffer.from(`${T1} hi ✓\r\n${T2} again\r\n`, 'utf8');
    for (const [a, b] of splits(bytes)) {
      const decoder = createLogDecoder(false);
      expect([...decoder.push(a), ...decoder.push(b), ...decoder.end()]).toEqual([
        { stream: 'stdout', text: 'hi ✓', timestamp: T1 },
        { stream: 'stdout', text: 'again', timestamp: T2 },
      ]);
    }
  });

  test('surfaces an engine error frame as an error', () => {
    expect(() => createLogDecoder(true).push(frame(3, 'log driver failed\n'))).toThrow(/log driver failed/);
  });
});

describe('splitTimestamp', () => {
  test('takes an RFC 3339 prefix and leaves other text alone', () => {
    expect(splitTimestamp(`${T1} GET / 200`)).toEqual({ timestamp: T1, text: 'GET / 200' });
    expect(splitTimestamp('2026-11-22T17:00:00+01:00 x')).toEqual({ timestamp: '2026-11-22T17:00:00+01:00', text: 'x' });
    expect(splitTimestamp('plain text')).toEqual({ timestamp: '', text: 'plain text' });
  });
});

describe('sinceParameter', () => {
  test('passes Unix seconds through and turns ISO times into seconds.nanoseconds', () => {
    expect(sinceParameter(1_795_364_861)).toBe('1795364861');
    expect(sinceParameter('1795364861.5')).toBe('1795364861.5');
    expect(sinceParameter('2026-11-22T16:27:43.175795820Z')).toBe('1795364863.175795820');
    expect(sinceParameter('2026-11-22T17:27:43+01:00')).toBe('1795364863.000000000');
  });

  test('rejects what is neither', () => {
    expect(() => sinceParameter('yesterday')).toThrow(/cannot read the log start time/);
  });
});

describe('createJsonObjectSplitter', () => {
  const events =
    '{"Type":"container","Action":"start","Actor":{"ID":"a","Attributes":{"name":"wéb {1}"}}}\n{"Type":"container","Action":"die","Actor":{"ID":"a","Attributes":{"q":"\\"}"}}}\n';

  test('yields each object once it is complete, wherever the chunks split (strings and UTF-8 included)', () => {
    const bytes = Buffer.from(events, 'utf8');
    for (const [a, b] of splits(bytes)) {
      const splitter = createJsonObjectSplitter();
      const values = [...splitter.push(a), ...splitter.push(b)] as { Action: string }[];
      expect(values.map((v) => v.Action)).toEqual(['start', 'die']);
    }
  });

  test('also reads objects that follow each other without a newline', () => {
    expect(createJsonObjectSplitter().push(Buffer.from('{"a":1}{"a":2} {"a":3}'))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
});

describe('containerEventFrom', () => {
  const actor = (attributes: Record<string, string>) => ({
    ID: 'f051',
    Attributes: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', ...attributes },
  });

  test('maps health_status: healthy to action health_status with the health', () => {
    expect(
      containerEventFrom({
        Type: 'container',
        Action: 'health_status: healthy',
        Actor: actor({}),
        time: 1_795_364_861,
        timeNano: 1_795_364_861_828_199_767,
      }),
    ).toEqual({
      action: 'health_status',
      containerId: 'f051',
      service: 'web',
      project: 'shop',
      health: 'healthy',
      time: 1_795_364_861_828,
    });
  });

  test('gives die its exit code', () => {
    expect(containerEventFrom({ Type: 'container', Action: 'die', Actor: actor({ exitCode: '143' }), time: 1_795_364_861 })).toMatchObject({
      action: 'die',
      exitCode: 143,
      time: 1_795_364_861_000,
    });
  });

  test('ignores exec events and other types', () => {
    expect(containerEventFrom({ Type: 'container', Action: 'exec_create: true ', Actor: actor({}) })).toBeUndefined();
    expect(containerEventFrom({ Type: 'network', Action: 'connect', Actor: actor({}) })).toBeUndefined();
  });
});

describe('connectionOptions', () => {
  const files: Record<string, string> = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
  const readFile = (file: string) => {
    const content = files[file.split(path.sep).join('/')];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return Buffer.from(content);
  };

  test('a unix host is a socket path; tcp without TLS is plain http on 2375', () => {
    expect(connectionOptions('unix:///var/run/docker.sock', {}, readFile)).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(connectionOptions('tcp://10.0.0.5', {}, readFile)).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http' });
  });

  test('DOCKER_TLS_VERIFY with DOCKER_CERT_PATH reads ca.pem, cert.pem and key.pem and verifies the server', () => {
    const options = connectionOptions('tcp://engine.example:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, readFile);
    expect(options).toMatchObject({ host: 'engine.example', port: 2376, protocol: 'https', verifyServer: true });
    expect([options.ca?.toString(), options.cert?.toString(), options.key?.toString()]).toEqual(['CA', 'CERT', 'KEY']);
  });

  test('DOCKER_TLS alone encrypts without verifying the server', () => {
    expect(connectionOptions('tcp://engine.example', { DOCKER_TLS: '1', DOCKER_CERT_PATH: '/certs' }, readFile)).toMatchObject({
      port: 2376,
      protocol: 'https',
      verifyServer: false,
    });
  });

  test('verifying without a CA file is a configuration error', () => {
    expect(() => connectionOptions('tcp://engine.example', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nowhere' }, readFile)).toThrow(
      ConfigError,
    );
  });

  test('an ssh host is never handed to docker-modem (its SSH client warns DEP0170 and ignores ~/.ssh/config)', () => {
    expect(() => connectionOptions('ssh://deploy@engine.example', { SSH_AUTH_SOCK: '/run/agent' }, readFile)).toThrow(/ssh connection/);
  });
});
