/**
 * New files for a container as one tar archive, the body of the engine's
 * `PUT /containers/{id}/archive` with `path=/`: entry names are the absolute
 * container paths without their leading slash, with numeric owners and
 * permission bits. tar-stream writes the headers (ustar, with PAX records for
 * names longer than ustar allows).
 */
import tar from 'tar-stream';
import type { NewContainerFiles } from '../../ports/container-files.js';

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
  for (const dir of batch.directories)
    pack.entry({ name: entryName(dir.path), type: 'directory', mode: dir.mode, uid: dir.owner.user, gid: dir.owner.group, mtime });
  for (const file of batch.files) {
    const content = Buffer.from(file.content ?? new Uint8Array());
    pack.entry({ name: entryName(file.path), type: 'file', mode: file.mode, uid: file.owner.user, gid: file.owner.group, mtime }, content);
  }
  pack.finalize();
  return await done;
}

function entryName(absolute: string): string {
  if (!absolute.startsWith('/')) throw new Error(`container paths must be absolute, got ${absolute}`);
  return absolute.replace(/^\/+/, '');
}
