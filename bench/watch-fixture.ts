/**
 * The watch-loop benchmark's project, generated into a temp dir from the
 * templates in `bench/fixtures/watch/`.
 *
 * `compose.yaml` holds the six services of issue 6's rebuild rows: web and
 * worker share one Dockerfile and target, docs has a bind mount, api, auth and
 * billing have their own contexts. Each serves the `message` export of its
 * `src/message.js` on its own port of 127.0.0.1, builds `develop` from a
 * multi-stage Dockerfile, and carries a hand-written `develop.watch` rebuild
 * rule for `docker compose watch`.
 * `compose.sync.yaml` holds issue 9's three sync-eligible services: live (a
 * `node --watch` app whose last instruction is `COPY src/`), page (the same
 * shape, but the app reads the file on every request: nothing restarts) and
 * slow (a build over 3 s), with their reload modes in
 * `x-dockstage.watch.reload` (page is always `none`).
 *
 * Every file names the run's token, so no image of one run matches another's.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const TEMPLATES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'watch');

/** How a service's Dockerfile treats an edit under `src/`: it needs a rebuild, or it can be synced (fast or slow build). */
export type FixtureKind = 'rebuild' | 'sync' | 'static' | 'slow';

/** What dockstage does after syncing a service (`x-dockstage.watch.reload.<service>`). */
export type ReloadMode = 'none' | 'restart';

/** One generated service, with everything the benchmark needs to edit it and read what it serves. */
export interface FixtureService {
  readonly name: string;
  readonly kind: FixtureKind;
  /** Absolute build context (web and worker share one). */
  readonly context: string;
  /** Absolute path of the one-line source file an edit rewrites. */
  readonly messageFile: string;
  /** Where `src/message.js` lives in the container (for the sync floor's in-place write). */
  readonly containerMessageFile: string;
  /** The stage compose and dockstage build in development. */
  readonly target: string;
  /** Host port on 127.0.0.1 that publishes the container's port 3000. */
  readonly port: number;
  /** The compose file that defines the service. */
  readonly composeFile: string;
  /** True when compose must build without cache (the slow service: every build pays its 3 s). */
  readonly noCache: boolean;
}

/** A generated project: remove it with `removeWatchFixture` (images and containers are the caller's to clean). */
export interface WatchFixture {
  readonly dir: string;
  readonly token: string;
  readonly nodeImage: string;
  /** The six rebuild services (issue 6). */
  readonly composeFile: string;
  /** live, page and slow (issue 9). */
  readonly syncComposeFile: string;
  /** Sorted by name. */
  readonly services: readonly FixtureService[];
}

/** What to generate: the base image passed as build arg `NODE_IMAGE`, a token that names the run, and where. */
export interface WatchFixtureOptions {
  readonly nodeImage: string;
  /** Lower-case letters, digits and dashes; ends up in package names and messages. */
  readonly token: string;
  readonly parentDir?: string;
  /** Reload modes for the sync services; default live: none, slow: restart. */
  readonly reload?: Readonly<Record<string, ReloadMode>>;
}

interface ServiceSpec {
  readonly name: string;
  readonly kind: FixtureKind;
  readonly contextName: string;
  readonly role: string;
  readonly bindMount?: boolean;
}

const REBUILD_SERVICES: readonly ServiceSpec[] = [
  { name: 'api', kind: 'rebuild', contextName: 'api', role: 'api' },
  { name: 'auth', kind: 'rebuild', contextName: 'auth', role: 'auth' },
  { name: 'billing', kind: 'rebuild', contextName: 'billing', role: 'billing' },
  { name: 'docs', kind: 'rebuild', contextName: 'docs', role: 'docs', bindMount: true },
  { name: 'web', kind: 'rebuild', contextName: 'web', role: 'web' },
  { name: 'worker', kind: 'rebuild', contextName: 'web', role: 'worker' },
];

const SYNC_SERVICES: readonly ServiceSpec[] = [
  { name: 'live', kind: 'sync', contextName: 'live', role: 'live' },
  { name: 'page', kind: 'static', contextName: 'page', role: 'page' },
  { name: 'slow', kind: 'slow', contextName: 'slow', role: 'slow' },
];

/** The source line of `src/message.js` that serves `text`: an edit is one write of this line. */
export function messageSource(text: string): string {
  return `export const message = ${JSON.stringify(text)};\n`;
}

/** Rewrites a service's `src/message.js` in place (same inode, as an editor's save does) so that it serves `text`. */
export async function editMessage(service: FixtureService, text: string): Promise<void> {
  await writeFile(service.messageFile, messageSource(text));
}

/** The message a service serves right after generation. */
export function initialMessage(fixture: Pick<WatchFixture, 'token'>, service: string): string {
  return `${service} initial ${fixture.token}`;
}

/** Generates the project. Ports are free at generation time; the caller publishes them soon after. */
export async function createWatchFixture(options: WatchFixtureOptions): Promise<WatchFixture> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(options.token))
    throw new Error(`fixture token '${options.token}' must be lower-case letters, digits and dashes`);
  const dir = await mkdtemp(path.join(options.parentDir ?? os.tmpdir(), `dockstage-watch-bench-${options.token}-`));
  const fixture = { dir, token: options.token };
  const ports = await freePorts(REBUILD_SERVICES.length + SYNC_SERVICES.length);
  const composeFile = path.join(dir, 'compose.yaml');
  const syncComposeFile = path.join(dir, 'compose.sync.yaml');
  const services: FixtureService[] = [];
  for (const [index, spec] of [...REBUILD_SERVICES, ...SYNC_SERVICES].entries()) {
    const context = path.join(dir, spec.contextName);
    services.push({
      name: spec.name,
      kind: spec.kind,
      context,
      messageFile: path.join(context, 'src', 'message.js'),
      containerMessageFile: '/app/src/message.js',
      target: 'develop',
      port: ports[index]!,
      composeFile: spec.kind === 'rebuild' ? composeFile : syncComposeFile,
      noCache: spec.kind === 'slow',
    });
  }
  const written = new Set<string>();
  for (const spec of [...REBUILD_SERVICES, ...SYNC_SERVICES]) {
    if (written.has(spec.contextName)) continue;
    written.add(spec.contextName);
    await writeContext(path.join(dir, spec.contextName), spec, fixture);
  }
  const result: WatchFixture = {
    dir,
    token: options.token,
    nodeImage: options.nodeImage,
    composeFile,
    syncComposeFile,
    services: services.sort((a, b) => a.name.localeCompare(b.name)),
  };
  await writeFile(composeFile, composeText(result, REBUILD_SERVICES, undefined));
  await writeSyncCompose(result, options.reload ?? { live: 'none', slow: 'restart' });
  return result;
}

/** Rewrites `compose.sync.yaml` with other reload modes (the benchmark runs live with `none`, then with `restart`). */
export async function writeSyncCompose(fixture: WatchFixture, reload: Readonly<Record<string, ReloadMode>>): Promise<void> {
  await writeFile(fixture.syncComposeFile, composeText(fixture, SYNC_SERVICES, reload));
}

/** Finds a generated service by name, or throws (a typo in the benchmark). */
export function fixtureService(fixture: WatchFixture, name: string): FixtureService {
  const service = fixture.services.find((s) => s.name === name);
  if (service === undefined) throw new Error(`no service '${name}' in the watch fixture`);
  return service;
}

/** Deletes the generated files (not the images or containers built from them). */
export async function removeWatchFixture(fixture: WatchFixture): Promise<void> {
  await rm(fixture.dir, { recursive: true, force: true });
}

async function writeContext(context: string, spec: ServiceSpec, fixture: { token: string }): Promise<void> {
  await mkdir(path.join(context, 'src'), { recursive: true });
  const dockerfile = { rebuild: 'rebuild.Dockerfile', sync: 'sync.Dockerfile', static: 'static.Dockerfile', slow: 'slow.Dockerfile' }[
    spec.kind
  ];
  await cp(path.join(TEMPLATES, dockerfile), path.join(context, 'Dockerfile'));
  await cp(path.join(TEMPLATES, spec.kind === 'static' ? 'static-server.js' : 'server.js'), path.join(context, 'src', 'server.js'));
  // web and worker share this context and its message: the shared build serves one text.
  await writeFile(path.join(context, 'src', 'message.js'), messageSource(initialMessage(fixture, spec.contextName)));
  const packageName = `${fixture.token}-${spec.contextName}`;
  await writeFile(
    path.join(context, 'package.json'),
    `${JSON.stringify({ name: packageName, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const lock = {
    name: packageName,
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: packageName, version: '1.0.0' } },
  };
  await writeFile(path.join(context, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  if (spec.kind === 'slow') {
    await mkdir(path.join(context, 'tools'), { recursive: true });
    await cp(path.join(TEMPLATES, 'slow-build.js'), path.join(context, 'tools', 'slow-build.js'));
  }
  if (spec.bindMount === true) {
    await mkdir(path.join(context, 'content'), { recursive: true });
    await writeFile(path.join(context, 'content', 'notes.txt'), `notes ${fixture.token}\n`);
  }
}

function composeText(
  fixture: WatchFixture,
  specs: readonly ServiceSpec[],
  reload: Readonly<Record<string, ReloadMode>> | undefined,
): string {
  const services: Record<string, unknown> = {};
  for (const spec of specs) {
    const service = fixtureService(fixture, spec.name);
    const build: Record<string, unknown> = {
      context: `./${spec.contextName}`,
      target: service.target,
      args: { NODE_IMAGE: fixture.nodeImage },
    };
    if (service.noCache) build['no_cache'] = true;
    const definition: Record<string, unknown> = {
      build,
      init: true,
      environment: { ROLE: spec.role, PORT: '3000' },
      ports: [`127.0.0.1:${service.port}:3000`],
    };
    if (spec.bindMount === true) definition['volumes'] = [`./${spec.contextName}/content:/app/content:ro`];
    // What a compose watch user writes by hand: rebuild on any change under the service's sources.
    if (spec.kind === 'rebuild') definition['develop'] = { watch: [{ action: 'rebuild', path: `./${spec.contextName}/src` }] };
    services[spec.name] = definition;
  }
  const dockstage: Record<string, unknown> = { default: 'dev' };
  // page's app reads the file on every request: a sync needs no reload, whatever the others use.
  if (reload !== undefined)
    dockstage['watch'] = { reload: { ...reload, ...(specs.some((spec) => spec.kind === 'static') ? { page: 'none' } : {}) } };
  const header = `# Generated by bench/watch-fixture.ts for run ${fixture.token}.\n`;
  return header + stringify({ 'x-dockstage': dockstage, services });
}

/** Distinct free TCP ports on 127.0.0.1, all held open together so none repeats, then released (taken again by whoever binds first). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Reads a service's current message back from disk (what it should serve once the loop caught up). */
export async function currentMessage(service: FixtureService): Promise<string> {
  const text = await readFile(service.messageFile, 'utf8');
  const match = /export const message = (".*");/.exec(text);
  if (match === null) throw new Error(`${service.messageFile} does not hold a message line`);
  return JSON.parse(match[1]!) as string;
}
