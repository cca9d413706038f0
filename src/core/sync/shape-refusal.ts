/**
 * Live sync's early answer (issue #9): the refusals `decideSync` reaches from the Dockerfile's shape alone, asked before
 * the context is listed or the base image inspected, so a service that can never sync goes to the rebuild without a
 * walk of its context. SHAPE_RULES names the rules of decide-sync's `shapeBlocker` (and the changed build definition);
 * a rule added there that needs no context files or base image belongs here too.
 */
import path from 'node:path/posix';
import { decideSync, type SyncDecision, type SyncReason, type SyncRequest, type SyncRule } from './decide-sync.js';
import { isBuildDefinition, readersOf } from './reads-and-writes.js';

/**
 * The rules decided by the Dockerfile's shape alone (which instructions read a path, what runs after them), before
 * any destination is placed: a refusal by one of them stands whatever the context's other files and the base image
 * are.
 */
const SHAPE_RULES: ReadonlySet<SyncRule> = new Set([
  'dockerfile',
  'other-stage',
  'copy-from',
  'run-mount',
  'symlink',
  'onbuild',
  'run-after-copy',
]);

/**
 * A refusal `decideSync` reaches without the context's file list or the base image: the batch's first reason when its
 * rule depends only on the Dockerfile's shape, or undefined when the full decision is needed. Live sync asks
 * it first, so a service whose Dockerfile runs a build step after its COPY goes to the rebuild without a walk of
 * its context.
 */
export function shapeRefusal(request: Omit<SyncRequest, 'contextFiles' | 'baseImage'>): SyncReason | undefined {
  let decision: SyncDecision;
  try {
    decision = decideSync({ ...request, contextFiles: [], baseImage: undefined });
  } catch {
    // An expansion that needs the base image's ENV (`${VAR:?}`): only the full decision can tell.
    return undefined;
  }
  if (decision.kind !== 'rebuild' || !SHAPE_RULES.has(decision.reason.rule)) return undefined;
  // The full decision's summary is its first refused path, and with the real data an earlier path the build reads
  // could be refused too (written again by a later COPY): the answer stands only for the first path the build reads.
  const first = request.changes
    .map((change) => path.normalize(change.path))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .find((file) => isBuildDefinition(request.build, file) || readersOf(request.build, file).length > 0);
  return first === decision.reason.path ? decision.reason : undefined;
}
