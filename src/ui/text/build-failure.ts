/** One failed build, worded once: where it failed, the Dockerfile line, the step's last lines, and what to do. */
import { BuildFailedError, type DockstageError } from '../../core/errors.js';
import { errorLines } from '../../core/error-description.js';

/**
 * `error: build of web failed at develop: RUN make` / `--> web/Dockerfile:12` / `│ <log tail>` / `hint: …`, without a
 * trailing newline. The one message a failed build prints (progress lines only mark the stage ✗).
 */
export function formatBuildFailure(services: readonly string[], target: string, error: DockstageError): string {
  const failed = error instanceof BuildFailedError ? error : undefined;
  const located = failed !== undefined && (failed.stage !== undefined || failed.location.line !== undefined);
  const headline = located
    ? `build of ${services.join(', ')} failed at ${failed.stage ?? target}: ${failed.instruction ?? failed.message}`
    : error.message;
  return errorLines(error, { headline, defaultHint: 'fix the failing step' }).join('\n');
}
