import { describe, expect, test } from 'vitest';
import { changesOutsideProject, planForChanges, planForFreshness } from '../../../src/core/state/plan.js';
import { withContextLinks } from '../../../src/core/context-links.js';
import { dockerfile, project } from '../../support/builders.js';

const APP = dockerfile(
  'FROM busybox AS base',
  'COPY package.json ./',
  'FROM base AS develop',
  'COPY src/ ./src/',
  'FROM base AS builder',
  'COPY src/ ./src/',
  'COPY tsconfig.json ./',
  'FROM busybox AS production',
  'COPY --from=builder /app /app',
);

function actions(plan: ReturnType<typeof planForChanges>) {
  return Object.fromEntries(plan.services.map((s) => [s.name, s.action]));
}

describe('planForChanges', () => {
  const shop = () =>
    project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .service('worker', { build: { context: '/p/app' } })
      .service('db', { image: 'postgres:16' })
      .file('/p/app/Dockerfile', APP);

  test('a change under src/ rebuilds web and worker, which share one build', () => {
    const plan = planForChanges(shop().workspace('dev'), ['/p/app/src/a.js']);
    expect(actions(plan)).toEqual({ db: 'none', web: 'rebuild', worker: 'rebuild' });
    expect(plan.services.find((s) => s.name === 'web')?.sharedWith).toEqual(['worker']);
  });

  test('a file read only by builder does not touch develop', () => {
    expect(actions(planForChanges(shop().workspace('dev'), ['/p/app/tsconfig.json']))).toEqual({ db: 'none', web: 'none', worker: 'none' });
    expect(actions(planForChanges(shop().workspace('prod'), ['/p/app/tsconfig.json']))).toEqual({
      db: 'none',
      web: 'rebuild',
      worker: 'rebuild',
    });
  });

  test('a change outside every context changes nothing', () => {
    expect(actions(planForChanges(shop().workspace('dev'), ['/p/README.md', '/elsewhere/x']))).toEqual({
      db: 'none',
      web: 'none',
      worker: 'none',
    });
  });

  test('creating an ignore file rebuilds, since it changes what the build sees', () => {
    const plan = planForChanges(shop().workspace('dev'), ['/p/app/.dockerignore']);
    expect(plan.services.find((s) => s.name === 'web')?.reasons).toEqual([
      { path: 'app/.dockerignore', stage: null, instruction: null, line: null, rule: 'dockerignore' },
    ]);
  });

  test('<Dockerfile>.dockerignore wins: the context .dockerignore no longer matters', () => {
    const builder = shop().file('/p/app/Dockerfile.dockerignore', 'src/legacy\n').file('/p/app/.dockerignore', 'src\n');
    const workspace = builder.workspace('dev');
    expect(actions(planForChanges(workspace, ['/p/app/src/a.js']))).toMatchObject({ web: 'rebuild' });
    expect(actions(planForChanges(workspace, ['/p/app/src/legacy/old.js']))).toMatchObject({ web: 'none' });
    expect(actions(planForChanges(workspace, ['/p/app/.dockerignore']))).toMatchObject({ web: 'none' });
    expect(actions(planForChanges(workspace, ['/p/app/Dockerfile.dockerignore']))).toMatchObject({ web: 'rebuild' });
  });

  test('a bind-mounted change restarts only when the environment asks for it', () => {
    const builder = project('shop', '/p')
      .service('api', { image: 'node:22', volumes: [{ type: 'bind', source: '/p/api', target: '/app' }] })
      .config({ environments: { dev: { on_change: 'restart' } } });
    expect(actions(planForChanges(builder.workspace('dev'), ['/p/api/index.js']))).toEqual({ api: 'restart' });
    expect(actions(planForChanges(builder.workspace('prod'), ['/p/api/index.js']))).toEqual({ api: 'none' });
    expect(planForChanges(builder.workspace('dev'), ['/p/api/index.js']).services[0]?.reasons).toEqual([
      { path: 'api/index.js', stage: null, instruction: null, line: null, rule: 'bind-mount', detail: 'mounted at /app' },
    ]);
  });

  test('depends_on with restart: true restarts dependents, down a chain', () => {
    const builder = shop()
      .service('api', { image: 'x', depends_on: { web: { restart: true } } })
      .service('edge', { image: 'y', depends_on: { api: { restart: true } } })
      .service('batch', { image: 'z', depends_on: { web: { restart: false } } });
    expect(actions(planForChanges(builder.workspace('dev'), ['/p/app/src/a.js']))).toEqual({
      api: 'restart',
      batch: 'none',
      db: 'none',
      edge: 'restart',
      web: 'rebuild',
      worker: 'rebuild',
    });
  });

  test('a named build context is matched against its own directory', () => {
    const builder = project('shop', '/p')
      .service('web', { build: { context: '/p/web', additional_contexts: { shared: '/p/shared' } } })
      .file('/p/web/Dockerfile', dockerfile('FROM busybox', 'COPY --from=shared lib/ /lib/'));
    const plan = planForChanges(builder.workspace('dev'), ['/p/shared/lib/util.js', '/p/shared/other.js']);
    expect(plan.services[0]?.reasons).toEqual([
      { path: 'shared/lib/util.js', stage: 'stage-0', instruction: 'COPY --from=shared lib/ /lib/', line: 2, rule: 'input' },
    ]);
  });

  test('a sibling whose name extends the context directory is not in it, among many paths and in any order', () => {
    // /p/app-old and /p/app.bak sort around /p/app/…: the planner looks at ranges of the sorted paths, not at each
    const paths = [
      '/p/app.bak/src/a.js',
      '/p/app-old/src/a.js',
      '/p/app/src/z.js',
      '/p/app0/src/a.js',
      '/p/app/Dockerfile',
      '/p/ap/src/a.js',
      '/p/app/src/a.js',
    ];
    const plan = planForChanges(shop().workspace('dev'), paths);
    expect(plan.services.find((s) => s.name === 'web')?.reasons.map((r) => [r.path, r.rule])).toEqual([
      ['app/Dockerfile', 'dockerfile'],
      ['app/src/a.js', 'input'],
      ['app/src/z.js', 'input'],
    ]);
    expect(
      actions(
        planForChanges(
          shop().workspace('dev'),
          paths.filter((p) => !p.startsWith('/p/app/')),
        ),
      ),
    ).toEqual({ db: 'none', web: 'none', worker: 'none' });
  });

  test('a name that merely starts with two dots is inside the context', () => {
    const builder = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .file('/p/Dockerfile', dockerfile('FROM busybox', 'COPY . .'));
    expect(planForChanges(builder.workspace('dev'), ['/p/..data/x']).services[0]?.reasons.map((r) => r.path)).toEqual(['..data/x']);
  });

  test('services whose builds differ only in labels are built separately', () => {
    const builder = project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .service('worker', { build: { context: '/p/app', labels: { role: 'worker' } } as never })
      .file('/p/app/Dockerfile', APP);
    expect(planForChanges(builder.workspace('dev'), []).services.map((s) => s.sharedWith)).toEqual([[], []]);
  });

  test('a file read by two instructions gives both reasons, in line order', () => {
    const builder = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .file('/p/Dockerfile', dockerfile('FROM busybox', 'COPY package*.json ./', 'COPY . .'));
    expect(planForChanges(builder.workspace('dev'), ['/p/package.json']).services[0]?.reasons.map((r) => r.line)).toEqual([2, 3]);
  });

  test('COPY --exclude keeps excluded files from being inputs', () => {
    const builder = project('x', '/p')
      .service('app', { build: { context: '/p' } })
      .file('/p/Dockerfile', dockerfile('FROM busybox', 'COPY --exclude=*.md . .'));
    expect(actions(planForChanges(builder.workspace('dev'), ['/p/notes.md']))).toEqual({ app: 'none' });
    expect(actions(planForChanges(builder.workspace('dev'), ['/p/main.go']))).toEqual({ app: 'rebuild' });
  });
});

describe('planForFreshness', () => {
  test('a missing image and a stale one rebuild; a fresh one does not', () => {
    const workspace = project('shop', '/p')
      .service('a', { build: { context: '/p' } })
      .service('b', { build: { context: '/p', target: 'base' } })
      .service('c', { build: { context: '/p', args: { X: '1' } } })
      .file('/p/Dockerfile', APP)
      .workspace('prod');
    const plan = planForFreshness(workspace, {
      a: { state: 'missing' },
      b: { state: 'stale', imageHash: 'aaaaaaaaaaaaaaaa', currentHash: 'bbbbbbbbbbbbbbbb' },
      c: { state: 'fresh' },
    });
    expect(plan.services.map((s) => [s.name, s.action, s.reasons.map((r) => r.detail)])).toEqual([
      ['a', 'rebuild', ['no image shop-a:dockstage-prod']],
      ['b', 'rebuild', ["inputs hash bbbbbbbbbbbb differs from the image's aaaaaaaaaaaa"]],
      ['c', 'none', []],
    ]);
  });
});

describe('changesOutsideProject', () => {
  const outside = (...paths: string[]) => {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/web', additional_contexts: { lib: '/srv/lib' } } })
      .service('api', { image: 'node:22', volumes: [{ type: 'bind', source: '/data/api', target: '/app' }] })
      .file('/p/web/Dockerfile', dockerfile('FROM busybox', 'COPY --from=lib . /lib/'))
      .workspace('dev');
    return changesOutsideProject(workspace, paths).map((warning) => warning.message);
  };

  test('a path outside the project directory and every context and mount is named with the project directory', () => {
    expect(outside('/elsewhere/web/src/a.js', '/p/web/src/a.js', '/pp/x')).toEqual([
      '--changed /elsewhere/web/src/a.js is outside the project directory /p, so it changes nothing (paths are relative to the current directory)',
      '--changed /pp/x is outside the project directory /p, so it changes nothing (paths are relative to the current directory)',
    ]);
  });

  test('paths in the project directory (read or not), or in a named context or bind mount outside it, are not warned about', () => {
    expect(outside('/p/README.md', '/p', '/p/web/../web/src/a.js', '/srv/lib/util.js', '/data/api/index.js', '/data/api')).toEqual([]);
  });
});

describe('planForChanges with symlinks on COPY sources', () => {
  const linked = (text: string, links: Record<string, string>, ignore?: string) => {
    let builder = project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .file('/p/app/Dockerfile', text);
    if (ignore !== undefined) builder = builder.file('/p/app/.dockerignore', ignore);
    const found = { links: new Map(Object.entries(links)), looked: new Set(Object.keys(links)), listed: new Set<string>() };
    return withContextLinks(builder.workspace('dev'), new Map([['/p/app', found]]));
  };
  const web = (plan: ReturnType<typeof planForChanges>) => plan.services.find((s) => s.name === 'web')!;

  test('editing the file a copied link points to rebuilds, and says it came through the link', () => {
    const workspace = linked(dockerfile('FROM busybox', 'COPY link.txt /x'), { 'link.txt': 'data/real.txt' });
    expect(web(planForChanges(workspace, ['/p/app/data/real.txt'])).reasons).toEqual([
      {
        path: 'app/data/real.txt',
        stage: 'stage-0',
        instruction: 'COPY link.txt /x',
        line: 2,
        rule: 'input',
        detail: 'through a symlink on link.txt',
      },
    ]);
    expect(web(planForChanges(workspace, ['/p/app/data/other.txt'])).action).toBe('none');
  });

  test('a linked directory on the way to a source leads to the file below its target, and the link itself is an input', () => {
    const workspace = linked(dockerfile('FROM busybox', 'COPY lnk/real.txt /x'), { lnk: 'data' });
    expect(web(planForChanges(workspace, ['/p/app/data/real.txt'])).action).toBe('rebuild');
    expect(web(planForChanges(workspace, ['/p/app/lnk'])).action).toBe('rebuild');
    expect(web(planForChanges(workspace, ['/p/app/data/other.txt'])).action).toBe('none');
  });

  test('a link inside a copied directory is copied as a link: its target is not read through it', () => {
    const workspace = linked(dockerfile('FROM busybox', 'COPY dir /d'), { 'dir/l': '../data/real.txt' });
    expect(web(planForChanges(workspace, ['/p/app/data/real.txt'])).action).toBe('none');
    expect(web(planForChanges(workspace, ['/p/app/dir/l'])).action).toBe('rebuild');
  });

  test('a target the ignore file excludes is not sent, so it is no input', () => {
    const workspace = linked(dockerfile('FROM busybox', 'COPY link.txt /x'), { 'link.txt': 'data/real.txt' }, 'data\n');
    expect(web(planForChanges(workspace, ['/p/app/data/real.txt'])).action).toBe('none');
  });
});

describe('planForChanges on the way to a source', () => {
  test('removing or replacing a directory (or link) on the way to a source rebuilds: the source goes or resolves elsewhere', () => {
    const workspace = project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .file('/p/app/Dockerfile', dockerfile('FROM busybox', 'COPY lnk/real.txt /x', 'COPY conf/*.json /c/'))
      .workspace('dev');
    const action = (file: string) => planForChanges(workspace, [file]).services[0]!.action;
    expect([action('/p/app/lnk'), action('/p/app/conf'), action('/p/app/other'), action('/p/app/ln')]).toEqual([
      'rebuild',
      'rebuild',
      'none',
      'none',
    ]);
  });
});
