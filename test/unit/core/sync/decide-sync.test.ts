import { describe, expect, test } from 'vitest';
import {
  decideSync,
  type BaseImageConfig,
  type ContextChange,
  type SyncDecision,
  type SyncFile,
} from '../../../../src/core/sync/decide-sync.js';
import { shapeRefusal } from '../../../../src/core/sync/shape-refusal.js';
import { dockerfile, project, type ServiceSpec } from '../../../support/builders.js';

const BUSYBOX: BaseImageConfig = { workingDir: '', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } };

interface Scenario {
  /** Context-relative paths → kind now (null: deleted). */
  readonly changes: Record<string, ContextChange['kind']>;
  /** Context files the build reads now (relative); the changed files are added. */
  readonly files?: readonly string[];
  readonly ignore?: string;
  readonly volumes?: ServiceSpec['volumes'];
  readonly args?: Record<string, string>;
  readonly contexts?: Record<string, string>;
  /** The base image's WORKDIR and ENV; default busybox's, `null` for unknown. */
  readonly base?: BaseImageConfig | null;
}

/** Given a Dockerfile for service web (context /p/app), when the scenario's paths change, the decision. */
function decide(lines: readonly string[], scenario: Scenario): SyncDecision {
  let builder = project('shop', '/p')
    .service('web', {
      build: {
        context: '/p/app',
        ...(scenario.args ? { args: scenario.args } : {}),
        ...(scenario.contexts ? { additional_contexts: scenario.contexts } : {}),
      },
      ...(scenario.volumes ? { volumes: scenario.volumes } : {}),
    })
    .file('/p/app/Dockerfile', dockerfile(...lines));
  if (scenario.ignore !== undefined) builder = builder.file('/p/app/.dockerignore', scenario.ignore);
  const web = builder.workspace('dev').services.find((s) => s.name === 'web')!;
  return decideSync({
    build: web.build!,
    bindMounts: web.bindMounts,
    changes: Object.entries(scenario.changes).map(([path, kind]) => ({ path: path.startsWith('/') ? path : `/p/app/${path}`, kind })),
    contextFiles: scenario.files ?? [],
    baseImage: scenario.base === null ? undefined : (scenario.base ?? BUSYBOX),
  });
}

function synced(decision: SyncDecision): SyncFile[] {
  if (decision.kind !== 'sync') throw new Error(`expected sync, got ${JSON.stringify(decision)}`);
  return [...decision.files];
}

function blocked(decision: SyncDecision): { rule: string; line: number | null; message: string } {
  if (decision.kind !== 'rebuild') throw new Error(`expected rebuild, got ${JSON.stringify(decision)}`);
  return { rule: decision.reason.rule, line: decision.reason.line, message: decision.reason.message };
}

const destinations = (decision: SyncDecision) => synced(decision).map((f) => f.destination);

const NODE_APP = [
  'FROM busybox:latest',
  'WORKDIR /app',
  'COPY package.json ./',
  'RUN echo install',
  'COPY src/ ./src/',
  'CMD ["node", "src/index.js"]',
];

describe('decideSync: which instructions allow a sync', () => {
  test('an edited file copied by COPY src/ ./src/ with nothing running after it is synced to its WORKDIR-relative destination', () => {
    // Given the usual Node Dockerfile, when src/index.js changes
    const files = synced(decide(NODE_APP, { changes: { 'src/index.js': 'file' } }));
    // Then it goes to /app/src/index.js, root-owned, with the host's mode
    expect(files).toEqual([
      {
        source: '/p/app/src/index.js',
        destination: '/app/src/index.js',
        type: 'file',
        delete: false,
        intoDirectoryIfExists: false,
        chown: { user: 0, group: 0 },
        chmod: undefined,
        directories: [
          { destination: '/app', source: undefined },
          { destination: '/app/src', source: undefined },
        ],
        stage: 'stage-0',
        instruction: 'COPY src/ ./src/',
        line: 5,
      },
    ]);
  });

  test('a RUN after COPY src/ sends the change to a rebuild, naming the RUN and its line', () => {
    const decision = decide([...NODE_APP.slice(0, 5), 'RUN npm run build', 'CMD ["node", "dist/index.js"]'], {
      changes: { 'src/index.js': 'file' },
    });
    expect(blocked(decision)).toEqual({
      rule: 'run-after-copy',
      line: 6,
      message: 'RUN npm run build at app/Dockerfile:6 runs after COPY src/ ./src/ (line 5)',
    });
  });

  test('a RUN before the COPY does not matter, but one after the COPY of package.json does for package.json', () => {
    expect(synced(decide(NODE_APP, { changes: { 'src/a.js': 'file' } }))).toHaveLength(1);
    expect(blocked(decide(NODE_APP, { changes: { 'package.json': 'file' } }))).toMatchObject({ rule: 'run-after-copy', line: 4 });
  });

  test('metadata instructions after the COPY (ENV, LABEL, EXPOSE, WORKDIR, USER, HEALTHCHECK, CMD, ENTRYPOINT) allow a sync', () => {
    const lines = [
      'FROM busybox',
      'COPY src/ /app/src/',
      'ENV A=1',
      'LABEL x=y',
      'EXPOSE 80',
      'WORKDIR /tmp',
      'USER 1000',
      'HEALTHCHECK CMD true',
      'STOPSIGNAL SIGINT',
      'ENTRYPOINT ["sh"]',
      'CMD ["x"]',
    ];
    expect(destinations(decide(lines, { changes: { 'src/a.js': 'file' } }))).toEqual(['/app/src/a.js']);
  });

  test('a path a parent stage reads goes to a rebuild; one only the target reads is synced', () => {
    const lines = ['FROM busybox AS base', 'WORKDIR /app', 'COPY lib/ ./lib/', 'FROM base AS develop', 'COPY src/ ./src/'];
    expect(blocked(decide(lines, { changes: { 'lib/util.js': 'file' } }))).toEqual({
      rule: 'other-stage',
      line: 3,
      message: 'lib/util.js is read by COPY lib/ ./lib/ at app/Dockerfile:3 in stage base, not only by develop',
    });
    expect(destinations(decide(lines, { changes: { 'src/a.js': 'file' } }))).toEqual(['/app/src/a.js']);
  });

  test('a path that a COPY --from stage reads goes to a rebuild, even when the target copies it too', () => {
    const lines = [
      'FROM busybox AS assets',
      'COPY src/ /assets/',
      'FROM busybox AS develop',
      'COPY src/ /app/src/',
      'COPY --from=assets /assets /public',
    ];
    expect(blocked(decide(lines, { changes: { 'src/a.js': 'file' } }))).toMatchObject({ rule: 'other-stage', line: 2 });
  });

  test('a path that RUN --mount=type=bind reads goes to a rebuild', () => {
    const lines = ['FROM busybox AS develop', 'RUN --mount=type=bind,source=src,target=/s ls /s', 'COPY src/ /app/src/'];
    expect(blocked(decide(lines, { changes: { 'src/a.js': 'file' } }))).toEqual({
      rule: 'run-mount',
      line: 2,
      message: 'RUN --mount=type=bind,source=src,target=/s ls /s at app/Dockerfile:2 reads src/a.js through a bind mount',
    });
  });

  test('a path read through a named context (COPY --from=<context>) goes to a rebuild', () => {
    const lines = ['FROM busybox AS develop', 'COPY --from=shared . /shared/'];
    const decision = decide(lines, { changes: { '/p/shared/x.js': 'file' }, contexts: { shared: '/p/shared' } });
    expect(blocked(decision)).toMatchObject({ rule: 'copy-from', line: 2 });
  });

  test('a later COPY that writes the same destination sends the change to a rebuild; one that writes elsewhere does not', () => {
    const lines = ['FROM busybox', 'WORKDIR /app', 'COPY src/ ./', 'COPY overrides/ ./'];
    expect(blocked(decide(lines, { changes: { 'src/a.js': 'file' }, files: ['overrides/a.js'] }))).toEqual({
      rule: 'written-again',
      line: 4,
      message: 'COPY overrides/ ./ at app/Dockerfile:4 writes /app/a.js again after COPY src/ ./ (line 3)',
    });
    expect(destinations(decide(lines, { changes: { 'src/a.js': 'file' }, files: ['overrides/b.js'] }))).toEqual(['/app/a.js']);
  });

  test('a later source of the same COPY that writes the same destination wins in the build, so the change is rebuilt', () => {
    const lines = ['FROM busybox', 'COPY a/ b/ /app/'];
    expect(blocked(decide(lines, { changes: { 'a/x.js': 'file' }, files: ['b/x.js'] }))).toMatchObject({ rule: 'written-again', line: 2 });
    expect(destinations(decide(lines, { changes: { 'b/x.js': 'file' }, files: ['a/x.js'] }))).toEqual(['/app/x.js']);
  });

  test('a later COPY --from whose destination covers the synced file sends it to a rebuild', () => {
    const lines = [
      'FROM busybox AS gen',
      'RUN mkdir /out',
      'FROM busybox AS develop',
      'COPY src/ /app/src/',
      'COPY --from=gen /out /app/src/',
    ];
    expect(blocked(decide(lines, { changes: { 'src/a.js': 'file' } }))).toMatchObject({ rule: 'written-again', line: 5 });
  });

  test('an ADD of a local file goes to a rebuild (it may be an archive that ADD unpacks); an ADD of a directory is synced', () => {
    expect(blocked(decide(['FROM busybox', 'ADD vendor.tar /opt/'], { changes: { 'vendor.tar': 'file' } }))).toEqual({
      rule: 'add-archive',
      line: 2,
      message: 'ADD vendor.tar /opt/ at app/Dockerfile:2 unpacks vendor.tar if it is an archive; only a build knows',
    });
    expect(destinations(decide(['FROM busybox', 'ADD static/ /srv/'], { changes: { 'static/a.tar': 'file' } }))).toEqual(['/srv/a.tar']);
  });

  test('a symlink goes to a rebuild', () => {
    expect(blocked(decide(NODE_APP, { changes: { 'src/link.js': 'symlink' } }))).toMatchObject({ rule: 'symlink' });
  });

  test('a change to the Dockerfile or the ignore file goes to a rebuild', () => {
    expect(blocked(decide(NODE_APP, { changes: { Dockerfile: 'file' } }))).toMatchObject({ rule: 'dockerfile' });
    expect(blocked(decide(NODE_APP, { changes: { '.dockerignore': 'file' } }))).toMatchObject({ rule: 'dockerfile' });
  });

  test('one unsyncable path sends the whole batch to a rebuild, with a reason per path', () => {
    const decision = decide([...NODE_APP.slice(0, 5), 'RUN build'], {
      changes: { 'src/a.js': 'file', 'src/b.js': 'file', 'README.md': 'file' },
    });
    expect(decision.kind === 'rebuild' && decision.reasons.map((r) => r.path)).toEqual(['/p/app/src/a.js', '/p/app/src/b.js']);
  });
});

describe('decideSync: paths that are no part of the decision', () => {
  test('a path no stage reads, an ignored path and a path read only outside the closure give none', () => {
    const lines = ['FROM busybox AS develop', 'COPY src/ /app/src/', 'FROM busybox AS test', 'COPY test/ /test/'];
    expect(decide(lines, { changes: { 'README.md': 'file' } })).toEqual({ kind: 'none' });
    expect(decide(lines, { changes: { 'src/a.log': 'file' }, ignore: '*.log\nsrc/*.log\n' })).toEqual({ kind: 'none' });
    expect(decide(lines, { changes: { 'test/a.test.js': 'file' } })).toEqual({ kind: 'none' });
    expect(decide(lines, { changes: { '/elsewhere/x': 'file' } })).toEqual({ kind: 'none' });
  });

  test('an unread path beside a synced one changes nothing', () => {
    expect(destinations(decide(NODE_APP, { changes: { 'README.md': 'file', 'src/a.js': 'file' } }))).toEqual(['/app/src/a.js']);
  });

  test('a destination under a bind mount of the service needs nothing: the container sees the host file', () => {
    const mounted = decide(NODE_APP, {
      changes: { 'src/a.js': 'file' },
      volumes: [{ type: 'bind', source: './app/src', target: '/app/src' }],
    });
    expect(mounted).toEqual({
      kind: 'sync',
      files: [],
      reasons: [
        {
          path: '/p/app/src/a.js',
          rule: 'bind-mount',
          stage: 'stage-0',
          instruction: 'COPY src/ ./src/',
          line: 5,
          message: '/app/src/a.js is under the bind mount /app/src: the container already sees src/a.js',
        },
      ],
    });
    const elsewhere = decide(NODE_APP, {
      changes: { 'src/a.js': 'file' },
      volumes: [{ type: 'bind', source: './app/src', target: '/mnt/src' }],
    });
    expect(destinations(elsewhere)).toEqual(['/app/src/a.js']);
  });
});

describe('decideSync: deletions', () => {
  test('a file deleted from a directory copy is removed in the container', () => {
    expect(synced(decide(NODE_APP, { changes: { 'src/old.js': null } }))).toMatchObject([{ destination: '/app/src/old.js', delete: true }]);
  });

  test('a deleted single-file COPY source goes to a rebuild (the build will fail and say so)', () => {
    const lines = ['FROM busybox', 'WORKDIR /app', 'COPY config.json ./'];
    expect(blocked(decide(lines, { changes: { 'config.json': null } }))).toEqual({
      rule: 'deleted-source',
      line: 3,
      message: 'config.json was deleted but COPY config.json ./ at app/Dockerfile:3 copies it by name; the build will say what is missing',
    });
  });

  test('a deleted file that an earlier COPY also provides goes to a rebuild, which keeps the earlier one', () => {
    const lines = ['FROM busybox', 'COPY defaults/ /app/', 'COPY src/ /app/'];
    expect(blocked(decide(lines, { changes: { 'src/config.js': null }, files: ['defaults/config.js'] }))).toEqual({
      rule: 'written-before',
      line: 2,
      message: 'COPY defaults/ /app/ at app/Dockerfile:2 also writes /app/config.js, which a rebuild keeps',
    });
    expect(synced(decide(lines, { changes: { 'src/config.js': null }, files: ['defaults/other.js'] }))).toMatchObject([{ delete: true }]);
  });

  test('a deleted directory whose destination holds files an earlier COPY put there goes to a rebuild', () => {
    const lines = ['FROM busybox', 'COPY defaults/ /app/', 'COPY src/ /app/'];
    expect(blocked(decide(lines, { changes: { 'src/lib': null }, files: ['defaults/lib/x.js'] }))).toMatchObject({
      rule: 'written-before',
    });
  });
});

describe('decideSync: destinations as BuildKit computes them', () => {
  const one = (lines: readonly string[], file: string, scenario: Partial<Scenario> = {}) =>
    synced(decide(lines, { changes: { [file]: 'file' }, ...scenario }))[0]!;

  test('a file copied by name goes into a destination written with a trailing slash, or into WORKDIR for "."', () => {
    expect(one(['FROM busybox', 'COPY app.js /srv/'], 'app.js')).toMatchObject({
      destination: '/srv/app.js',
      intoDirectoryIfExists: false,
    });
    expect(one(['FROM busybox', 'WORKDIR /srv', 'COPY app.js .'], 'app.js')).toMatchObject({
      destination: '/srv/app.js',
      intoDirectoryIfExists: false,
    });
  });

  test('without a trailing slash the file becomes the destination, or goes inside when the Dockerfile made it a directory', () => {
    expect(one(['FROM busybox', 'COPY app.js /srv/main.js'], 'app.js')).toMatchObject({
      destination: '/srv/main.js',
      intoDirectoryIfExists: true,
    });
    expect(one(['FROM busybox', 'WORKDIR /srv', 'COPY app.js /srv'], 'app.js')).toMatchObject({
      destination: '/srv/app.js',
      intoDirectoryIfExists: false,
    });
    expect(one(['FROM busybox', 'COPY lib/ /srv/lib/', 'COPY app.js /srv'], 'app.js')).toMatchObject({ destination: '/srv/app.js' });
  });

  test('relative destinations follow WORKDIR, relative WORKDIRs chain, and FROM <stage> inherits them', () => {
    const lines = ['FROM busybox AS base', 'WORKDIR /srv', 'WORKDIR app', 'FROM base AS develop', 'COPY src/ src/'];
    expect(one(lines, 'src/a.js').destination).toBe('/srv/app/src/a.js');
  });

  test('without WORKDIR a relative destination is relative to the base image WORKDIR, and goes to a rebuild when that is unknown', () => {
    expect(one(['FROM node', 'COPY src/ src/'], 'src/a.js', { base: { workingDir: '/usr/src', env: {} } }).destination).toBe(
      '/usr/src/src/a.js',
    );
    expect(blocked(decide(['FROM node', 'COPY src/ src/'], { changes: { 'src/a.js': 'file' }, base: null }))).toMatchObject({
      rule: 'unknown-destination',
      line: 2,
    });
    expect(one(['FROM node', 'WORKDIR /w', 'COPY src/ src/'], 'src/a.js', { base: null }).destination).toBe('/w/src/a.js');
  });

  test('ENV and ARG expand in WORKDIR and destinations; build args override ARG defaults', () => {
    const lines = ['FROM busybox', 'ARG ROOT=/opt', 'ENV APP=$ROOT/app', 'WORKDIR $APP', 'COPY src/ ${APP}/src/'];
    expect(one(lines, 'src/a.js').destination).toBe('/opt/app/src/a.js');
    expect(one(lines, 'src/a.js', { args: { ROOT: '/srv' } }).destination).toBe('/srv/app/src/a.js');
  });

  test('a variable that only the base image could set goes to a rebuild when its ENV is unknown', () => {
    expect(
      one(['FROM node', 'COPY src/ $HOME/src/'], 'src/a.js', { base: { workingDir: '', env: { HOME: '/home/node' } } }).destination,
    ).toBe('/home/node/src/a.js');
    expect(blocked(decide(['FROM node', 'COPY src/ $HOME/src/'], { changes: { 'src/a.js': 'file' }, base: null }))).toEqual({
      rule: 'unknown-destination',
      line: 2,
      message: "COPY src/ $HOME/src/ at app/Dockerfile:2: $HOME may come from the base image's ENV, which dockstage was not given",
    });
  });

  test('a directory source copies its contents; nested new files get the host directories on the way', () => {
    expect(one(['FROM busybox', 'COPY src /app'], 'src/lib/new/x.js')).toMatchObject({
      destination: '/app/lib/new/x.js',
      directories: [
        { destination: '/app', source: undefined },
        { destination: '/app/lib', source: '/p/app/src/lib' },
        { destination: '/app/lib/new', source: '/p/app/src/lib/new' },
      ],
    });
  });

  test('wildcard sources: a matched file goes into the directory, a matched directory is copied by content', () => {
    expect(one(['FROM busybox', 'WORKDIR /app', 'COPY *.json ./'], 'package.json').destination).toBe('/app/package.json');
    expect(one(['FROM busybox', 'COPY sr* /x/'], 'src/a.js').destination).toBe('/x/a.js');
  });

  test('--parents keeps the path below the context root, or below the /./ pivot', () => {
    expect(one(['FROM busybox', 'COPY --parents src/**/*.js /out/'], 'src/lib/a.js')).toMatchObject({
      destination: '/out/src/lib/a.js',
      directories: [
        { destination: '/out', source: undefined },
        { destination: '/out/src', source: '/p/app/src' },
        { destination: '/out/src/lib', source: '/p/app/src/lib' },
      ],
    });
    expect(one(['FROM busybox', 'COPY --parents ./pkgs/./*/package.json /app/'], 'pkgs/a/package.json').destination).toBe(
      '/app/a/package.json',
    );
  });

  test('--exclude and the ignore file leave excluded files out of the decision', () => {
    const lines = ['FROM busybox', 'COPY --exclude=*.test.js src/ /app/src/'];
    expect(decide(lines, { changes: { 'src/a.test.js': 'file' } })).toEqual({ kind: 'none' });
    expect(destinations(decide(lines, { changes: { 'src/a.js': 'file' } }))).toEqual(['/app/src/a.js']);
    expect(decide(['FROM busybox', 'COPY . /app/'], { changes: { 'notes/x.md': 'file' }, ignore: 'notes\n' })).toEqual({ kind: 'none' });
  });

  test('COPY --link copies onto an empty layer: a file copied by name becomes the destination, directory or not', () => {
    expect(one(['FROM busybox', 'COPY --link app.js /srv/main.js'], 'app.js')).toMatchObject({
      destination: '/srv/main.js',
      intoDirectoryIfExists: false,
    });
  });

  test('an ONBUILD COPY in a stage the target is built from goes to a rebuild (its reads are not in the stage graph)', () => {
    const lines = ['FROM busybox AS base', 'ONBUILD COPY extra/ /extra/', 'FROM base AS develop', 'COPY src/ /app/src/'];
    expect(blocked(decide(lines, { changes: { 'src/a.js': 'file' } }))).toMatchObject({ rule: 'onbuild', line: 2 });
  });

  test('a new directory inside a directory copy is created', () => {
    expect(synced(decide(NODE_APP, { changes: { 'src/lib': 'directory' } }))).toMatchObject([
      { destination: '/app/src/lib', type: 'directory', delete: false },
    ]);
  });

  test('a file two COPYs of the target read is synced to both destinations', () => {
    expect(
      destinations(
        decide(['FROM busybox', 'COPY src/ /app/src/', 'COPY src/config.js /etc/app.js'], { changes: { 'src/config.js': 'file' } }),
      ),
    ).toEqual(['/app/src/config.js', '/etc/app.js']);
  });
});

describe('decideSync: --chown and --chmod', () => {
  const owner = (flag: string) => synced(decide(['FROM busybox', `COPY ${flag} src/ /app/`], { changes: { 'src/a.js': 'file' } }))[0]!;

  test('numeric ids are exact, and a lone uid is also the gid, as in BuildKit', () => {
    expect(owner('--chown=1000:1000').chown).toEqual({ user: 1000, group: 1000 });
    expect(owner('--chown=1000').chown).toEqual({ user: 1000, group: 1000 });
    expect(owner('--chown=root:0').chown).toEqual({ user: 0, group: 0 });
  });

  test('names stay names for the container to resolve; a lone name means its primary group', () => {
    expect(owner('--chown=node').chown).toEqual({ user: 'node', group: null });
    expect(owner('--chown=node:staff').chown).toEqual({ user: 'node', group: 'staff' });
  });

  test('--chown expands ARGs, and without --chown files belong to root', () => {
    expect(
      synced(decide(['FROM busybox', 'ARG UID=1001', 'COPY --chown=$UID:$UID src/ /app/'], { changes: { 'src/a.js': 'file' } }))[0]!.chown,
    ).toEqual({ user: 1001, group: 1001 });
    expect(owner('').chown).toEqual({ user: 0, group: 0 });
  });

  test('--chmod gives the permission bits; a mode dockstage cannot read goes to a rebuild', () => {
    expect(owner('--chmod=0640').chmod).toBe(0o640);
    expect(owner('').chmod).toBeUndefined();
    expect(blocked(decide(['FROM busybox', 'COPY --chmod=u+x src/ /app/'], { changes: { 'src/a.js': 'file' } }))).toMatchObject({
      rule: 'unknown-destination',
    });
  });
});

describe('shapeRefusal: what the Dockerfile alone refuses, before the context is listed', () => {
  const refuse = (lines: readonly string[], changes: Record<string, ContextChange['kind']>) => {
    const web = project('shop', '/p')
      .service('web', { build: { context: '/p/app' } })
      .file('/p/app/Dockerfile', dockerfile(...lines))
      .workspace('dev').services[0]!;
    return shapeRefusal({
      build: web.build!,
      bindMounts: web.bindMounts,
      changes: Object.entries(changes).map(([path, kind]) => ({ path: `/p/app/${path}`, kind })),
    });
  };

  test('a RUN after the COPY, another stage reading the file, the Dockerfile itself: refused without the file list', () => {
    expect(refuse([...NODE_APP.slice(0, 5), 'RUN npm run build'], { 'src/a.js': 'file' })).toMatchObject({
      rule: 'run-after-copy',
      line: 6,
    });
    expect(refuse(['FROM busybox AS base', 'COPY src/ /s/', 'FROM base', 'COPY src/ /app/'], { 'src/a.js': 'file' })).toMatchObject({
      rule: 'other-stage',
      line: 2,
    });
    expect(refuse(NODE_APP, { Dockerfile: 'file' })).toMatchObject({ rule: 'dockerfile' });
  });

  test('a batch live sync may take, and a refusal that depends on the context files or the base image, need the full decision', () => {
    expect(refuse(NODE_APP, { 'src/a.js': 'file' })).toBeUndefined();
    // written-again needs to know which files the second COPY reads
    expect(refuse(['FROM busybox', 'COPY a/ /app/', 'COPY b/ /app/'], { 'a/x.js': 'file' })).toBeUndefined();
    // a relative destination needs the base image's WORKDIR
    expect(refuse(['FROM busybox', 'COPY src/ src/'], { 'src/a.js': 'file' })).toBeUndefined();
    // and a variable only the base image's ENV sets: without it the expansion fails, which is no refusal
    expect(refuse(['FROM busybox', 'COPY --chown=${APP_USER:?} src/ /app/src/'], { 'src/a.js': 'file' })).toBeUndefined();
    expect(refuse(['FROM busybox', 'WORKDIR ${APP_HOME:?}', 'COPY src/ src/'], { 'src/a.js': 'file' })).toBeUndefined();
  });

  test("the refusal is the batch's first, as the full decision gives it: a later path's RUN does not cut short an earlier path's other reason", () => {
    // a/x.js is written again by COPY b/ (which needs the file list); z/ is read by a stage the target does not own
    const lines = ['FROM busybox AS base', 'COPY z/ /z/', 'FROM base', 'COPY a/ /app/', 'COPY b/ /app/'];
    expect(refuse(lines, { 'a/x.js': 'file', 'z/y.js': 'file' })).toBeUndefined();
    expect(refuse(lines, { 'z/y.js': 'file' })).toMatchObject({ rule: 'other-stage', line: 2 });
  });
});
