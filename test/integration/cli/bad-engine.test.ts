/**
 * The engine is down, or DOCKER_HOST points at something that is not a Docker
 * engine: every command that needs the engine says so in one line naming the
 * endpoint, exit 1, never a stack trace. An unexpected failure (here: an
 * "engine" whose answers make no sense) prints its stack only with
 * DOCKSTAGE_DEBUG=1. Needs the compose CLI, not an engine: the endpoints are
 * a closed socket, a closed port and small HTTP servers started here.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const project = tempProjects('dockstage-bad-engine-');
const FILES = { 'compose.yaml': 'services:\n  web:\n    build: .\n', Dockerfile: 'FROM busybox AS develop\n' };
const ENGINE_COMMANDS = [['status'], ['plan'], ['down'], ['build'], ['up'], ['env', 'prod']];
const servers: http.Server[] = [];
let dir = '';

function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`)),
  );
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const oneLineError = (stderr: string) => expect(stderr).toMatch(/^error: [^\n]+\n {2}hint: [^\n]+\n$/);

describeWithCompose('an engine that is down or is not an engine', () => {
  beforeAll(async () => {
    dir = await project(FILES);
  });
  afterAll(() => {
    for (const server of servers) server.close();
  });

  test('daemon down at start (closed unix socket): one line naming the endpoint and DOCKER_HOST, exit 1', async () => {
    const host = `unix:///tmp/dockstage-no-engine-${process.pid}.sock`;
    for (const args of ENGINE_COMMANDS) {
      const result = await runCli(args, { cwd: dir, env: { DOCKER_HOST: host } });
      expect(result.code, args.join(' ')).toBe(1);
      oneLineError(result.stderr);
      expect(result.stderr, args.join(' ')).toContain(host.replace('unix://', ''));
    }
    const status = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: host } });
    expect(status.stderr).toContain(`error: cannot reach the Docker engine at ${host} (DOCKER_HOST): connect ENOENT`);
  });

  test('daemon down at start (closed tcp port on 127.0.0.1): one line naming the endpoint, exit 1', async () => {
    const host = `tcp://127.0.0.1:${await closedPort()}`;
    for (const args of ENGINE_COMMANDS) {
      const result = await runCli(args, { cwd: dir, env: { DOCKER_HOST: host } });
      expect(result.code, args.join(' ')).toBe(1);
      oneLineError(result.stderr);
      expect(result.stderr, args.join(' ')).toContain(host.replace('tcp://', ''));
    }
  });

  test('DOCKER_HOST at a plain web server: one line saying it is not a Docker engine, exit 1, no stack trace', async () => {
    const host = await listen((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<!DOCTYPE HTML>\n<html><body><h1>Not Found</h1></body></html>\n');
    });
    for (const args of ENGINE_COMMANDS) {
      const result = await runCli(args, { cwd: dir, env: { DOCKER_HOST: host } });
      expect(result.code, args.join(' ')).toBe(1);
      oneLineError(result.stderr);
      expect(result.stderr, args.join(' ')).toContain(`error: ${host} (DOCKER_HOST) answers, but not as a Docker engine`);
    }
  });

  test('an engine older than API 1.41: one line naming the endpoint, its version and the fix, exit 1', async () => {
    const host = await listen((request, response) => {
      response.writeHead(request.url?.includes('/version') ? 200 : 404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(request.url?.includes('/version') ? { Version: '19.03.15', ApiVersion: '1.40' } : { message: 'page not found' }),
      );
    });
    for (const args of [['status'], ['plan'], ['down']]) {
      const result = await runCli(args, { cwd: dir, env: { DOCKER_HOST: host } });
      expect(result.code, args.join(' ')).toBe(1);
      oneLineError(result.stderr);
      expect(result.stderr).toContain(
        `error: the Docker engine at ${host} (DOCKER_HOST) is too old: Docker 19.03.15 speaks API 1.40, dockstage needs 1.41 (Docker 20.10) or newer`,
      );
      expect(result.stderr).toContain('hint: upgrade Docker on 127.0.0.1');
    }
  });

  test('an unexpected failure is one line and a hint; DOCKSTAGE_DEBUG=1 adds the stack trace', async () => {
    // Looks like an engine (/version), but lists containers as something that is not a list.
    const host = await listen((request, response) => {
      response.writeHead(request.url?.includes('/version') || request.url?.includes('/containers/json') ? 200 : 404, {
        'content-type': 'application/json',
      });
      if (request.url?.includes('/version')) response.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41' }));
      else if (request.url?.includes('/containers/json')) response.end(JSON.stringify({ containers: 'not a list' }));
      else response.end(JSON.stringify({ message: 'No such image' }));
    });
    const plain = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: host } });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(
      /^error: unexpected failure: TypeError: [^\n]+\n {2}hint: this is a bug in dockstage; run again with DOCKSTAGE_DEBUG=1 for the stack trace, and report it\n$/,
    );
    const debug = await runCli(['status'], { cwd: dir, env: { DOCKER_HOST: host, DOCKSTAGE_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: unexpected failure: TypeError: [^\n]+\n\s+at /);
  });
});
