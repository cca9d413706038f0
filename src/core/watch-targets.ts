/**
 * What `watch` watches for a workspace: every build context (minus what its
 * ignore file excludes), every named context, every bind-mount source, and
 * the files that define the model (compose files, Dockerfiles, ignore files,
 * including ignore files that do not exist yet but would take effect). Pure.
 */
import path from 'node:path/posix';
import type { RootRule } from './watch-roots.js';
import { modelFiles, type Workspace } from './workspace.js';

/**
 * The watch roots of a workspace, sorted by path. Files that define the model are never skipped, even when the
 * context's ignore file excludes them (`.dockerignore` often lists `Dockerfile` and itself).
 */
export function watchRootsFor(workspace: Workspace, composeFiles: readonly string[]): RootRule[] {
  const definingFiles = modelFiles(workspace.project, composeFiles);
  const roots = new Map<string, RootRule>();
  const add = (rule: RootRule) => {
    if (!roots.has(rule.path)) roots.set(rule.path, rule);
  };
  for (const file of definingFiles) add({ path: file, ignored: () => false });
  for (const service of workspace.services) {
    const build = service.build;
    if (build?.contextDir !== undefined) {
      const dir = build.contextDir;
      const ignore = build.ignore;
      const exceptions = build.ignorePatterns.some((pattern) => pattern.startsWith('!'));
      add({
        path: dir,
        ignored: (relative, isDirectory) => {
          if (ignore === undefined || definingFiles.has(path.join(dir, relative))) return false;
          // A directory is skipped only when no `!` exception could bring a file below it back.
          if (isDirectory) return !exceptions && ignore.excludes(relative);
          return ignore.excludes(relative);
        },
      });
      for (const named of Object.values(build.namedContexts)) add({ path: named, ignored: () => false });
    }
    for (const mount of service.bindMounts) add({ path: mount.source, ignored: () => false });
  }
  return [...roots.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
