/**
 * The plan view (`p`): for each service, what an edit would trigger and why,
 * read from the workspace: the stages its target builds, every instruction
 * whose sources rebuild it, whether live sync can take edits instead (the
 * coarse rule: the target stage copies them from the context and runs nothing
 * after; the engine asks the Dockerfile per batch), the files that reload the
 * project, shared builds, bind mounts and dependencies that restart it. Pure.
 */
import type { EngineState } from '../core/state/engine-state.js';
import { closureStageNames, relativeLabel, sharedBuilds, type BuildModel } from '../core/workspace.js';

/** One service in the plan view. */
export interface PlanEntry {
  readonly name: string;
  /** `develop (base → develop)` or `image busybox:latest`. */
  readonly summary: string;
  readonly lines: readonly string[];
}

/** Every service of the loaded workspace, in table order. */
export function planView(state: EngineState): PlanEntry[] {
  const workspace = state.workspace;
  if (workspace === undefined) return [];
  const label = (file: string) => relativeLabel(workspace.projectDir, file);
  return workspace.services.map((model) => {
    const lines: string[] = [];
    const build = model.build;
    if (model.blocked.length > 0) {
      return { name: model.name, summary: 'blocked', lines: model.blocked.map((e) => `✗ ${e.message.split('\n')[0]}`) };
    }
    if (build === undefined) {
      lines.push('never rebuilt: compose runs the image as it is');
    } else {
      const context = build.contextDir === undefined ? '' : `${label(build.contextDir)}/`;
      for (const input of build.inputs) {
        const stage = build.graph.stages[input.stage]!.displayName;
        const where = input.context === '.' ? `${context}${input.source.replace(/^\.\//, '')}` : `${input.context}:${input.source}`;
        lines.push(`rebuild on ${where} → ${input.instruction} (${stage}, line ${input.line})`);
      }
      if (state.sync) lines.push(syncLine(build));
      const reloads = [build.dockerfileLabel, ...(build.ignoreFile === undefined ? [] : [label(build.ignoreFile)])];
      lines.push(`reload and rebuild on ${reloads.join(', ')}`);
      const shared = sharedBuilds(workspace, model.name);
      if (shared.length > 0) lines.push(`one build with ${shared.join(', ')}`);
    }
    if (model.onChange === 'restart')
      for (const mount of model.bindMounts) lines.push(`restart on ${label(mount.source)} (bind mount at ${mount.target})`);
    const restartsOn = model.dependsOn.filter((d) => d.restart).map((d) => d.service);
    if (restartsOn.length > 0) lines.push(`restart when ${restartsOn.join(', ')} is rebuilt (depends_on restart: true)`);
    const summary = build === undefined ? `image ${model.image ?? '-'}` : `${build.target} (${closureStageNames(build).join(' → ')})`;
    return { name: model.name, summary, lines };
  });
}

/** Whether edits the target stage copies can be live-synced, by the coarse rule; the first RUN after a COPY says why not. */
function syncLine(build: BuildModel): string {
  const stage = build.graph.stages[build.targetStage]!;
  const copies = build.inputs.filter((input) => input.stage === build.targetStage && input.context === '.' && input.keyword !== 'RUN');
  const first = copies[0];
  if (first === undefined) return `live sync: never (${stage.displayName} copies nothing from the context: edits rebuild)`;
  const run = stage.instructions.find((instruction) => instruction.keyword === 'RUN' && instruction.startLine > first.line);
  if (run !== undefined) return `live sync: never (RUN at line ${run.startLine} runs after ${first.instruction}, line ${first.line})`;
  return `live sync: edits copied by ${stage.displayName} (${copies.map((c) => `line ${c.line}`).join(', ')}) go into the running container; the image is rebuilt behind`;
}
