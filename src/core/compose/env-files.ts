/**
 * The `env_file:` files a compose file's services name. Compose resolves them
 * into each service's `environment` and drops them from `config --format json`,
 * so the watch reads them from the compose file itself: an edit of one changes
 * what compose would create, as an edit of the compose file does.
 */
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The absolute paths of the env files `text` (the compose file at `file`) names under `services.*.env_file` (a path,
 * a list of paths, or a list of `{ path }`), relative ones resolved from the compose file's folder as compose does.
 * Unparsable text names none (compose reports it).
 */
export function envFilesNamed(text: string, file: string): string[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    return [];
  }
  const services = (document as { services?: unknown } | null)?.services;
  if (services === null || typeof services !== 'object') return [];
  const found = new Set<string>();
  for (const service of Object.values(services as Record<string, unknown>)) {
    const value = (service as { env_file?: unknown } | null)?.env_file;
    for (const entry of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const named = typeof entry === 'string' ? entry : (entry as { path?: unknown } | null)?.path;
      // An interpolated name (${VAR}) is compose's to resolve: it is left out rather than guessed.
      if (typeof named === 'string' && named !== '' && !named.includes('$')) found.add(path.resolve(path.dirname(file), named));
    }
  }
  return [...found].sort();
}
