/** The build's ignore file: which one BuildKit uses, and its patterns compiled (a bad pattern names its file and line). */
import path from 'node:path';
import { createIgnoreMatcher, IgnorePatternError, parseDockerignore, type IgnoreMatcher } from './dockerfile/dockerignore.js';
import { ConfigError } from './errors.js';

/**
 * The ignore file BuildKit uses for a build: `<Dockerfile>.dockerignore` next to
 * the Dockerfile when it exists, else `<context>/.dockerignore`, else none.
 */
export function chooseIgnoreFile(
  dockerfilePath: string | undefined,
  contextDir: string,
  files: ReadonlyMap<string, string | null>,
): string | undefined {
  const candidates = [...(dockerfilePath === undefined ? [] : [`${dockerfilePath}.dockerignore`]), path.join(contextDir, '.dockerignore')];
  return candidates.find((candidate) => typeof files.get(candidate) === 'string');
}

/**
 * Parses and compiles an ignore file; a bad pattern is a ConfigError naming the file and line. Patterns that compile
 * but fail when BuildKit first evaluates them (a reversed range such as `[z-a]`) are found here too, since the build
 * would fail on them.
 */
export function compileIgnoreFile(text: string, label: string): { patterns: string[]; matcher: IgnoreMatcher | undefined } {
  const patterns = parseDockerignore(text);
  try {
    const matcher = patterns.length === 0 ? undefined : createIgnoreMatcher(patterns);
    for (const pattern of patterns) createIgnoreMatcher([pattern.replace(/^!/, '')]).excludes('probe');
    return { patterns, matcher };
  } catch (error) {
    if (!(error instanceof IgnorePatternError)) throw error;
    const line = text
      .split('\n')
      .findIndex((raw) => parseDockerignore(raw).some((parsed) => parsed === error.pattern || parsed === `!${error.pattern}`));
    throw new ConfigError(`invalid pattern in ${label}: ${error.message}`, {
      location: { file: label, ...(line < 0 ? {} : { line: line + 1 }) },
      hint: 'fix the pattern; .dockerignore uses Go filepath.Match syntax plus ** and ! exceptions',
    });
  }
}
