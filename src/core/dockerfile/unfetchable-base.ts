/**
 * A build that fails because a FROM names an image the engine does not have
 * and cannot fetch (a typo in the tag, no network, a private registry without
 * `docker login`): BuildKit says so about "load metadata for <image>", with no
 * Dockerfile line. This points the failure at the FROM that names the image.
 */
import { BuildFailedError } from '../errors.js';
import { normalizedImage } from './misspelt-stage.js';
import type { StageGraph } from './stage-graph.js';

/** The image BuildKit could not fetch, as it names it, from a failure's text; undefined when the failure is another. */
export function unfetchedImage(failureText: string): string | undefined {
  const match = /load metadata for ([^\s,]+)|pull access denied for ([^\s,]+)/i.exec(failureText);
  return match === null ? undefined : (match[1] ?? match[2])!.replace(/:$/, '');
}

/**
 * The failure, pointed at the FROM line whose image could not be fetched, with a hint that says what to check; else
 * the same error. Builds call this on every BuildFailedError of a service.
 */
export function explainUnfetchableBase(error: BuildFailedError, graph: StageGraph): BuildFailedError {
  // The message and the failing step only: a RUN whose output mentions a pull is not this failure.
  const image = unfetchedImage([error.message, error.instruction ?? ''].join('\n'));
  if (image === undefined) return error;
  const wanted = normalizedImage(image);
  const stage = graph.stages.find((candidate) => candidate.base.kind === 'image' && normalizedImage(candidate.base.ref) === wanted);
  const from = stage?.instructions[0];
  return new BuildFailedError(error.message, {
    ...(error.service === undefined ? {} : { service: error.service }),
    ...(error.stage === undefined ? {} : { stage: error.stage }),
    ...(from === undefined ? (error.instruction === undefined ? {} : { instruction: error.instruction }) : { instruction: from.original }),
    file: graph.file,
    ...(stage === undefined ? (error.location.line === undefined ? {} : { line: error.location.line }) : { line: stage.line }),
    logTail: error.logTail,
    hint: `the engine has no image ${image} and could not fetch it: check the name and tag${stage === undefined ? '' : ` at line ${stage.line}`} (and any build arg that sets it), the network, or \`docker login\` for a private registry`,
    containerKept: error.containerKept,
  });
}
