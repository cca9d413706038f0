import { expect, test } from 'vitest';
import { EXAMPLE, runCli } from '../../support/cli.js';
import { describeWithCompose } from '../../support/docker.js';
import { tempProjects } from '../../support/temp-project.js';

const SHOP = EXAMPLE;
const project = tempProjects();

describeWithCompose('dockstage stages', () => {
  test('shows the tree, the target and what each stage reads', async () => {
    const result = await runCli(['stages', 'web'], { cwd: SHOP });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'web · web/Dockerfile · target develop (dev, convention)',
        '  base        line 6   FROM node:22-alpine',
        '  ├─ develop  line 10  ◀ target',
        '  │  └─ test  line 16  · check',
        '  └─ builder  line 20  · not in target',
        '  production  line 26  FROM node:22-alpine  copies from builder  · not in target',
        '  base reads:',
        '    line 8  COPY package.json package-lock.json ./  2 files',
        '  develop reads:',
        '    line 13  COPY src/ ./src/  4 files',
        '  test reads:',
        '    line 17  COPY test/ ./test/  1 file',
        '  builder reads:',
        '    line 23  COPY src/ ./src/  4 files',
        '  production reads:',
        '    line 29  COPY package.json ./  1 file',
        '',
      ].join('\n'),
    );
  });

  test('--json lists stages, edges, inputs with files, and the target per environment', async () => {
    const result = await runCli(['stages', '--json', '-e', 'prod'], { cwd: SHOP });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      environment: string;
      services: {
        name: string;
        target: string;
        stages: { name: string; inTarget: boolean; dependsOn: { stage: string; kind: string }[]; inputs: { files: string[] }[] }[];
      }[];
    };
    expect(json.environment).toBe('prod');
    expect(json.services.map((s) => [s.name, s.target])).toEqual([
      ['api', 'production'],
      ['web', 'production'],
      ['worker', 'production'],
    ]);
    const web = json.services.find((s) => s.name === 'web')!;
    expect(web.stages.filter((s) => s.inTarget).map((s) => s.name)).toEqual(['base', 'builder', 'production']);
    expect(web.stages.find((s) => s.name === 'production')?.dependsOn).toEqual([
      { stage: 'builder', kind: 'copy', line: 30 },
      { stage: 'builder', kind: 'copy', line: 31 },
    ]);
    expect(web.stages.find((s) => s.name === 'develop')?.inputs[0]?.files).toEqual([
      'src/build.js',
      'src/server.js',
      'src/shared/format.js',
      'src/worker.js',
    ]);
  });

  test('hints at a cache mount for a package install without one, and never edits the Dockerfile', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  app:\n    build: .\n',
      Dockerfile:
        'FROM busybox AS builder\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN --mount=type=cache,target=/root/.npm npm ci\n',
      'requirements.txt': 'flask\n',
    });
    const result = await runCli(['stages'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'hint: builder, line 3: pip downloads again on every rebuild; add --mount=type=cache,target=/root/.cache/pip to that RUN',
    );
    expect(result.stdout).not.toContain('/root/.npm to that RUN');
  });
});

describeWithCompose('dockstage inputs', () => {
  test('lists the files a target reads, relative, sorted, minus .dockerignore', async () => {
    const result = await runCli(['inputs', '--context', 'web', '--target', 'develop'], { cwd: SHOP });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      ['package-lock.json', 'package.json', 'src/build.js', 'src/server.js', 'src/shared/format.js', 'src/worker.js', ''].join('\n'),
    );
  });

  test('--json gives target, closure stages and files; the default target is the last stage', async () => {
    const result = await runCli(['inputs', '--context', 'api', '--json'], { cwd: SHOP });
    expect(JSON.parse(result.stdout)).toEqual({
      target: 'production',
      stages: ['develop', 'production'],
      files: ['package.json', 'src/index.js'],
    });
  });

  test('--build-arg changes what an ARG-dependent COPY reads', async () => {
    const dir = await project({
      Dockerfile: 'FROM busybox\nARG APP=web\nCOPY apps/${APP}/ /app/\n',
      'apps/web/index.js': '',
      'apps/api/index.js': '',
    });
    expect((await runCli(['inputs', '--context', dir])).stdout).toBe('apps/web/index.js\n');
    expect((await runCli(['inputs', '--context', dir, '--build-arg', 'APP=api'])).stdout).toBe('apps/api/index.js\n');
  });

  test('an unknown target lists the stages', async () => {
    const result = await runCli(['inputs', '--context', 'web', '--target', 'prod'], { cwd: SHOP });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown target 'prod' in web/Dockerfile\n  --> web/Dockerfile\n  hint: stages: base, develop, test, builder, production\n",
    );
  });
});
