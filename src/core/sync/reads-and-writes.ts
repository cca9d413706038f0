/**
 * What a build reads and writes, path by path, for live sync's rules: which inputs of the closure read a changed host
 * path, whether the path is the build's own definition (the Dockerfile, an ignore file), and whether a COPY/ADD step
 * writes a given container path. Questions about the build model alone; the wording of a refusal is decide-sync's.
 */
import path from 'node:path/posix';
import { inputsReading, type CompiledInput } from '../dockerfile/stage-inputs.js';
import { isOutside, type BuildModel } from '../workspace.js';
import type { CopyStep, StageSteps } from './copy-steps.js';
import { placeInImage, type Placement } from './placement.js';

/** The inputs of the closure (any stage, any context) that read the absolute `file`. */
export function readersOf(build: BuildModel, file: string): CompiledInput[] {
  const contexts: Array<[string, string]> = [['.', build.contextDir!], ...Object.entries(build.namedContexts)];
  const readers: CompiledInput[] = [];
  for (const [context, dir] of contexts) {
    const relative = path.relative(dir, file);
    if (relative === '' || isOutside(relative)) continue;
    readers.push(...inputsReading(relative, context, build.inputs, build.ignore));
  }
  return readers.sort((a, b) => a.line - b.line);
}

/** The Dockerfile, or an ignore file that is (or would be, once created) in force. */
export function isBuildDefinition(build: BuildModel, file: string): boolean {
  if (file === build.dockerfilePath || file === build.ignoreFile) return true;
  const specific = build.dockerfilePath === undefined ? undefined : `${build.dockerfilePath}.dockerignore`;
  if (file === specific) return true;
  const specificInForce = specific !== undefined && build.ignoreFile === specific;
  return !specificInForce && build.contextDir !== undefined && file === path.join(build.contextDir, '.dockerignore');
}

/** Every container path the placement may turn out to be. */
export function destinationsOf(placement: Placement, contextPath: string): string[] {
  if (!placement.intoDirectoryIfExists) return [placement.destination];
  return [placement.destination, `${placement.destination === '/' ? '' : placement.destination}/${path.basename(contextPath)}`];
}

/** The main-context sources of a COPY/ADD step, compiled, in the order the step copies them. */
export function inputsOf(build: BuildModel, step: CopyStep): CompiledInput[] {
  return build.inputs.filter((input) => input.stage === step.stage && input.line === step.line && input.context === '.');
}

/**
 * Whether `step`, through `inputs` (some of its sources), writes one of
 * `destinations` (or, with `below`, anything under them: a deleted path may
 * have been a directory). Context sources are checked file by file against
 * `contextFiles`; a copy from a stage, an image or a named context, and an
 * ADD of a file that might be an archive, count for their whole destination.
 */
export function writes(
  step: CopyStep,
  inputs: readonly CompiledInput[],
  build: BuildModel,
  contextFiles: readonly string[],
  destinations: readonly string[],
  below: boolean,
): boolean {
  if (step.destination === undefined) return true;
  const region = step.destination.path;
  if (!destinations.some((d) => isWithin(d, region) || (below && isWithin(region, d)))) return false;
  if (step.from !== undefined) return true;
  const touches = (written: string) => destinations.some((d) => written === d || (below && isWithin(written, d)));
  for (const input of inputs) {
    for (const file of contextFiles) {
      if (build.ignore?.excludes(file) === true || !input.matcher.reads(file)) continue;
      const placement = placeInImage({ ...step, destination: step.destination }, input.source, file);
      if (placement === undefined || (step.keyword === 'ADD' && placement.sourceRoot)) return true;
      if (destinationsOf(placement, file).some(touches)) return true;
    }
  }
  return false;
}

/** The COPY/ADD steps that run before `step`: every step of the chain's earlier stages, then the target's before it. */
export function earlierCopies(chain: readonly StageSteps[], step: CopyStep): CopyStep[] {
  return chain.flatMap((stage) => stage.copies.filter((s) => s.stage !== step.stage || s.line < step.line));
}

/** Whether the container path `file` is `dir` or lies under it. */
export function isWithin(file: string, dir: string): boolean {
  return dir === '/' || file === dir || file.startsWith(`${dir}/`);
}
