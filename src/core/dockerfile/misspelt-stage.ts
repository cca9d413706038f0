/**
 * A build that fails pulling an image whose name is a near-miss of a stage
 * (`COPY --from=bsae`) failed because of that typo, not because of the
 * registry. The stage graph warned about it before the build; this relates the
 * failure back to that line so the error can say it again.
 */
import { BuildFailedError } from '../errors.js';
import type { StageGraph } from './stage-graph.js';

/** The misspelt reference behind a failure whose text names its image, or undefined. */
export function misspeltStageBehind(
  graph: StageGraph,
  failureText: string,
): { readonly line: number; readonly ref: string; readonly suggestion: string } | undefined {
  for (const warning of graph.warnings) {
    if (warning.misspelt === undefined) continue;
    const { ref, suggestion } = warning.misspelt;
    if (failureText.includes(normalizedImage(ref)) || new RegExp(`(^|[\\s/=])${escapeRegExp(ref)}([\\s:@]|$)`).test(failureText)) {
      return { line: warning.line, ref, suggestion };
    }
  }
  return undefined;
}

/**
 * The failure, pointed at the misspelt line with the suggestion in its hint when the graph explains it; else the same
 * error. Builds call this on every BuildFailedError of a service.
 */
export function explainMisspeltStage(error: BuildFailedError, graph: StageGraph): BuildFailedError {
  const text = [error.message, error.instruction ?? '', ...error.logTail].join('\n');
  const found = misspeltStageBehind(graph, text);
  if (found === undefined) return error;
  return new BuildFailedError(error.message, {
    ...(error.service === undefined ? {} : { service: error.service }),
    ...(error.stage === undefined ? {} : { stage: error.stage }),
    ...(error.instruction === undefined ? {} : { instruction: error.instruction }),
    file: graph.file,
    line: found.line,
    logTail: error.logTail,
    hint: `'${found.ref}' at line ${found.line} is not a stage, so BuildKit tried to pull it as an image; did you mean '${found.suggestion}'?`,
    containerKept: error.containerKept,
  });
}

/** `bsae` → `docker.io/library/bsae:latest`, the name BuildKit prints when it pulls it. */
export function normalizedImage(ref: string): string {
  const parts = ref.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const named = hasRegistry ? ref : parts.length === 1 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
  const last = named.slice(named.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@') ? named : `${named}:latest`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
