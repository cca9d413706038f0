/**
 * The ComposeCli port: one `docker compose …` process per call, spawned with
 * argument arrays (no shell strings).
 *
 * The calls a user waits on while working (`config`, `up`, `stop`/`start`/
 * `restart`) spawn compose themselves (compose-process.ts): the
 * `docker-compose` npm package settles every call 500 ms after compose exits
 * and costs ~25 ms to load. `down` goes through the package (its v2 API),
 * imported on first use: it runs when leaving, where half a second is not on
 * anyone's edit → served clock.
 */
import type * as ComposePackage from 'docker-compose';
import type { ComposeCli, ComposeTarget } from '../../ports/compose-cli.js';
import { composeConfig, globalArgs, runCompose, toError } from './compose-process.js';

/** How the compose processes run; the CLI passes its own environment so compose sees the same DOCKER_HOST and COMPOSE_* variables as dockstage. */
export interface ComposeCliOptions {
  /** Environment for the compose process (defaults to this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each chunk compose prints (progress of up/down), for logs and the UI. */
  readonly onOutput?: (text: string) => void;
}

/** The ComposeCli port; every call is one `docker compose` process. */
export function createComposeCli(options: ComposeCliOptions = {}): ComposeCli {
  let loaded: Promise<typeof ComposePackage> | undefined;
  const composePackage = () => (loaded ??= import('docker-compose'));
  const base = (target: ComposeTarget): ComposePackage.IDockerComposeOptions => ({
    config: [...target.files],
    composeOptions: globalArgs(target),
    ...(target.projectDirectory === undefined ? {} : { cwd: target.projectDirectory }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.onOutput === undefined ? {} : { callback: (chunk: Buffer) => options.onOutput!(chunk.toString('utf8')) }),
  });
  const run = async <T>(command: string, exitCode: 1 | 2, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw toError(command, error, exitCode);
    }
  };
  return {
    async config(target) {
      return await composeConfig(target, options);
    },
    async up(target, services, upOptions = {}) {
      const args = ['--no-build'];
      if (upOptions.noDeps === true) args.push('--no-deps');
      if (upOptions.forceRecreate === true) args.push('--force-recreate');
      if (upOptions.wait === true) args.push('--wait');
      await runCompose(target, 'up', [...args, '-d', ...services], options);
    },
    async down(target, downOptions = {}) {
      const commandOptions: string[] = [];
      if (downOptions.volumes === true) commandOptions.push('--volumes');
      const compose = await composePackage();
      await run('down', 1, () => compose.down({ ...base(target), commandOptions }));
    },
    async lifecycle(target, command, services) {
      await runCompose(target, command, services, options);
    },
  } satisfies ComposeCli;
}
