/**
 * The first step of loading a project, kept light (no Dockerfile code, no YAML):
 * which compose files, project directory and env files compose is called
 * with. The CLI starts `docker compose config` with it before a command's
 * modules load, so loading them overlaps compose's own ~50 ms.
 */
import path from 'node:path';
import { parse as parseEnv } from 'dotenv';
import { resolveComposeFiles } from '../core/compose/files.js';
import type { ComposeTarget } from '../ports/compose-cli.js';
import type { FileSystem } from '../ports/file-system.js';

/** What finding compose's files needs: the working directory, the variables, the files. */
export interface ComposeTargetDeps {
  readonly fs: Pick<FileSystem, 'readText'>;
  readonly cwd: string;
  readonly lookup: (name: string) => string | undefined;
  /** Synchronous existence check, for compose file discovery. */
  readonly existsSync: (file: string) => boolean;
}

/**
 * How compose is called for the options: the files (`-f`, else COMPOSE_FILE from the environment or the env files, else
 * compose's discovery) and the project directory.
 */
export async function composeTargetFor(
  options: ComposeTarget,
  deps: ComposeTargetDeps,
): Promise<{ compose: ComposeTarget; projectDir: string }> {
  const projectDirectory = options.projectDirectory === undefined ? undefined : path.resolve(deps.cwd, options.projectDirectory);
  const envFiles = options.envFiles.map((file) => path.resolve(deps.cwd, file));
  const lookup = await composeLookup(deps, envFiles.length > 0 ? envFiles : [path.join(projectDirectory ?? deps.cwd, '.env')]);
  const { files, projectDir } = resolveComposeFiles({
    files: options.files,
    cwd: deps.cwd,
    projectDirectory,
    lookup,
    exists: deps.existsSync,
  });
  return { compose: { files, projectName: options.projectName, projectDirectory, profiles: options.profiles, envFiles }, projectDir };
}

/**
 * Variables as compose sees them when it picks its own files: the process
 * environment first, then the env files (`--env-file`, else `.env` in the
 * working directory). COMPOSE_FILE in `.env` is common, and dockstage passes
 * explicit `-f`, so it must read it the way compose would have.
 */
async function composeLookup(deps: ComposeTargetDeps, envFiles: readonly string[]): Promise<(name: string) => string | undefined> {
  const values: Record<string, string> = {};
  for (const file of envFiles) {
    const text = await deps.fs.readText(file);
    if (text !== null) Object.assign(values, parseEnv(text));
  }
  return (name) => deps.lookup(name) ?? values[name];
}
