import { describe, expect, test } from 'vitest';
import { ComposeCommandError, composeFailure } from '../../../src/adapters/compose-cli.js';
import { EngineUnavailableError } from '../../../src/core/errors.js';

describe('composeFailure', () => {
  test('a missing compose plugin is an engine problem with the fix, exit 1 (docker 28 and older wordings)', () => {
    for (const stderr of ['docker: unknown command: docker compose\n\nRun \'docker --help\' for more information\n', "docker: 'compose' is not a docker command.\nSee 'docker --help'\n"]) {
      const error = composeFailure('config', stderr, 2);
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(error.exitCode).toBe(1);
      expect(error.hint).toContain('docker compose plugin (v2)');
    }
  });

  test('an unreachable daemon says so in one line, exit 1', () => {
    const error = composeFailure('up', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', 1);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toBe('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  });

  test("compose's own validation errors keep its last line and the caller's exit code", () => {
    const error = composeFailure('config', 'time="…" level=warning msg="x"\nservice "web" depends on undefined service "db": invalid compose project\n', 2);
    expect(error).toBeInstanceOf(ComposeCommandError);
    expect(error.message).toBe('service "web" depends on undefined service "db": invalid compose project');
    expect(error.exitCode).toBe(2);
  });

  test('an unknown docker context is a configuration error naming the context and DOCKER_CONTEXT', () => {
    const error = composeFailure('config', 'Failed to initialize: unable to resolve docker endpoint: context "nope": context not found: open /root/.docker/contexts/meta/ca37/meta.json: no such file or directory\n', 2);
    expect(error.message).toBe("docker context 'nope' does not exist");
    expect(error.hint).toContain('DOCKER_CONTEXT');
    expect(error.exitCode).toBe(2);
  });
});
