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
    const { stdout } = await run('docker', ['ps', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Label "com.docker.compose.service"}}']);
    expect(stdout.trim().split('\n').sort()).toEqual(['api', 'web']);
  });

  test('an unknown service is a usage error with a suggestion, and nothing is built', async () => {
    const result = await runCli(['-p', PROJECT, 'up', 'wbe'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: no service 'wbe' in project ${PROJECT}\n  hint: did you mean 'web'? services: api, web\n`);
  });
});
