/** The FileSystem port on node:fs. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { DockstageError } from '../../core/errors.js';
import { compareStrings } from '../../core/order.js';
import path from 'node:path';
import type { FileSystem } from '../../ports/file-system.js';

/** The FileSystem port on node:fs (promises API; symlinks are reported, never followed). */
export function createNodeFileSystem(): FileSystem {
  return {
    async readText(file) {
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async exists(file) {
      try {
        await stat(file);
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async listFiles(root, options = {}) {
      const files: string[] = [];
      const walk = async (relativeDir: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
        } catch (error) {
          if (isMissing(error) && relativeDir !== '') return; // removed while walking
          throw unreadable(error, path.join(root, relativeDir));
        }
        for (const entry of entries) {
          const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
          if (entry.isDirectory()) {
            if (options.prune?.(relative) === true) continue;
            if (options.directories === true) files.push(`${relative}/`);
            await walk(relative);
          } else if (entry.isFile() || entry.isSymbolicLink()) {
            files.push(relative);
          }
        }
      };
      await walk('');
      return files.sort(compareStrings);
    },
    async digest(file) {
      try {
        const info = await lstat(file);
        if (info.isSymbolicLink())
          return createHash('sha256')
            .update(`link:${await readlink(file)}`)
            .digest('hex');
        return await new Promise<string>((resolve, reject) => {
          const hash = createHash('sha256').update(`mode:${(info.mode & 0o7777).toString(8)}\0`);
          createReadStream(file)
            .on('data', (chunk) => hash.update(chunk))
            .on('error', reject)
            .on('end', () => resolve(hash.digest('hex')));
        });
      } catch (error) {
        throw unreadable(error, file);
      }
    },
    async entries(dir) {
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        return entries
          .map((entry) => ({
            name: entry.name,
            kind: entry.isSymbolicLink() ? ('symlink' as const) : entry.isDirectory() ? ('directory' as const) : ('file' as const),
          }))
          .sort((a, b) => compareStrings(a.name, b.name));
      } catch (error) {
        if (isMissing(error)) return null;
        throw unreadable(error, dir);
      }
    },
    async readLink(file) {
      try {
        return await readlink(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (isMissing(error) || code === 'EINVAL') return null;
        throw unreadable(error, file);
      }
    },
    async kind(file) {
      try {
        const info = await lstat(file);
        return info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'directory' : 'file';
      } catch (error) {
        if (isMissing(error)) return null;
        throw unreadable(error, file);
      }
    },
    async readFileWithMode(file) {
      try {
        const [info, content] = await Promise.all([stat(file), readFile(file)]);
        return { content, mode: info.mode & 0o7777 };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async permissions(file) {
      try {
        return (await stat(file)).mode & 0o7777;
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async changedAt(file) {
      try {
        const info = await stat(file);
        return Math.max(info.mtimeMs, info.ctimeMs);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async writeText(file, text) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    },
  } satisfies FileSystem;
}

/**
 * A file or folder the build would send but this user cannot read: the same build fails in BuildKit, so it is the
 * user's to fix (exit 1). Other errors pass through unchanged.
 */
function unreadable(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM') return error;
  return new DockstageError(`cannot read ${file}: permission denied`, {
    exitCode: 1,
    hint: 'BuildKit could not send it either: add it to .dockerignore, or fix its permissions',
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
