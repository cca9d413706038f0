/** `dockstage inputs`: the context files building a stage reads, without any compose file. */
import path from 'node:path';
import { ConfigError, DockstageError } from '../../core/errors.js';
import { parseDockerfile } from '../../core/dockerfile/parse.js';
import { buildStageGraph, describeStages, findStage, stageClosure } from '../../core/dockerfile/stage-graph.js';
import { compileInputs } from '../../core/dockerfile/stage-inputs.js';
import { findContextLinks } from '../../operations/context-links.js';
import { chooseIgnoreFile, compileIgnoreFile } from '../../core/ignore-file.js';
import { filesReadByInputs } from '../../operations/context-files.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../output/report.js';

/** `dockstage inputs` options: paths as typed (resolved against the working directory), `buildArgs` as raw `KEY=VALUE` strings. */
export interface InputsCommand {
  readonly context: string;
  readonly dockerfile: string | undefined;
  readonly target: string | undefined;
  readonly buildArgs: readonly string[];
  readonly json: boolean;
}

/**
 * Prints the main-context files the target's closure reads (default target: the last stage). Needs no compose file and no
 * engine, so it works on a bare Dockerfile.
 */
export async function runInputs(ctx: CommandContext, command: InputsCommand): Promise<number> {
  const contextDir = path.resolve(ctx.cwd, command.context);
  if (!(await ctx.fs.exists(contextDir))) {
    throw new ConfigError(`build context not found: ${command.context}`, {
      location: { file: contextDir },
      hint: 'pass an existing directory to --context',
    });
  }
  const dockerfile = command.dockerfile === undefined ? path.join(contextDir, 'Dockerfile') : path.resolve(ctx.cwd, command.dockerfile);
  const label = path.relative(ctx.cwd, dockerfile) || dockerfile;
  const text = await ctx.fs.readText(dockerfile);
  if (text === null) {
    throw new ConfigError(`Dockerfile not found: ${label}`, {
      location: { file: label },
      hint: 'pass --dockerfile, or create <context>/Dockerfile',
    });
  }
  const buildArgs: Record<string, string> = {};
  for (const pair of command.buildArgs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DockstageError(`--build-arg needs KEY=VALUE, got '${pair}'`, { hint: 'write --build-arg NAME=value' });
    buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const graph = buildStageGraph(parseDockerfile(text, { file: label }), { file: label, buildArgs });
  const stage = command.target === undefined ? graph.stages[graph.stages.length - 1]! : findStage(graph, command.target);
  if (stage === undefined) {
    throw new ConfigError(`unknown target '${command.target}' in ${label}`, {
      location: { file: label },
      hint: `stages: ${describeStages(graph.stages)}`,
    });
  }
  const closure = stageClosure(graph, stage.index);
  const candidates = new Map<string, string | null>();
  for (const candidate of [`${dockerfile}.dockerignore`, path.join(contextDir, '.dockerignore')])
    candidates.set(candidate, await ctx.fs.readText(candidate));
  const ignoreFile = chooseIgnoreFile(dockerfile, contextDir, candidates);
  const { patterns: ignorePatterns, matcher: ignore } =
    ignoreFile === undefined
      ? { patterns: [], matcher: undefined }
      : compileIgnoreFile(candidates.get(ignoreFile)!, path.relative(ctx.cwd, ignoreFile) || ignoreFile);
  const sources = compileInputs(graph, closure)
    .filter((input) => input.context === '.' && !input.parents)
    .map((input) => input.source);
  const links = await findContextLinks(ctx.fs, contextDir, sources);
  const contexts = await filesReadByInputs(
    ctx.fs,
    compileInputs(graph, closure, { '.': links }),
    new Map([['.', contextDir]]),
    ignore,
    ignorePatterns,
  );
  const files = contexts.find((c) => c.context === '.')?.files ?? [];
  const stages = closure.map((index) => graph.stages[index]!.displayName);
  if (command.json) {
    printJson(ctx.io, { target: stage.displayName, stages, files });
  } else {
    for (const file of files) ctx.io.stdout.write(`${file}\n`);
  }
  return 0;
}
