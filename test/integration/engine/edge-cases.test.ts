/**
 * Shapes of projects the bundled example does not have, on the real engine:
 * a single-stage Dockerfile without `AS` (built without --target), `up
 * SERVICE` building what it depends on, an unknown service name.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const PROJECT = `dsedge-${process.pid}-${Date.now().toString(36)}`;
const project = tempProjects('dockstage-edge-');
let dir = '';

describeWithEngine('edge cases on the real engine', () => {
  afterAll(async () => {
    if (dir !== '') await run('docker', ['compose', '-p', PROJECT, '--project-directory', dir, 'down', '-v']).catch(() => undefined);
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${PROJECT}-*`]);
    const tags = stdout.split('\n').filter((t) => t !== '');
    if (tags.length > 0) await run('docker', ['rmi', '-f', ...tags]).catch(() => undefined);
  });

  test('a single-stage Dockerfile without a stage name builds (no --target) and is then up to date', async () => {
    dir = await project({
      'compose.yaml': [
        'services:',
        '  web:',
        '    build: ./web',
        '    init: true',
        '    depends_on: [api]',
        '  api:',
        '    build: ./api',
        '    init: true',
        '',
      ].join('\n'),
      'web/Dockerfile': 'FROM busybox\nCOPY index.html /www/\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
      'web/index.html': 'web\n',
      'api/Dockerfile': 'FROM busybox AS develop\nCMD ["sh", "-c", "while true; do sleep 3600; done"]\nFROM busybox\nCMD ["true"]\n',
    });
    const first = await runCli(['-p', PROJECT, 'build', 'web'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('web  built stage-0');
    const second = await runCli(['-p', PROJECT, 'build', 'web'], { cwd: dir });
    expect(second.stdout).toMatch(/^web {2}stage-0 {2}up to date/);
  });

  test('up SERVICE builds and starts what it depends on too', async () => {
    const result = await runCli(['-p', PROJECT, 'up', 'web'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('api  building develop');
    const { stdout } = await run('docker', [
      'ps',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
      '--format',
      '{{.Label "com.docker.compose.service"}}',
    ]);
    expect(stdout.trim().split('\n').sort()).toEqual(['api', 'web']);
  });

  test("compose's build secrets (long syntax: target is the id), extra_hosts, args and labels reach the build", async () => {
    const secretsDir = await project({
      'compose.yaml': [
        'services:',
        '  tool:',
        '    build:',
        '      context: .',
        '      args: { GREETING: hello }',
        '      labels: { com.example.team: platform }',
        '      extra_hosts: ["registry.internal=10.1.2.3"]',
        '      secrets:',
        '        - source: token',
        '          target: npm_token',
        'secrets:',
        '  token:',
        '    file: ./token.txt',
        '',
      ].join('\n'),
      'token.txt': 'not-in-the-image\n',
      Dockerfile: [
        'FROM busybox',
        'ARG GREETING',
        'RUN --mount=type=secret,id=npm_token echo "secret $(wc -c < /run/secrets/npm_token) bytes" > /checks',
        'RUN grep -q "10.1.2.3.*registry.internal" /etc/hosts && echo "host ok" >> /checks',
        'RUN echo "$GREETING" >> /checks',
        '',
      ].join('\n'),
    });
    const result = await runCli(['-p', PROJECT, 'build'], { cwd: secretsDir });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const { stdout: checks } = await run('docker', ['run', '--rm', `${PROJECT}-tool:dockstage-dev`, 'cat', '/checks']);
    expect(checks).toBe('secret 17 bytes\nhost ok\nhello\n');
    const { stdout: labels } = await run('docker', [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Labels}}',
      `${PROJECT}-tool:dockstage-dev`,
    ]);
    expect(JSON.parse(labels)).toMatchObject({ 'com.example.team': 'platform' });
    // The secret is mounted for the RUN only: no layer and no history entry holds it.
    const { stdout: history } = await run('docker', [
      'image',
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}',
      `${PROJECT}-tool:dockstage-dev`,
    ]);
    expect(history).not.toContain('not-in-the-image');
    const { stdout: files } = await run('docker', [
      'run',
      '--rm',
      `${PROJECT}-tool:dockstage-dev`,
      'sh',
      '-c',
      'ls /run/secrets 2>/dev/null | wc -l',
    ]);
    expect(files.trim()).toBe('0');
  });

  test('a FROM image the engine lacks and cannot fetch fails the build at that FROM line, with what to check', async () => {
    // No image can be pulled here; where one can, this name does not exist: the same failure either way.
    const missing = await project({
      'compose.yaml': 'services:\n  app:\n    build: .\n',
      Dockerfile: 'ARG BASE=dockstage-no-such-image/base:0\nFROM ${BASE} AS develop\nCMD ["true"]\n',
    });
    const result = await runCli(['-p', `${PROJECT}-missing`, 'build'], { cwd: missing });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  --> Dockerfile:2\n');
    expect(result.stderr).toContain(
      '  hint: the engine has no image docker.io/dockstage-no-such-image/base:0 and could not fetch it: check the name and tag at line 2 (and any build arg that sets it)',
    );
  });

  test('an unknown service is a usage error with a suggestion, and nothing is built', async () => {
    const result = await runCli(['-p', PROJECT, 'up', 'wbe'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: no service 'wbe' in project ${PROJECT}\n  hint: did you mean 'web'? services: api, web\n`);
  });
});
