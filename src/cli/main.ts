#!/usr/bin/env node
/**
 * The composition root: parse arguments (commander), build the adapters, run
 * one command. Global options are compose's (`-f`, `-p`, `--project-directory`,
 * `--profile`, `--env-file`) plus `-e/--env`, and may stand before or after the
 * command. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { reportError, type Io } from './output.js';
import { createContext, type CommandContext } from './context.js';
import { runStages } from './commands/stages.js';
import { runInputs } from './commands/inputs.js';
import { runPlan } from './commands/plan.js';
import { runBuild } from './commands/build.js';
import { runDown, runUp } from './commands/up.js';
import { runEnv } from './commands/env.js';
import { runStatus } from './commands/status.js';
import type { ProjectOptions } from '../engine/load-workspace.js';
import { DockstageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<number> {
  let exitCode = 0;
  const context = createContext({ io, env, cwd });
  const program = buildProgram(context, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    return reportError(io, error);
  }
  return exitCode;
}

function buildProgram(context: CommandContext, setExit: (code: number) => void): Command {
  // exitOverride and output settings are inherited by subcommands only when set before they are added.
  const program = new Command('dockstage')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .description('Multi-stage Dockerfile targets per environment; rebuild only what a change touches.')
    .version(context.version, '--version')
    .addOption(new Option('-f, --file <file>', 'compose file (repeatable; default: compose discovery, COMPOSE_FILE)').argParser(collect))
    .option('-p, --project-name <name>', 'compose project name')
    .option('--project-directory <dir>', 'compose project directory')
    .addOption(new Option('--profile <profile>', 'compose profile to enable (repeatable)').argParser(collect))
    .addOption(new Option('--env-file <file>', 'compose env file (repeatable)').argParser(collect))
    .option('-e, --env <name>', 'environment (dev, ci, prod or one from x-dockstage)')
    .option('--no-tui', 'dockstage without a command: print the watch output instead of the terminal UI')
    .option('--log-lines <n>', 'terminal UI: log lines kept per service (default 5000)')
    .usage('[options] [command]')
    .showHelpAfterError('(run dockstage --help for usage)');

  const wrap = (action: (options: ProjectOptions, ...rest: any[]) => Promise<number>) =>
    async (...args: any[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals();
      setExit(await action(projectOptions(globals), ...args.slice(0, -1)));
    };

  program
    .command('plan')
    .description('what a change (or staleness) means for each service: rebuild, restart or none, with reasons')
    .addOption(new Option('--changed <path>', 'a changed path (repeatable); without it, compare inputs hashes with image labels').argParser(collect))
    .option('--json', 'print JSON')
    .action(wrap((options, local: { changed?: string[]; json?: boolean }) => runPlan(context, options, { changed: local.changed ?? [], json: local.json === true })));

  program
    .command('stages [service]')
    .description("each service's stage graph, its target, the inputs of every stage and cache-mount hints")
    .option('--json', 'print JSON')
    .action(wrap((options, service: string | undefined, local: { json?: boolean }) => runStages(context, options, { service, json: local.json === true })));

  program
    .command('inputs')
    .description('the build-context files that building a stage reads (no compose file needed)')
    .requiredOption('--context <dir>', 'build context directory')
    .option('--dockerfile <file>', 'Dockerfile (default: <context>/Dockerfile)')
    .option('--target <stage>', 'stage to build (default: the last stage)')
    .addOption(new Option('--build-arg <key=value>', 'build argument (repeatable)').argParser(collect))
    .option('--json', 'print JSON')
    .action(wrap((_options, local: { context: string; dockerfile?: string; target?: string; buildArg?: string[]; json?: boolean }) =>
      runInputs(context, { context: local.context, dockerfile: local.dockerfile, target: local.target, buildArgs: local.buildArg ?? [], json: local.json === true })));

  program
    .command('build [services...]')
    .description("build the environment's targets that are stale (one build per shared build)")
    .option('--push', 'push the tags (and compose image: names) to their registry')
    .option('--stage <stage>', 'build this stage of one service instead of its target (own tag; containers untouched)')
    .option('--no-cache', 'do not use the BuildKit cache')
    .option('--force', 'build even when the image is up to date')
    .option('--builder <name>', 'buildx builder to use (default: x-dockstage.builder or the current one)')
    .option('--json', 'one JSON object per build event')
    .action(wrap((options, services: string[], local: { push?: boolean; stage?: string; cache?: boolean; force?: boolean; builder?: string; json?: boolean }) =>
      runBuild(context, options, { services, push: local.push === true, stage: local.stage, noCache: local.cache === false, force: local.force === true, builder: local.builder, json: local.json === true })));

  program
    .command('up [services...]')
    .description('build what is stale, then create or recreate the containers with compose')
    .option('--wait', 'wait until services are running or healthy')
    .option('--json', 'one JSON object per event')
    .action(wrap((options, services: string[], local: { json?: boolean; wait?: boolean }) => runUp(context, options, { services, json: local.json === true, wait: local.wait === true })));

  program
    .command('down')
    .description("stop and remove the project's containers and networks (compose down)")
    .option('-v, --volumes', 'remove named volumes too')
    .action(wrap((options, local: { volumes?: boolean }) => runDown(context, options, { volumes: local.volumes === true })));

  program
    .command('status')
    .description('per service: environment, target, image, up to date, container state, health, ports')
    .option('--json', 'print JSON')
    .action(wrap((options, local: { json?: boolean }) => runStatus(context, options, { json: local.json === true })));

  program
    .command('watch')
    .description('bring the project up, then rebuild and replace only what each change affects, until stopped')
    .option('--json', 'one JSON object per line per event')
    .option('--no-prune', 'keep images a replacement superseded')
    .action(wrap(async (options, local: { json?: boolean; prune?: boolean }) => {
      const { runWatch } = await import('./commands/watch.js');
      return runWatch(context, options, { json: local.json === true, prune: local.prune !== false });
    }));

  program
    .command('env [name]')
    .description('show the environments, or switch to one (build stale targets, recreate what changed)')
    .option('--json', 'print JSON')
    .action(wrap((options, name: string | undefined, local: { json?: boolean }) => runEnv(context, options, { name, json: local.json === true })));

  program.argument('[command]').action(
    wrap(async (options, unknown: string | undefined) => {
      if (unknown !== undefined) {
        const names = program.commands.map((c) => c.name());
        throw new DockstageError(`unknown command '${unknown}'`, { hint: `${didYouMean(unknown, names)}commands: ${names.join(', ')}` });
      }
      // On a terminal, the interactive UI; otherwise (a pipe, CI, --no-tui) the headless watch output.
      const globals = program.opts<{ tui?: boolean; logLines?: string }>();
      const logLines = globals.logLines === undefined ? 5_000 : Number(globals.logLines);
      if (!Number.isInteger(logLines) || logLines < 100) throw new DockstageError(`--log-lines must be a whole number of at least 100, not '${globals.logLines}'`);
      if (globals.tui !== false && context.io.stdout.isTTY === true && process.stdin.isTTY === true) {
        const { runTui } = await importTui();
        return await runTui(context, options, { logLines, prune: true });
      }
      const { runWatch } = await import('./commands/watch.js');
      return await runWatch(context, options, { json: false, prune: true });
    }),
  );
  return program;
}

/**
 * The TUI with React's production build: the development build keeps debug data for every element it rendered and
 * grows without bound under a log flood. NODE_ENV is set only while React loads (it picks its build then), so the
 * compose and buildx processes started later never see it.
 */
async function importTui(): Promise<typeof import('./commands/tui.js')> {
  const before = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    return await import('./commands/tui.js');
  } finally {
    if (before === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = before;
  }
}

function projectOptions(globals: Record<string, unknown>): ProjectOptions {
  return {
    files: (globals['file'] as string[] | undefined) ?? [],
    projectName: globals['projectName'] as string | undefined,
    projectDirectory: globals['projectDirectory'] as string | undefined,
    profiles: (globals['profile'] as string[] | undefined) ?? [],
    envFiles: (globals['envFile'] as string[] | undefined) ?? [],
    environment: globals['env'] as string | undefined,
  };
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
}
