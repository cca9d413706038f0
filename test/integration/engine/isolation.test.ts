/**
 * One broken Dockerfile blocks only its own services, in the one-shot
 * commands too: `build worker` builds while web's Dockerfile does not parse,
 * and `build` builds the others and reports web's problem (exit 2). The
 * reports about builds (`plan`, `stages`) print only the problem then,
 * never a table that shows web as having nothing to do.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../../support/cli.js';
import { describeWithEngine } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const run = promisify(execFile);
const project = tempProjects();
const PROJECT = `dstiso-${process.pid}-${Date.now().toString(36)}`;

async function imageExists(tag: string): Promise<boolean> {
  return await run('docker', ['image', 'inspect', tag]).then(
    () => true,
    () => false,
  );
}

describeWithEngine('a broken Dockerfile blocks only its services', () => {
  afterAll(async () => {
    await run('docker', ['rmi', '-f', `${PROJECT}-worker:dockstage-dev`]).catch(() => undefined);
  });

  test('build worker builds while web does not parse; build reports web and builds worker; plan prints only the problem', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  web:\n    build: ./web\n  worker:\n    build: ./worker\n',
      'web/Dockerfile': 'FROM busybox AS develop\nCOPY\n',
      'worker/Dockerfile': 'FROM busybox AS develop\nCOPY job.sh /job.sh\n',
      'worker/job.sh': 'echo hi\n',
    });
    const one = await runCli(['-p', PROJECT, 'build', 'worker'], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    expect(await imageExists(`${PROJECT}-worker:dockstage-dev`)).toBe(true);

    const all = await runCli(['-p', PROJECT, 'build'], { cwd: dir });
    expect(all.code).toBe(2);
    expect(all.stdout).toContain('worker  develop  up to date');
    expect(all.stderr).toMatch(/^error: service 'web': .+\n  --> web\/Dockerfile:2\n  hint: /);

    const named = await runCli(['-p', PROJECT, 'build', 'web'], { cwd: dir });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('web/Dockerfile:2');

    const plan = await runCli(['-p', PROJECT, 'plan', '--json', '--changed', 'worker/job.sh'], { cwd: dir });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toBe('');
    expect(plan.stderr).toMatch(/^error: service 'web': .+\n  --> web\/Dockerfile:2\n  hint: [^\n]+\n$/);
  });
});
