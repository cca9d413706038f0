#!/usr/bin/env node
/**
 * The composition root: parse arguments (commander), build the adapters, run
 * one command. Global options are compose's (`-f`, `-p`, `--project-directory`,
 * `--profile`, `--env-file`) plus `-e/--env`, and may stand before or after the
 * command. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
 *
 * Start-up is on every command's clock, so this file imports only commander:
 * the context (adapters), each command's module (and through it dockerode,
 * yaml, the Dockerfile parser, …) and the error printer are imported when a
 * command runs, one module per command. `--help` and `--version` load nothing
 * else. A new command keeps the shape:
 * `.action(wrap(async (context, options, …) => (await import('./commands/x.js')).runX(context, options, …)))`.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { Io } from './output/report.js';
import type { CommandContext } from './context.js';
import { debugSetting } from '../core/env-variables.js';
import { createInterrupts } from './interrupt.js';
import type { ProjectOptions } from '../operations/load-workspace.js';

const always = () => true;
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** One command's work, given the context and the global options; resolves to the exit code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander hands each command its own argument types
type CommandAction = (context: CommandContext, options: ProjectOptions, ...rest: any[]) => Promise<number>;

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function run(
  argv: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<number> {
  let exitCode = 0;
  const debug = debugSetting((name) => env[name]);
  if (debug.warning !== undefined) (await import('./output/report.js')).printWarnings(io, [debug.warning]);
  const version = packageVersion();
  // Ctrl-C and SIGTERM: a command that runs the engine stops itself and says what it left running; any other stops at
  // once (interrupt.ts). A second Ctrl-C exits at once.
  const interrupts = createInterrupts(io, (code) => void exitNow(io, code));
  const stopListening = interrupts.listen();
  let context: Promise<CommandContext> | undefined;
  const commandContext = () =>
    (context ??= import('./context.js').then(({ createContext }) => createContext({ io, env, cwd, version, interrupts })));
  // commander's error text is held until the parse has failed, so that an unknown command followed by arguments
  // (`logs api`) or options (`plna --changed x`) is reported as the unknown command it is (see unknownCommandIn).
  const commanderOutput: string[] = [];
  const program = buildProgram(
    io,
    version,
    commandContext,
    (code) => (exitCode = code),
    (text) => commanderOutput.push(text),
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    await closeContext(context);
    if (error instanceof CommanderError) {
      const unknown = unknownCommandIn(program, error.code);
      if (unknown !== undefined) return (await import('./output/report.js')).reportError(io, await unknownCommand(program, unknown));
      io.stderr.write(commanderOutput.join(''));
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    const { reportError } = await import('./output/report.js');
    return reportError(io, error, debug.enabled);
  } finally {
    stopListening();
  }
  await closeContext(context);
  return exitCode;
}

/** Ends the run's engine connection (an ssh process and its socket), if a command opened one. */
async function closeContext(context: Promise<CommandContext> | undefined): Promise<void> {
  await (await context?.catch(() => undefined))?.close();
}

/**
 * The unknown command behind a usage error commander raised before the default action could name it: `dockstage logs
 * api` fails as "too many arguments" and `dockstage plna --changed x` as "unknown option". Undefined when the first
 * argument is an option or a command (then commander's own message is the right one).
 */
function unknownCommandIn(program: Command, code: string): string | undefined {
  if (code !== 'commander.excessArguments' && code !== 'commander.unknownOption') return undefined;
  const [first] = program.args;
  if (first === undefined || first.startsWith('-') || first === 'help' || program.commands.some((c) => c.name() === first))
    return undefined;
  return first;
}

/** `unknown command 'NAME'`, with the closest command and the list of them. */
async function unknownCommand(program: Command, name: string): Promise<Error> {
  const names = program.commands.map((c) => c.name());
  const [{ DockstageError }, { didYouMean }] = await Promise.all([import('../core/errors.js'), import('../core/suggest.js')]);
  return new DockstageError(`unknown command '${name}'`, { hint: `${didYouMean(name, names)}commands: ${names.join(', ')}` });
}

function buildProgram(
  io: Io,
  version: string,
  commandContext: () => Promise<CommandContext>,
  setExit: (code: number) => void,
  writeErr: (text: string) => void,
): Command {
  // exitOverride and output settings are inherited by subcommands only when set before they are added.
  const program = new Command('dockstage')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr,
    })
    .description('Multi-stage Dockerfile targets per environment; rebuild only what a change touches.')
    .version(version, '--version')
    .addOption(new Option('-f, --file <file>', 'compose file (repeatable; default: compose discovery, COMPOSE_FILE)').argParser(collect))
    .option('-p, --project-name <name>', 'compose project name')
    .option('--project-directory <dir>', 'compose project directory')
    .addOption(new Option('--profile <profile>', 'compose profile to enable (repeatable)').argParser(collect))
    .addOption(new Option('--env-file <file>', 'compose env file (repeatable)').argParser(collect))
    .option('-e, --env <name>', 'environment (dev, ci, prod or one from x-dockstage)')
    .option('--no-tui', 'dockstage without a command: print the watch output instead of the terminal UI')
    .option('--log-lines <n>', 'terminal UI: log lines kept per service (default 5000)')
    .usage('[options] [command]')
    // The default action (below) would otherwise take `help` for an unknown command.
    .helpCommand(true)
    .showHelpAfterError('(run dockstage --help for usage)');

  /**
   * A command's action; one that works on the compose project (`project`, the default) starts compose before its modules
   * load, and one that needs the engine (`engine`, given the command's own options) starts connecting to it then too:
   * an ssh login overlaps loading the project.
   */
  /* eslint-disable @typescript-eslint/no-explicit-any -- commander's action arguments, typed per command below */
  const wrap =
    (
      action: CommandAction,
      { project = true, engine = () => false }: { project?: boolean; engine?: (local: any, ...rest: any[]) => boolean } = {},
    ) =>
    async (...args: any[]) => {
      /* eslint-enable @typescript-eslint/no-explicit-any */
      const command = args[args.length - 1] as Command;
      const options = projectOptions(command.optsWithGlobals());
      const context = await commandContext();
      if (project) context.prefetchProject(options);
      const positional = args.slice(0, -2);
      if (engine(args[args.length - 2], ...positional)) context.connectEngine();
      setExit(await action(context, options, ...args.slice(0, -1)));
    };

  program
    .command('plan')
    .description('what a change (or staleness) means for each service: rebuild, restart or none, with reasons')
    .addOption(
      new Option('--changed <path>', 'a changed path (repeatable); without it, compare inputs hashes with image labels').argParser(collect),
    )
    .option('--json', 'print JSON')
    .action(
      wrap(
        async (context, options, local: { changed?: string[]; json?: boolean }) =>
          (await import('./commands/plan.js')).runPlan(context, options, { changed: local.changed ?? [], json: local.json === true }),
        { engine: (local: { changed?: string[] }) => (local.changed ?? []).length === 0 },
      ),
    );

  program
    .command('stages [service]')
    .description("each service's stage graph, its target, the inputs of every stage and cache-mount hints")
    .option('--json', 'print JSON (instructions never cut)')
    .option('--no-trunc', 'do not cut long instructions to the terminal width')
    .action(
      wrap(async (context, options, service: string | undefined, local: { json?: boolean; trunc?: boolean }) =>
        (await import('./commands/stages.js')).runStages(context, options, {
          service,
          json: local.json === true,
          noTrunc: local.trunc === false,
        }),
      ),
    );

  program
    .command('inputs')
    .description('the build-context files that building a stage reads (no compose file needed)')
    .requiredOption('--context <dir>', 'build context directory')
    .option('--dockerfile <file>', 'Dockerfile (default: <context>/Dockerfile)')
    .option('--target <stage>', 'stage to build (default: the last stage)')
    .addOption(new Option('--build-arg <key=value>', 'build argument (repeatable)').argParser(collect))
    .option('--json', 'print JSON')
    .action(
      wrap(
        async (context, _options, local: { context: string; dockerfile?: string; target?: string; buildArg?: string[]; json?: boolean }) =>
          (await import('./commands/inputs.js')).runInputs(context, {
            context: local.context,
            dockerfile: local.dockerfile,
            target: local.target,
            buildArgs: local.buildArg ?? [],
            json: local.json === true,
          }),
        { project: false },
      ),
    );

  program
    .command('build [services...]')
    .description("build the environment's targets that are stale (one build per shared build)")
    .option('--push', 'push the tags (and compose image: names) to their registry')
    .option('--stage <stage>', 'build this stage of one service instead of its target (own tag; containers untouched)')
    .option('--no-cache', 'do not use the BuildKit cache')
    .option('--force', 'build even when the image is up to date')
    .option('--builder <name>', 'buildx builder to use (default: x-dockstage.builder or the current one)')
    .option('--json', 'one JSON object per build event')
    .action(
      wrap(
        async (
          context,
          options,
          services: string[],
          local: { push?: boolean; stage?: string; cache?: boolean; force?: boolean; builder?: string; json?: boolean },
        ) =>
          (await import('./commands/build.js')).runBuild(context, options, {
            services,
            push: local.push === true,
            stage: local.stage,
            noCache: local.cache === false,
            force: local.force === true,
            builder: local.builder,
            json: local.json === true,
          }),
        { engine: always },
      ),
    );

  program
    .command('up [services...]')
    .description('build what is stale, then create or recreate the containers with compose')
    .option('--wait', 'wait until services are running or healthy')
    .option('--json', 'one JSON object per event')
    .action(
      wrap(
        async (context, options, services: string[], local: { json?: boolean; wait?: boolean }) =>
          (await import('./commands/up.js')).runUp(context, options, { services, json: local.json === true, wait: local.wait === true }),
        { engine: always },
      ),
    );

  program
    .command('down')
    .description("stop and remove the project's containers and networks (compose down)")
    .option('-v, --volumes', 'remove named volumes too')
    .addOption(
      new Option(
        '--rmi <type>',
        "remove images: local = dockstage's tags in every environment, all = also every image a service names",
      ).choices(['local', 'all']),
    )
    .option('--json', 'print one JSON object')
    .action(
      wrap(
        async (context, options, local: { volumes?: boolean; rmi?: 'local' | 'all'; json?: boolean }) =>
          (await import('./commands/down.js')).runDown(context, options, {
            volumes: local.volumes === true,
            rmi: local.rmi,
            json: local.json === true,
          }),
        { engine: always },
      ),
    );

  program
    .command('status')
    .description('per service: environment, target, image, up to date, container state, health, ports')
    .option('--json', 'print JSON')
    .action(
      wrap(
        async (context, options, local: { json?: boolean }) =>
          (await import('./commands/status.js')).runStatus(context, options, { json: local.json === true }),
        { engine: always },
      ),
    );

  program
    .command('watch')
    .description('bring the project up, then rebuild and replace only what each change affects, until stopped')
    .option('--json', 'one JSON object per line per event')
    .option('--no-prune', 'keep images a replacement superseded')
    .option('--no-sync', 'always rebuild: never copy a changed file into the running container')
    .option('--no-checks', "do not build the environment's check stages (test, lint…) in the background")
    .option('--logs', "the containers' output, service-prefixed (default without --json; with --json: log events)")
    .option('--no-logs', "hide the containers' output")
    .action(
      wrap(
        async (context, options, local: { json?: boolean; prune?: boolean; sync?: boolean; checks?: boolean; logs?: boolean }) =>
          (await import('./commands/watch.js')).runWatch(context, options, {
            json: local.json === true,
            prune: local.prune !== false,
            sync: local.sync !== false,
            checks: local.checks !== false,
            logs: local.logs,
          }),
        { engine: always },
      ),
    );

  program
    .command('check [services...]')
    .description("build the environment's check stages (test, lint…) that have no remembered pass; exit 1 if one fails")
    .option('--json', 'one JSON object per check event')
    .action(
      wrap(
        async (context, options, services: string[], local: { json?: boolean }) =>
          (await import('./commands/check.js')).runCheckCommand(context, options, { services, json: local.json === true }),
        { engine: always },
      ),
    );

  program
    .command('env [name]')
    .description('show the environments, or switch to one (build stale targets, recreate what changed)')
    .option('--json', 'print JSON')
    .action(
      wrap(
        async (context, options, name: string | undefined, local: { json?: boolean }) =>
          (await import('./commands/env.js')).runEnv(context, options, { name, json: local.json === true }),
        { engine: (_local: unknown, name: string | undefined) => name !== undefined },
      ),
    );

  program.argument('[command]').action(
    wrap(
      async (context, options, unknown: string | undefined) => {
        if (unknown !== undefined) throw await unknownCommand(program, unknown);
        // On a terminal, the interactive UI; otherwise (a pipe, CI, --no-tui) the headless watch output.
        const globals = program.opts<{ tui?: boolean; logLines?: string }>();
        const logLines = globals.logLines === undefined ? 5_000 : Number(globals.logLines);
        if (!Number.isInteger(logLines) || logLines < 100) {
          const { DockstageError } = await import('../core/errors.js');
          throw new DockstageError(`--log-lines must be a whole number of at least 100, not '${globals.logLines}'`);
        }
        context.prefetchProject(options);
        context.connectEngine();
        if (globals.tui !== false && context.io.stdout.isTTY === true && process.stdin.isTTY === true) {
          return await (await importTui()).runTui(context, options, { logLines, prune: true, sync: true });
        }
        return await (await import('./commands/watch.js')).runWatch(context, options, { json: false, prune: true, sync: true });
      },
      { project: false },
    ),
  );
  return program;
}

/**
 * The TUI with React's production build: the development build keeps debug data for every element it rendered and
 * grows without bound under a log flood. NODE_ENV is set only while React loads (it picks its build then), so the
 * compose and buildx processes started later never see it.
 */
async function importTui(): Promise<typeof import('./commands/tui.js')> {
  // ink also decides once, when it loads, whether it runs "in CI" (CI or CONTINUOUS_INTEGRATION set) and then draws
  // nothing until it exits. The TUI opens only on a terminal, so someone is looking: it hides those while ink loads.
  const saved = { NODE_ENV: process.env['NODE_ENV'], CI: process.env['CI'], CONTINUOUS_INTEGRATION: process.env['CONTINUOUS_INTEGRATION'] };
  process.env['NODE_ENV'] = 'production';
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  try {
    return await import('./commands/tui.js');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
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

/** dockstage's version from its package.json ('0.0.0' when unreadable). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
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

/** Ends the process with `code` once what was written so far is out (a forced exit after a second Ctrl-C). */
async function exitNow(io: Io, code: number): Promise<void> {
  const streams = [io.stdout, io.stderr].filter(
    (stream): stream is NodeJS.WriteStream => stream === process.stdout || stream === process.stderr,
  );
  await Promise.race([Promise.all(streams.map(flushed)), new Promise((resolve) => setTimeout(resolve, 200).unref())]);
  process.exit(code);
}

/** Resolves once everything written to the stream so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

if (isMain()) {
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  // The command is done when run() returns. Exit now rather than when the event loop empties: the docker-compose
  // package keeps a 500 ms timer after every compose process, which would otherwise hold the process open.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
