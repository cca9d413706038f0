/**
 * Runs one FileWatcher adapter on a directory and prints what it reports as
 * JSON lines (`{"ready":true}`, `{"change":…}`, `{"error":…}`). The contract
 * test starts it as an unprivileged user, since root can read everything.
 * Usage: node --import tsx watch-child.ts <adapter module> <export name> <dir>
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { FileWatcher } from '../../../src/ports/file-watcher.js';

const [adapterModule, exportName, dir] = process.argv.slice(2) as [string, string, string];
const adapter = (await import(pathToFileURL(path.resolve(adapterModule)).href)) as Record<string, () => FileWatcher>;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const session = adapter[exportName]!().watch(
  [{ path: dir, ignored: () => false }],
  (change) => print({ change }),
  (error) => print({ error }),
);
await session.ready;
print({ ready: true });
process.on('SIGTERM', () => void session.close().then(() => process.exit(0)));
