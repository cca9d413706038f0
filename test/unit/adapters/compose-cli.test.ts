import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ComposeCommandError, composeArgs, composeFailure, createJsonObjectReader } from '../../../src/adapters/compose/compose-process.js';
import { EngineUnavailableError } from '../../../src/core/errors.js';

describe('composeFailure', () => {
  test('a missing compose plugin is an engine problem with the fix, exit 1 (docker 28 and older wordings)', () => {
    for (const stderr of [
      "docker: unknown command: docker compose\n\nRun 'docker --help' for more information\n",
      "docker: 'compose' is not a docker command.\nSee 'docker --help'\n",
    ]) {
      const error = composeFailure('config', stderr, 2);
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(error.exitCode).toBe(1);
      expect(error.hint).toContain('docker compose plugin (v2)');
    }
  });

  test('an unreachable daemon says so in one line, exit 1', () => {
    const error = composeFailure(
      'up',
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      1,
    );
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toBe('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  });

  test("compose's own validation errors keep its last line and the caller's exit code", () => {
    const error = composeFailure(
      'config',
      'time="…" level=warning msg="x"\nservice "web" depends on undefined service "db": invalid compose project\n',
      2,
    );
    expect(error).toBeInstanceOf(ComposeCommandError);
    expect(error.message).toBe('service "web" depends on undefined service "db": invalid compose project');
    expect(error.exitCode).toBe(2);
  });

  test('an unknown docker context is a configuration error naming the context and DOCKER_CONTEXT', () => {
    const error = composeFailure(
      'config',
      'Failed to initialize: unable to resolve docker endpoint: context "nope": context not found: open /root/.docker/contexts/meta/ca37/meta.json: no such file or directory\n',
      2,
    );
    expect(error.message).toBe("docker context 'nope' does not exist");
    expect(error.hint).toContain('DOCKER_CONTEXT');
    expect(error.exitCode).toBe(2);
  });
});

describe('createJsonObjectReader', () => {
  const feed = (chunks: readonly Buffer[]) => {
    const reader = createJsonObjectReader();
    return chunks.map((chunk) => reader.push(chunk));
  };
  const splitAt = (bytes: Buffer, cuts: readonly number[]) => {
    const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
    return [0, ...points, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end));
  };

  test('an object split anywhere, even inside a multi-byte character, is read only once its last byte arrives', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        (object, cuts, pretty) => {
          const bytes = Buffer.from(`${JSON.stringify(object, null, pretty ? 2 : undefined)}\n`, 'utf8');
          const chunks = splitAt(bytes, cuts);
          const complete = bytes.lastIndexOf(0x7d) + 1;
          let read = 0;
          feed(chunks).forEach((result, i) => {
            read += chunks[i]!.length;
            if (read < complete) expect(result).toBeUndefined();
            else expect(result).toEqual({ value: JSON.parse(bytes.toString('utf8')) });
          });
        },
      ),
    );
  });

  test('compose config output in three chunks: nothing until the closing brace, then the whole project', () => {
    const results = feed([
      Buffer.from('{\n  "name": "shop",\n  "services": {'),
      Buffer.from('"web": {"image": "x"}}\n'),
      Buffer.from('}'),
      Buffer.from('\n'),
    ]);
    expect(results).toEqual([
      undefined,
      undefined,
      { value: { name: 'shop', services: { web: { image: 'x' } } } },
      { value: { name: 'shop', services: { web: { image: 'x' } } } },
    ]);
  });

  test('a complete array, number or string is not a compose project: only an object counts', () => {
    expect(feed([Buffer.from('[{"a": 1}]')])).toEqual([undefined]);
    expect(feed([Buffer.from('12')])).toEqual([undefined]);
    expect(feed([Buffer.from('"}"')])).toEqual([undefined]);
  });

  test('text that is not JSON, or two objects, never resolves', () => {
    expect(feed([Buffer.from('warning: {x}')])).toEqual([undefined]);
    expect(feed([Buffer.from('{"a": 1}\n{"b": 2}')])).toEqual([undefined]);
  });
});

describe('composeArgs', () => {
  test('global options, then -f per file, then the command and its arguments: the order the docker-compose package uses', () => {
    const target = {
      files: ['/p/compose.yaml', '/p/.dockstage/shop/dev.compose.yaml'],
      projectName: 'shop',
      projectDirectory: '/p',
      profiles: ['debug'],
      envFiles: ['/p/.env.local'],
    };
    expect(composeArgs(target, 'up', ['--no-build', '--no-deps', '-d', 'web'])).toEqual([
      'compose',
      '-p',
      'shop',
      '--project-directory',
      '/p',
      '--profile',
      'debug',
      '--env-file',
      '/p/.env.local',
      '-f',
      '/p/compose.yaml',
      '-f',
      '/p/.dockstage/shop/dev.compose.yaml',
      'up',
      '--no-build',
      '--no-deps',
      '-d',
      'web',
    ]);
    expect(composeArgs({ files: [], profiles: [], envFiles: [] }, 'restart', ['api'])).toEqual(['compose', 'restart', 'api']);
  });
});
