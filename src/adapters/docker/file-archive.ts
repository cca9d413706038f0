/**
 * New files for a container as one tar archive, the body of the engine's
 * `PUT /containers/{id}/archive` with `path=/`: entry names are the absolute
 * container paths without their leading slash, with numeric owners and
 * permission bits. tar-stream writes the headers (ustar, with PAX records for
 * names longer than ustar allows and, from us, for owner ids too large for it).
 */
import tar from 'tar-stream';
import type { NewContainerFiles, NumericEntry } from '../../ports/container-files.js';

/** The archive of `batch`: directories first (in the order given, parents first), then files. */
export async function archiveOf(batch: NewContainerFiles): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: Buffer) => chunks.push(chunk));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const mtime = new Date();
  for (const dir of batch.directories) pack.entry({ ...header(dir), type: 'directory', mtime });
  for (const file of batch.files) pack.entry({ ...header(file), type: 'file', mtime }, Buffer.from(file.content ?? new Uint8Array()));
  pack.finalize();
  return await done;
}

/** ustar's owner fields hold 6 octal digits (tar-stream cuts larger ids to 262143): larger ones go in PAX records too. */
const USTAR_MAX_ID = 0o777777;

function header(entry: NumericEntry) {
  const { user: uid, group: gid } = entry.owner;
  const large = uid > USTAR_MAX_ID || gid > USTAR_MAX_ID;
  return { name: entryName(entry.path), mode: entry.mode, uid, gid, ...(large ? { pax: { uid: String(uid), gid: String(gid) } } : {}) };
}

function entryName(absolute: string): string {
  if (!absolute.startsWith('/')) throw new Error(`container paths must be absolute, got ${absolute}`);
  return absolute.replace(/^\/+/, '');
}
