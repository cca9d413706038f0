/**
 * What one engine run is asked to do, decided once by the command from its flags and the config, and read where it
 * is used. One object instead of each flag threaded through the command, the engine and its subscribers.
 */
import os from 'node:os';
import type { EngineMode } from '../core/state/engine-state.js';

/** How builds run: the same for every build of the run. */
export interface BuildSettings {
  /** The engine's platform, preferred when a service lists several. */
  readonly platform: string;
  /** `--builder`, else the config's; undefined for buildx's current builder. */
  readonly builder: string | undefined;
  /** Build even when an image with the same inputs exists (`build --force`); BuildKit's cache still serves. */
  readonly force: boolean;
  /** `--no-cache`. */
  readonly noCache: boolean;
}

export interface RunSettings {
  readonly mode: EngineMode;
  /** The services to work on (with their dependencies already added for `up`); undefined or empty for all. */
  readonly services: readonly string[] | undefined;
  /** For `switch`: the environment being left (the new one is the loaded workspace's). */
  readonly switchFrom: string | undefined;
  readonly build: BuildSettings;
  /** `up --wait`: wait until the services are healthy. */
  readonly wait: boolean;
  /** Remove the images a new build supersedes (`--no-prune` keeps them). */
  readonly prune: boolean;
  /** Live sync (`watch` only; `--no-sync` or `x-dockstage.watch.sync: false` turn it off). */
  readonly sync: boolean;
  /** Build the environment's checks in the background (`watch` only; `--no-checks` turns it off). */
  readonly checks: boolean;
  /** How many builds run at once. */
  readonly concurrency: number;
}

/** What a command says; everything else takes its default. */
export type RunSettingsInput = Pick<RunSettings, 'mode'> &
  Partial<Omit<RunSettings, 'mode' | 'build'>> & { readonly build?: Partial<BuildSettings> };

/** The settings with defaults filled in: all services, reuse fresh images, prune, sync, one build per core. */
export function runSettings(
  input: RunSettingsInput,
  defaults: { readonly platform: string; readonly builder: string | undefined },
): RunSettings {
  return {
    mode: input.mode,
    services: input.services,
    switchFrom: input.switchFrom,
    build: {
      platform: input.build?.platform ?? defaults.platform,
      builder: input.build?.builder ?? defaults.builder,
      force: input.build?.force ?? false,
      noCache: input.build?.noCache ?? false,
    },
    wait: input.wait ?? false,
    prune: input.prune ?? true,
    sync: input.sync ?? true,
    checks: input.checks ?? true,
    concurrency: input.concurrency ?? os.availableParallelism(),
  };
}
