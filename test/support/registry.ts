/**
 * A minimal in-memory OCI / Docker distribution registry for real-engine
 * tests: nothing can be pulled from the internet here and no `registry` image
 * is seeded, yet `build --push` and BuildKit's registry cache import need a
 * registry to talk to. It speaks plain HTTP on 127.0.0.1 (which the engine and
 * BuildKit treat as insecure by default), without auth, and implements the part
 * of the distribution API that `docker push` (dockerd) and BuildKit's
 * containerd resolver use:
 *
 * - `GET /v2/` (API version check);
 * - blobs: `HEAD`/`GET` by digest (GET honours a single `Range`);
 * - uploads: `POST …/blobs/uploads/` (plain, monolithic `?digest=`, and
 *   `?mount=&from=`, always answered with the 202 "upload instead" fallback),
 *   `PATCH` chunks (with or without `Content-Range`), `PUT ?digest=` with or
 *   without a last chunk, `GET` status and `DELETE`; the digest is verified;
 * - manifests: `PUT`/`GET`/`HEAD` by tag or digest, stored byte-exact with
 *   the media type they were pushed with, `Docker-Content-Digest` on every
 *   answer, and referenced blobs/manifests checked on `PUT`;
 * - `GET …/tags/list`.
 *
 * Everything it received stays inspectable (`received()`, `requests()`,
 * `manifest()`, `blob()`) so tests assert on what reached the wire rather
 * than on what a client claims it did.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Media types the registry recognises when a manifest arrives without a usable `Content-Type`. */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** One manifest as stored: the exact bytes pushed, their digest and media type. */
export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
}

/** What one repository received, sorted so assertions are stable. */
export interface ReceivedRepository {
  readonly name: string;
  /** tag → manifest digest */
  readonly tags: Readonly<Record<string, string>>;
  readonly manifests: readonly { readonly digest: string; readonly mediaType: string; readonly size: number }[];
  readonly blobs: readonly string[];
}

/** One HTTP exchange, for diagnosing which client did what (dockerd and BuildKit differ in `User-Agent`). */
export interface RegistryRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly userAgent: string;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  readonly host: string;
  /** Repositories with their tags, manifests and linked blobs, in name order. */
  received(): ReceivedRepository[];
  /** Every request so far, in arrival order. */
  requests(): readonly RegistryRequest[];
  /** Cross-repository mounts that were asked for (and refused with 202). */
  mountRequests(): readonly { readonly repository: string; readonly from: string; readonly digest: string }[];
  /** A manifest by tag or digest, as stored. */
  manifest(repository: string, reference: string): StoredManifest | undefined;
  /** A blob's bytes by digest. */
  blob(digest: string): Buffer | undefined;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

interface Upload {
  readonly repository: string;
  readonly chunks: Buffer[];
  size: number;
}

interface RepositoryState {
  readonly blobs: Set<string>;
  readonly manifests: Map<string, StoredManifest>;
  readonly tags: Map<string, string>;
}

class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const ROUTES = {
  base: /^\/v2\/?$/,
  uploads: new RegExp(`^/v2/(${NAME})/blobs/uploads/?$`),
  upload: new RegExp(`^/v2/(${NAME})/blobs/uploads/([A-Za-z0-9-]+)$`),
  blob: new RegExp(`^/v2/(${NAME})/blobs/([^/]+)$`),
  manifest: new RegExp(`^/v2/(${NAME})/manifests/([^/]+)$`),
  tags: new RegExp(`^/v2/(${NAME})/tags/list$`),
};

/**
 * Starts a registry on 127.0.0.1 (random port unless `port` is given) and
 * resolves once it listens. All state lives in the returned object, so
 * concurrent test files can each run their own.
 */
export async function startRegistry(options: { readonly port?: number } = {}): Promise<TestRegistry> {
  const blobs = new Map<string, Buffer>();
  const repositories = new Map<string, RepositoryState>();
  const uploads = new Map<string, Upload>();
  const log: RegistryRequest[] = [];
  const mounts: { repository: string; from: string; digest: string }[] = [];

  const repository = (name: string): RepositoryState => {
    let state = repositories.get(name);
    if (state === undefined) {
      state = { blobs: new Set(), manifests: new Map(), tags: new Map() };
      repositories.set(name, state);
    }
    return state;
  };

  const findManifest = (name: string, reference: string): StoredManifest | undefined => {
    const state = repositories.get(name);
    if (state === undefined) return undefined;
    const digest = DIGEST.test(reference) ? reference : state.tags.get(reference);
    return digest === undefined ? undefined : state.manifests.get(digest);
  };

  const startUpload = (name: string, res: ServerResponse): void => {
    const id = randomUUID();
    uploads.set(id, { repository: name, chunks: [], size: 0 });
    res.writeHead(202, {
      Location: `/v2/${name}/blobs/uploads/${id}`,
      'Docker-Upload-UUID': id,
      Range: '0-0',
      'Content-Length': '0',
    });
    res.end();
  };

  const commitBlob = (name: string, digest: string, content: Buffer, res: ServerResponse): void => {
    if (!DIGEST.test(digest)) throw new RegistryError(400, 'DIGEST_INVALID', `unsupported digest ${digest}`);
    const actual = sha256(content);
    if (actual !== digest) throw new RegistryError(400, 'DIGEST_INVALID', `content is ${actual}, not ${digest}`);
    if (!blobs.has(digest)) blobs.set(digest, content);
    repository(name).blobs.add(digest);
    res.writeHead(201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
    res.end();
  };

  const appendChunk = (id: string, upload: Upload, chunk: Buffer, contentRange: string | undefined): void => {
    if (contentRange !== undefined && chunk.length > 0) {
      const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(contentRange.trim());
      if (match === null || Number(match[1]) !== upload.size) {
        throw new RegistryError(416, 'BLOB_UPLOAD_INVALID', `chunk ${contentRange} does not continue at ${upload.size}`, {
          Location: `/v2/${upload.repository}/blobs/uploads/${id}`,
          Range: rangeHeader(upload.size),
        });
      }
    }
    if (chunk.length > 0) {
      upload.chunks.push(chunk);
      upload.size += chunk.length;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://registry');
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');

    if (ROUTES.base.test(url.pathname)) {
      if (method !== 'GET' && method !== 'HEAD') throw new RegistryError(405, 'UNSUPPORTED', `${method} /v2/`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' });
      res.end(method === 'HEAD' ? undefined : '{}');
      return;
    }

    let match = ROUTES.uploads.exec(url.pathname);
    if (match !== null && method === 'POST') {
      const name = match[1]!;
      const mount = url.searchParams.get('mount');
      if (mount !== null) mounts.push({ repository: name, from: url.searchParams.get('from') ?? '', digest: mount });
      const digest = url.searchParams.get('digest');
      if (digest !== null && mount === null) {
        commitBlob(name, digest, body, res);
        return;
      }
      // Cross-repository mount is optional in the spec: 202 tells the client to upload instead.
      startUpload(name, res);
      return;
    }

    match = ROUTES.upload.exec(url.pathname);
    if (match !== null) {
      const [, name, id] = match as unknown as [string, string, string];
      const upload = uploads.get(id);
      if (upload === undefined || upload.repository !== name)
        throw new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', `no upload ${id} in ${name}`);
      switch (method) {
        case 'PATCH':
          appendChunk(id, upload, body, req.headers['content-range']);
          res.writeHead(202, {
            Location: `/v2/${name}/blobs/uploads/${id}`,
            'Docker-Upload-UUID': id,
            Range: rangeHeader(upload.size),
            'Content-Length': '0',
          });
          res.end();
          return;
        case 'PUT': {
          appendChunk(id, upload, body, req.headers['content-range']);
          const digest = url.searchParams.get('digest');
          if (digest === null) throw new RegistryError(400, 'DIGEST_INVALID', 'PUT without ?digest=');
          commitBlob(name, digest, Buffer.concat(upload.chunks), res);
          uploads.delete(id);
          return;
        }
        case 'GET':
          res.writeHead(204, {
            Location: `/v2/${name}/blobs/uploads/${id}`,
            'Docker-Upload-UUID': id,
            Range: rangeHeader(upload.size),
            'Content-Length': '0',
          });
          res.end();
          return;
        case 'DELETE':
          uploads.delete(id);
          res.writeHead(204, { 'Content-Length': '0' });
          res.end();
          return;
        default:
          throw new RegistryError(405, 'UNSUPPORTED', `${method} on an upload`);
      }
    }

    match = ROUTES.blob.exec(url.pathname);
    if (match !== null && (method === 'GET' || method === 'HEAD')) {
      const [, name, digest] = match as unknown as [string, string, string];
      const content = repositories.get(name)?.blobs.has(digest) === true ? blobs.get(digest) : undefined;
      if (content === undefined) throw new RegistryError(404, 'BLOB_UNKNOWN', `blob ${digest} not in ${name}`);
      const range = method === 'GET' ? byteRange(req.headers.range, content.length) : undefined;
      const headers = {
        'Content-Type': 'application/octet-stream',
        'Docker-Content-Digest': digest,
        'Accept-Ranges': 'bytes',
        ETag: `"${digest}"`,
      };
      if (range === undefined) {
        res.writeHead(200, { ...headers, 'Content-Length': String(content.length) });
        res.end(method === 'HEAD' ? undefined : content);
      } else {
        const part = content.subarray(range.start, range.end + 1);
        res.writeHead(206, {
          ...headers,
          'Content-Length': String(part.length),
          'Content-Range': `bytes ${range.start}-${range.end}/${content.length}`,
        });
        res.end(part);
      }
      return;
    }

    match = ROUTES.manifest.exec(url.pathname);
    if (match !== null) {
      const [, name, reference] = match as unknown as [string, string, string];
      if (method === 'PUT') {
        putManifest(name, reference, body, req.headers['content-type'], res);
        return;
      }
      if (method === 'GET' || method === 'HEAD') {
        const stored = findManifest(name, reference);
        if (stored === undefined) throw new RegistryError(404, 'MANIFEST_UNKNOWN', `manifest ${reference} not in ${name}`);
        res.writeHead(200, {
          'Content-Type': stored.mediaType,
          'Docker-Content-Digest': stored.digest,
          'Content-Length': String(stored.body.length),
          ETag: `"${stored.digest}"`,
        });
        res.end(method === 'HEAD' ? undefined : stored.body);
        return;
      }
      throw new RegistryError(405, 'UNSUPPORTED', `${method} on a manifest`);
    }

    match = ROUTES.tags.exec(url.pathname);
    if (match !== null && method === 'GET') {
      const name = match[1]!;
      const state = repositories.get(name);
      if (state === undefined) throw new RegistryError(404, 'NAME_UNKNOWN', `no repository ${name}`);
      const text = JSON.stringify({ name, tags: [...state.tags.keys()].sort() });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }

    throw new RegistryError(404, 'UNSUPPORTED', `${method} ${url.pathname} is not part of this registry`);
  };

  const putManifest = (name: string, reference: string, body: Buffer, contentType: string | undefined, res: ServerResponse): void => {
    const digest = sha256(body);
    if (DIGEST.test(reference) && reference !== digest)
      throw new RegistryError(400, 'DIGEST_INVALID', `manifest is ${digest}, not ${reference}`);
    if (!DIGEST.test(reference) && !TAG.test(reference)) throw new RegistryError(400, 'TAG_INVALID', `invalid tag ${reference}`);
    let parsed: ManifestJson;
    try {
      parsed = JSON.parse(body.toString('utf8')) as ManifestJson;
    } catch {
      throw new RegistryError(400, 'MANIFEST_INVALID', 'manifest is not JSON');
    }
    const mediaType = manifestMediaType(contentType, parsed);
    const known = repositories.get(name);
    const missingBlobs = [parsed.config, ...(parsed.layers ?? [])]
      .filter((d): d is Descriptor => d !== undefined && !(d.urls !== undefined && d.urls.length > 0))
      .map((d) => d.digest)
      .filter((d) => known?.blobs.has(d) !== true);
    if (missingBlobs.length > 0)
      throw new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', `blobs not pushed to ${name}: ${missingBlobs.join(', ')}`);
    const missingManifests = (parsed.manifests ?? []).map((d) => d.digest).filter((d) => known?.manifests.has(d) !== true);
    if (missingManifests.length > 0)
      throw new RegistryError(400, 'MANIFEST_UNKNOWN', `manifests not pushed to ${name}: ${missingManifests.join(', ')}`);
    const state = repository(name);
    state.manifests.set(digest, { digest, mediaType, body });
    if (!DIGEST.test(reference)) state.tags.set(reference, digest);
    res.writeHead(201, { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
    res.end();
  };

  const server = createServer((req, res) => {
    const finish = (): void => {
      log.push({ method: req.method ?? '', path: req.url ?? '', status: res.statusCode, userAgent: req.headers['user-agent'] ?? '' });
    };
    res.on('finish', finish);
    handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof RegistryError ? error : new RegistryError(500, 'UNKNOWN', error instanceof Error ? error.message : String(error));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const text = JSON.stringify({ errors: [{ code: failure.code, message: failure.message, detail: null }] });
      res.writeHead(failure.status, {
        ...failure.headers,
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(text)),
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: `127.0.0.1:${port}`,
    received: () =>
      [...repositories.entries()]
        .sort(([a], [b]) => compare(a, b))
        .map(([name, state]) => ({
          name,
          tags: Object.fromEntries([...state.tags.entries()].sort(([a], [b]) => compare(a, b))),
          manifests: [...state.manifests.values()]
            .map((m) => ({ digest: m.digest, mediaType: m.mediaType, size: m.body.length }))
            .sort((a, b) => compare(a.digest, b.digest)),
          blobs: [...state.blobs].sort(compare),
        })),
    requests: () => [...log],
    mountRequests: () => [...mounts],
    manifest: findManifest,
    blob: (digest) => blobs.get(digest),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size?: number;
  readonly urls?: readonly string[];
}

interface ManifestJson {
  readonly mediaType?: string;
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
  readonly manifests?: readonly Descriptor[];
}

/** The media type to store: the request's `Content-Type` when it names a manifest, else the body's own `mediaType`, else OCI by shape. */
function manifestMediaType(contentType: string | undefined, manifest: ManifestJson): string {
  const declared = contentType?.split(';')[0]?.trim();
  if (declared !== undefined && declared !== '' && declared !== 'application/json' && declared !== 'application/octet-stream')
    return declared;
  if (manifest.mediaType !== undefined) return manifest.mediaType;
  return manifest.manifests !== undefined ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}

/** A single `bytes=a-b` / `bytes=a-` range within `size`, or undefined (whole content). */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start > end)
    throw new RegistryError(416, 'BLOB_UNKNOWN', `range ${header} outside 0-${size - 1}`, { 'Content-Range': `bytes */${size}` });
  return { start, end };
}

/** Docker's upload `Range` header: inclusive end, `0-0` when nothing arrived yet. */
function rangeHeader(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sha256(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
