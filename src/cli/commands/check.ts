/**
 * `dockstage check [SERVICE...] [--json]`: build the environment's checks (the Dockerfiles' test, lint… stages) that
 * have no remembered pass, once per shared check, and exit 1 if any fails, else 0. The same command in a terminal, a
 * git hook and CI (`dockstage check -e ci`). No image is loaded or tagged; no container is touched.
 */
import os from 'node:os';
import { blockedErrors, requireBuiltService, type Workspace } from '../../core/workspace.js';
import type { CheckResult } from '../../core/state/check-state.js';
import type { CheckRef } from '../../operations/checks.js';
import { runCheck } from '../../operations/checks.js';
import { checkMemoryFile, fileCheckMemory } from '../../operations/check-memory.js';
import { defaultPlatform, loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import type { CommandContext } from '../context.js';
import { printErrors, printWarnings } from '../output/report.js';
import { checkDoneEvents, checkLine } from '../output/check-lines.js';
import type { WatchEvent } from '../output/watch-events.js';

/** `dockstage check` options as parsed. */
export interface CheckCommand {
  readonly services: readonly string[];
  readonly json: boolean;
}

/** Exit 1 when a check failed, 2 when a chosen service is blocked (its Dockerfile, its target or checks), else 0. */
export async function runCheckCommand(ctx: CommandContext, options: ProjectOptions, command: CheckCommand): Promise<number> {
  const loaded = await loadWorkspace(options, ctx.loadDeps);
  const workspace = loaded.workspace;
  printWarnings(ctx.io, workspace.warnings);
  const selected = command.services.map((name) => requireBuiltService(workspace, name).name);
  const blocked = blockedErrors(workspace, selected.length === 0 ? undefined : selected);
  const checks = checksOf(workspace, selected);
  const builder = ctx.builder();
  if (checks.length > 0) await builder.info(workspace.config.builder);
  const runtime = await ctx.runtime();
  const memory = fileCheckMemory(ctx.fs, checkMemoryFile(loaded.projectDir, workspace.project.name));
  const platform = defaultPlatform((name) => ctx.env[name]);
  const print = (events: readonly WatchEvent[], failed: boolean) => {
    const time = new Date().toISOString();
    if (command.json) for (const { type, ...rest } of events) ctx.io.stdout.write(`${JSON.stringify({ type, time, ...rest })}\n`);
    else (failed ? ctx.io.stderr : ctx.io.stdout).write(`${checkLine(events[0]!)}\n`);
  };
  if (checks.length === 0 && !command.json)
    ctx.io.stdout.write(
      `no checks in ${workspace.environment.name}${selected.length === 0 ? '' : ` for ${selected.join(', ')}`} (stages named test, tests, check or lint, or x-dockstage.environments.${workspace.environment.name}.checks)\n`,
    );
  const results: CheckResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const check = checks[next++]!;
      const base = { id: `c${next}`, stage: check.stage, services: check.services };
      print(
        check.services.map((service) => ({ type: 'check-start' as const, service, ...base })),
        false,
      );
      const result = await runCheck(workspace, check, { fs: ctx.fs, runtime, builder }, memory, {
        platform,
        builder: workspace.config.builder,
        now: () => Date.now(),
        signal: ctx.interrupts.signal,
      });
      results.push(result);
      print(checkDoneEvents(base, result), !result.passed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, os.availableParallelism()), Math.max(1, checks.length)) }, worker));
  printErrors(ctx.io, blocked);
  if (results.some((result) => !result.passed)) return 1;
  return blocked.length > 0 ? 2 : 0;
}

/** The distinct checks of the chosen services (all when none is named), each with every service sharing it. */
function checksOf(workspace: Workspace, selected: readonly string[]): (CheckRef & { readonly stage: string })[] {
  const byKey = new Map<string, { key: string; stage: string; services: string[] }>();
  for (const service of workspace.services) {
    if (service.build === undefined || (selected.length > 0 && !selected.includes(service.name))) continue;
    for (const check of service.build.checks) {
      const entry = byKey.get(check.key) ?? { key: check.key, stage: check.stage, services: [] };
      entry.services.push(service.name);
      byKey.set(check.key, entry);
    }
  }
  return [...byKey.values()];
}
