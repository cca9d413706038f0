/**
 * One watching dockstage per compose project: a lock file in `.dockstage/`
 * holding the owner's pid. A second `watch` (or TUI) on the same project says
 * which process holds it and exits; a lock left by a process that died is taken
 * over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DockstageError } from '../../core/errors.js';
import { projectStateDir } from '../../core/compose/state-paths.js';

/** A held lock; `release` removes it (only if it is still ours). */
export interface ProjectLock {
  release(): Promise<void>;
}

/** Takes the lock of `project` in `projectDir`, or throws a DockstageError naming the process that holds it. */
export async function acquireProjectLock(projectDir: string, project: string): Promise<ProjectLock> {
  const file = path.join(projectDir, projectStateDir(project), 'watch.lock');
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        async release() {
          const owner = Number.parseInt((await readFile(file, 'utf8').catch(() => '')).trim(), 10);
          if (owner === process.pid) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt((await readFile(file, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DockstageError(`dockstage is already watching project ${project} (pid ${owner})`, {
          location: { file },
          hint: `use that one, or stop it first (kill ${owner}); one-shot commands (status, plan, build) work alongside it`,
          exitCode: 1,
        });
      }
      await rm(file, { force: true });
    }
  }
  throw new DockstageError(`could not take the lock ${file}`, {
    hint: 'remove the file if no dockstage runs on this project',
    exitCode: 1,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
