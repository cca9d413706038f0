/** `dockstage stages [SERVICE]`: the stage graph, target, inputs of each stage, cache hints. */
import { cacheHints } from '../../core/dockerfile/cache-hints.js';
import { blockedErrors, relativeLabel, requireBuiltService, type ServiceModel, type Workspace } from '../../core/workspace.js';
import { DockstageErrors } from '../../core/errors.js';
import { filesReadByBuild } from '../../operations/context-files.js';
import { loadWorkspace, type ProjectOptions } from '../../operations/load-workspace.js';
import type { FileSystem } from '../../ports/file-system.js';
import { stageTree } from '../../ui/text/stage-tree.js';
import type { CommandContext } from '../context.js';
import { columns, printJson, printWarnings, terminalWidth } from '../output/report.js';
import { ellipsize, textWidth, wrapWords } from '../../ui/text/fit-width.js';
import { compileInputs, filesRead } from '../../core/dockerfile/stage-inputs.js';

/**
 * Reports every service that builds, or only the named one (which must have `build:`). Reads Dockerfiles and context
 * files only: no engine call. A blocked service among those reported makes the command print only the problems (exit 2).
 */
export async function runStages(
  ctx: CommandContext,
  options: ProjectOptions,
  command: { service: string | undefined; json: boolean; noTrunc?: boolean },
): Promise<number> {
  const { workspace } = await loadWorkspace(options, ctx.loadDeps);
  printWarnings(ctx.io, workspace.warnings);
  const selected =
    command.service === undefined
      ? workspace.services.filter((service) => service.build !== undefined)
      : [requireBuiltService(workspace, command.service)];
  const blocked = blockedErrors(workspace, command.service === undefined ? undefined : [command.service]);
  if (blocked.length > 0) throw new DockstageErrors(blocked);
  const reports = await Promise.all(selected.map((service) => stageReport(ctx.fs, workspace, service)));
  if (command.json) {
    printJson(ctx.io, {
      project: workspace.project.name,
      environment: workspace.environment.name,
      services: reports.map(({ shown: _shown, ...report }) => report),
    });
  } else {
    const width = command.noTrunc === true ? undefined : terminalWidth(ctx.io);
    ctx.io.stdout.write(reports.map((report) => formatReport(report, width)).join('\n'));
  }
  return 0;
}

/** One service's stage report (the JSON shape of `stages --json`). */
export interface StageReport {
  readonly name: string;
  readonly dockerfile: string;
  readonly target: string;
  readonly targetSource: string;
  readonly ignoreFile: string | null;
  readonly stages: readonly {
    readonly index: number;
    readonly name: string;
    readonly base: { readonly stage: string } | { readonly image: string } | { readonly scratch: true };
    readonly line: number;
    readonly inTarget: boolean;
    /** A check stage in this environment (built in the background by `watch`, and by `dockstage check`). */
    readonly check: boolean;
    readonly dependsOn: readonly { readonly stage: string; readonly kind: string; readonly line: number }[];
    /** One entry per instruction that reads a context, with its sources and the files they match. */
    readonly inputs: readonly {
      readonly context: string;
      readonly sources: readonly string[];
      readonly instruction: string;
      readonly line: number;
      readonly files: readonly string[];
    }[];
  }[];
  readonly external: readonly { readonly stage: string; readonly kind: string; readonly ref: string; readonly line: number }[];
  readonly hints: readonly { readonly stage: string; readonly line: number; readonly tool: string; readonly mount: string }[];
  readonly tree: readonly {
    readonly label: string;
    readonly stage: number;
    readonly inTarget: boolean;
    readonly isTarget: boolean;
    readonly extra: string;
  }[];
}

async function stageReport(fs: FileSystem, workspace: Workspace, service: ServiceModel): Promise<StageReport & { readonly shown: string }> {
  const build = service.build!;
  const graph = build.graph;
  const all = graph.stages.map((stage) => stage.index);
  // Files per input across all stages (not only the closure), so the report shows what each stage would read.
  const allInputs = compileInputs(graph, all, build.links);
  const contexts = await filesReadByBuild(fs, { ...build, inputs: allInputs });
  const filesOf = (input: (typeof allInputs)[number]) => {
    const context = contexts.find((c) => c.context === input.context);
    return context === undefined ? [] : filesRead(context.files, input.context, [input], input.context === '.' ? build.ignore : undefined);
  };
  const name = (index: number) => graph.stages[index]!.displayName;
  return {
    name: service.name,
    dockerfile: build.dockerfileLabel,
    target: build.target,
    targetSource: build.targetSource,
    ignoreFile: build.ignoreFile === undefined ? null : relativeLabel(workspace.projectDir, build.ignoreFile),
    stages: graph.stages.map((stage) => ({
      index: stage.index,
      name: stage.displayName,
      base:
        stage.base.kind === 'stage'
          ? { stage: name(stage.base.stage) }
          : stage.base.kind === 'image'
            ? { image: stage.base.ref }
            : { scratch: true as const },
      line: stage.line,
      inTarget: build.closure.includes(stage.index),
      check: build.checks.some((check) => check.stageIndex === stage.index),
      dependsOn: graph.edges.filter((e) => e.stage === stage.index).map((e) => ({ stage: name(e.dependsOn), kind: e.kind, line: e.line })),
      inputs: groupByInstruction(allInputs.filter((input) => input.stage === stage.index)).map((group) => ({
        context: group[0]!.context,
        sources: group.map((input) => input.source),
        instruction: group[0]!.instruction,
        line: group[0]!.line,
        files: [...new Set(group.flatMap(filesOf))].sort(),
      })),
    })),
    external: graph.external.map((ref) => ({ stage: name(ref.stage), kind: ref.kind, ref: ref.ref, line: ref.line })),
    hints: cacheHints(graph).map((hint) => ({ stage: name(hint.stage), line: hint.line, tool: hint.tool, mount: hint.mount })),
    tree: stageTree(graph, build.closure, build.targetStage),
    shown: `${service.name} · ${build.dockerfileLabel} · target ${build.target} (${workspace.environment.name}, ${build.targetSource})`,
  };
}

function groupByInstruction<T extends { readonly line: number; readonly context: string }>(inputs: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const input of inputs) {
    const key = `${input.line}:${input.context}`;
    groups.set(key, [...(groups.get(key) ?? []), input]);
  }
  return [...groups.values()];
}

/**
 * The text report. With a `width` (a terminal), every line fits it: instructions
 * and base images are cut with `…` (the stage status and file counts stay), hints
 * wrap. Without one, nothing is cut.
 */
export function formatReport(report: StageReport & { readonly shown: string }, width?: number): string {
  const fit = (text: string) => (width === undefined ? text : ellipsize(text, width));
  const lines = [fit(report.shown)];
  const treeRows = report.tree.map((row) => {
    const stage = report.stages[row.stage]!;
    const status = row.isTarget ? '◀ target' : row.inTarget ? '' : stage.check ? '· check' : '· not in target';
    const base = 'image' in stage.base ? `FROM ${stage.base.image}` : 'scratch' in stage.base ? 'FROM scratch' : '';
    return { cells: [row.label, `line ${stage.line}`], detail: [base, row.extra].filter((part) => part !== '').join('  '), status };
  });
  const treeFixed = 2 + widest(treeRows.map((row) => row.cells[0]!)) + 2 + widest(treeRows.map((row) => row.cells[1]!)) + 2;
  lines.push(
    ...columns(
      treeRows.map(({ cells, detail, status }) => {
        const room = width === undefined ? undefined : width - treeFixed - (status === '' ? 0 : textWidth(status) + 2);
        const shown = room === undefined ? detail : ellipsize(detail, Math.max(room, 0));
        return [...cells, [shown, status].filter((part) => part !== '').join('  ')];
      }),
      '  ',
    ).map(fit),
  );
  for (const stage of report.stages) {
    if (stage.inputs.length === 0) continue;
    lines.push(fit(`  ${stage.name} reads:`));
    const rows = stage.inputs.map((input) => [
      `line ${input.line}`,
      input.instruction,
      `${input.files.length} file${input.files.length === 1 ? '' : 's'}${input.context === '.' ? '' : ` from context '${input.context}'`}`,
    ]);
    // The instruction column gets what the line number and the file count leave.
    const room =
      width === undefined ? undefined : width - (4 + widest(rows.map((row) => row[0]!)) + 2 + 2 + widest(rows.map((row) => row[2]!)));
    const fitted =
      room === undefined ? rows : rows.map(([line, instruction, files]) => [line!, ellipsize(instruction!, Math.max(room, 8)), files!]);
    lines.push(...columns(fitted, '    ').map(fit));
  }
  for (const hint of report.hints) {
    const text = `hint: ${hint.stage}, line ${hint.line}: ${hint.tool} downloads again on every rebuild; add ${hint.mount} to that RUN`;
    lines.push(...(width === undefined ? [text] : wrapWords(text, width - 2, '      ')).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

function widest(cells: readonly string[]): number {
  return Math.max(0, ...cells.map(textWidth));
}
