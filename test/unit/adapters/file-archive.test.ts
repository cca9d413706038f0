/**
 * The archive createFiles uploads, read back with tar-stream's own extractor. Owners are read as the engine's reader (Go's
 * archive/tar) reads them: a PAX `uid`/`gid` record wins over the ustar field.
 */
import tar from 'tar-stream';
import { expect, test } from 'vitest';
import { archiveOf } from '../../../src/adapters/docker/file-archive.js';

/** The PAX records tar-stream's extractor hands over with a header (its types do not list them). */
const paxOf = (header: tar.Headers) => (header as tar.Headers & { pax?: Record<string, string> }).pax;

async function entries(archive: Buffer) {
  const found: {
    name: string;
    type: string | null | undefined;
    mode: number | undefined;
    uid: number | undefined;
    gid: number | undefined;
    text: string;
  }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        found.push({
          name: header.name,
          type: header.type,
          mode: header.mode,
          uid: Number(paxOf(header)?.['uid'] ?? header.uid),
          gid: Number(paxOf(header)?.['gid'] ?? header.gid),
          text: Buffer.concat(chunks).toString(),
        });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(archive);
  await done;
  return found;
}

test('directories first, then files; names without the leading slash; modes, owners and contents kept', async () => {
  const owner = { user: 1000, group: 1001 };
  const archive = await archiveOf({
    directories: [{ path: '/app/src', mode: 0o750, owner }],
    files: [{ path: '/app/src/a.js', content: Buffer.from('a'), mode: 0o640, owner }],
  });
  expect(await entries(archive)).toEqual([
    { name: 'app/src', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, text: '' },
    { name: 'app/src/a.js', type: 'file', mode: 0o640, uid: 1000, gid: 1001, text: 'a' },
  ]);
});

test('an owner id too large for ustar (OpenShift-style uids) is kept whole through PAX records', async () => {
  const owner = { user: 1_000_680_000, group: 1_000_680_000 };
  const archive = await archiveOf({ directories: [], files: [{ path: '/data/x', content: Buffer.from('x'), mode: 0o644, owner }] });
  expect(await entries(archive)).toEqual([
    { name: 'data/x', type: 'file', mode: 0o644, uid: 1_000_680_000, gid: 1_000_680_000, text: 'x' },
  ]);
});

test('a relative path is refused', async () => {
  await expect(archiveOf({ directories: [], files: [{ path: 'x', mode: 0o644, owner: { user: 0, group: 0 } }] })).rejects.toThrow(
    /absolute/,
  );
});
