/**
 * The passes dockstage remembers, by the check's inputs hash, in `.dockstage/<project>/checks.json`: the same inputs
 * never run twice, across runs too. Only passes are kept (a failure is worth running again in the next run: it may
 * have been the network). At most MAX_ENTRIES, newest last.
 */
import path from 'node:path';
import { projectStateDir } from '../core/compose/state-paths.js';
import type { FileSystem } from '../ports/file-system.js';

/** How many passes the file keeps; older ones are forgotten first. */
export const MAX_ENTRIES = 500;

/** Remembered passes of one project. */
export interface CheckMemory {
  /** Whether a check with these inputs passed before. */
  passed(hash: string): Promise<boolean>;
  /** Remembers a pass (written to the file before it resolves). */
  remember(hash: string, stage: string, at: number): Promise<void>;
}

interface Entry {
  readonly hash: string;
  readonly stage: string;
  readonly at: number;
}

/** The file a project's passes live in. */
export function checkMemoryFile(projectDir: string, projectName: string): string {
  return path.join(projectDir, projectStateDir(projectName), 'checks.json');
}

/** A memory backed by the project's file: read once, written after each new pass (one write at a time). */
export function fileCheckMemory(fs: FileSystem, file: string): CheckMemory {
  let entries: Promise<Entry[]> | undefined;
  let writing: Promise<void> = Promise.resolve();
  const load = () =>
    (entries ??= fs.readText(file).then(
      (text) => parseEntries(text),
      () => [],
    ));
  return {
    async passed(hash) {
      return (await load()).some((entry) => entry.hash === hash);
    },
    async remember(hash, stage, at) {
      const current = await load();
      const next = [...current.filter((entry) => entry.hash !== hash), { hash, stage, at }].slice(-MAX_ENTRIES);
      entries = Promise.resolve(next);
      writing = writing.then(() => fs.writeText(file, `${JSON.stringify({ version: 1, passed: next }, null, 1)}\n`)).catch(() => undefined);
      await writing;
    },
  };
}

/** The entries of the file's text; anything unreadable is no memory (the checks just run). */
function parseEntries(text: string | null): Entry[] {
  if (text === null) return [];
  try {
    const parsed = JSON.parse(text) as { passed?: unknown };
    if (!Array.isArray(parsed.passed)) return [];
    return parsed.passed.filter(
      (entry): entry is Entry => typeof entry?.hash === 'string' && typeof entry?.stage === 'string' && typeof entry?.at === 'number',
    );
  } catch {
    return [];
  }
}
