/**
 * Which compose files a command uses, with the compose CLI's own rules:
 * `-f` files when given, else `COMPOSE_FILE` (split on `COMPOSE_PATH_SEPARATOR`,
 * `:` by default), else the first of compose.yaml, compose.yml,
 * docker-compose.yml, docker-compose.yaml found in the working directory or a
 * parent of it, plus the matching override file next to it. dockstage needs the
 * list because it appends its own override file as the last `-f`, and once
 * `-f` is given compose stops discovering.
 */
import path from 'node:path/posix';
import { ConfigError } from '../errors.js';

/** compose's default file names in its discovery order: the first found in a directory wins. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
/** Override files compose adds next to a discovered file; never added when `-f` or COMPOSE_FILE names the files. */
export const OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
] as const;

/** Everything resolveComposeFiles needs, passed in so it stays pure: no process.env, no disk access of its own. */
export interface ComposeFileQuery {
  /** `-f` values as given. */
  readonly files: readonly string[];
  /** The current directory of the user (absolute). */
  readonly cwd: string;
  /** `--project-directory`, absolute, when given. */
  readonly projectDirectory: string | undefined;
  readonly lookup: (name: string) => string | undefined;
  /** Whether a path exists (the caller does the I/O). */
  readonly exists: (file: string) => boolean;
}

/** The files compose would use, listed explicitly so dockstage can append its override as the last `-f` without losing any of them. */
export interface ComposeFiles {
  /** Absolute compose files in `-f` order. */
  readonly files: readonly string[];
  /** The project directory compose will use: `--project-directory`, else the first file's directory. */
  readonly projectDir: string;
}

/** Resolves the compose files; throws ConfigError (exit 2) when there is none. */
export function resolveComposeFiles(query: ComposeFileQuery): ComposeFiles {
  const explicit = query.files.length > 0 ? query.files : splitComposeFileVariable(query.lookup);
  if (explicit.length > 0) {
    const files = explicit.map((file) => path.resolve(query.cwd, file));
    for (const file of files) {
      if (!query.exists(file)) {
        throw new ConfigError(`compose file not found: ${file}`, {
          location: { file },
          hint: query.files.length > 0 ? 'check the -f/--file path' : 'check the COMPOSE_FILE variable',
        });
      }
    }
    return { files, projectDir: query.projectDirectory ?? path.dirname(files[0]!) };
  }
  const start = query.projectDirectory ?? query.cwd;
  for (let dir = start; ; dir = path.dirname(dir)) {
    const main = COMPOSE_FILE_NAMES.map((name) => path.join(dir, name)).find(query.exists);
    if (main !== undefined) {
      const override = OVERRIDE_FILE_NAMES.map((name) => path.join(dir, name)).find(query.exists);
      return { files: override === undefined ? [main] : [main, override], projectDir: query.projectDirectory ?? dir };
    }
    if (dir === path.dirname(dir)) break;
  }
  throw new ConfigError(`no compose file found in ${start} or its parents`, {
    location: { file: start },
    hint: `create ${COMPOSE_FILE_NAMES[0]}, or name one with -f`,
  });
}

function splitComposeFileVariable(lookup: (name: string) => string | undefined): string[] {
  const value = lookup('COMPOSE_FILE');
  if (value === undefined || value === '') return [];
  const separator = lookup('COMPOSE_PATH_SEPARATOR') || ':';
  return value.split(separator).filter((part) => part !== '');
}
