/** `dockstage plan`: per service, the target, closure stages, action and reasons. */
import path from 'node:path';
import { changesOutsideProject, planForChanges, planForFreshness, type Plan, type ServicePlan } from '../../core/state/plan.js';
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import { servicesFreshness } from '../../operations/freshness.js';
import type { CommandContext } from '../context.js';
import { columns, printErrors, printJson, printWarnings } from '../output/report.js';
import { describeReason } from '../../ui/text/reasons.js';
import { blockedErrors, buildContexts, relativeLabel, type Workspace } from '../../core/workspace.js';
import { directoriesChangedWith } from '../../operations/changed-directories.js';

/** `changed` paths as typed, relative to the working directory; empty means plan from staleness instead, which needs the engine. */
export interface PlanCommand {
  readonly changed: readonly string[];
  readonly json: boolean;
}

/**
 * Plans from the changed paths (pure, no engine) or, without any, from each image's inputs-hash label. Exits 0 (a plan
 * is a report, not a check), or 2 when a service is blocked by a configuration problem: then only the problems are
 * printed, no plan (which would show that service as `none`).
 */
export async function runPlan(ctx: CommandContext, options: ProjectOptions, command: PlanCommand): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, loaded.workspace.warnings);
  const blocked = blockedErrors(loaded.workspace);
  if (blocked.length > 0) {
    printErrors(ctx.io, blocked);
    return 2;
  }
  let plan: Plan;
  if (command.changed.length > 0) {
    const changed = command.changed.map((p) => path.resolve(ctx.cwd, p));
    printWarnings(ctx.io, changesOutsideProject(loaded.workspace, changed));
    plan = planForChanges(loaded.workspace, changed);
    // A path no build reads (an ignored file) may have brought or taken its directory, which a COPY of the parent reads.
    const read = new Set(plan.services.flatMap((service) => service.reasons.map((reason) => reason.path)));
    const unread = changed.filter((p) => !read.has(relativeLabel(loaded.workspace.projectDir, p)));
    const directories = unread.length === 0 ? [] : await directoriesChangedWith(ctx.fs, unread, contextStops(loaded.workspace));
    if (directories.length > 0) plan = planForChanges(loaded.workspace, [...changed, ...directories]);
  } else {
    const runtime = await ctx.runtime();
    const containers = await runtime.listContainers(loaded.workspace.project.name);
    plan = planForFreshness(loaded.workspace, await servicesFreshness(loaded.workspace, ctx.fs, runtime, containers));
  }
  if (command.json) printJson(ctx.io, plan);
  else ctx.io.stdout.write(formatPlan(plan));
  return 0;
}

/** The plan as aligned text: one line per service, then its reasons indented. */
export function formatPlan(plan: Plan): string {
  const lines = [`${plan.project} · env ${plan.environment}`];
  const rows = plan.services.map((service) => [service.name, service.target ?? service.image ?? '-', service.action, summary(service)]);
  const formatted = columns(rows, '  ');
  plan.services.forEach((service, i) => {
    lines.push(formatted[i]!);
    for (const reason of service.reasons.slice(1)) lines.push(`      ${describeReason(reason)}`);
  });
  return `${lines.join('\n')}\n`;
}

function summary(service: ServicePlan): string {
  const first = service.reasons[0];
  const shared = service.sharedWith.length > 0 ? ` (one build shared with ${service.sharedWith.join(', ')})` : '';
  if (first === undefined) return shared.trim();
  return `${describeReason(first)}${shared}`;
}

/** Where `directoriesChangedWith` stops walking up: the project directory and every build context. */
function contextStops(workspace: Workspace): Set<string> {
  const stops = new Set([workspace.projectDir]);
  for (const service of workspace.services)
    if (service.build !== undefined) for (const [, dir] of buildContexts(service.build)) stops.add(dir);
  return stops;
}
