/**
 * Environments and targets: which stage each service builds in `dev`, `ci`,
 * `prod` or any environment the `x-dockstage` block defines.
 *
 * Precedence per service (DESIGN.md): the environment's config for the service
 * > the environment's default target (when this Dockerfile has that stage) >
 * the naming convention > the compose file's own `build.target` > the last stage.
 */
import type { ComposeProject } from './compose/project.js';
import { describeStages, findStage, type StageGraph } from './dockerfile/stage-graph.js';
import { didYouMean, didYouMeanEnvironment } from './suggest.js';
import { isRecord, sortedEntries } from './order.js';

/** What a change under a bind mount does to the running service: nothing (the app reloads itself) or a restart, never a rebuild. */
export type OnChange = 'none' | 'restart';

/**
 * One service's settings in an environment; a field that is set wins over the environment's default (for `image`, over
 * dockstage's own tag), undefined inherits.
 */
export interface ServiceEnvironmentConfig {
  readonly target: string | undefined;
  readonly image: string | undefined;
  readonly onChange: OnChange | undefined;
  /** Check stages of this service in this environment (`checks: [test, lint]`); undefined inherits, `[]` means none. */
  readonly checks?: readonly string[] | undefined;
}

/** One environment, configured or built in; `name` is what `-e` and `dockstage env` take. */
export interface EnvironmentConfig {
  readonly name: string;
  /** Default target for every service of this environment. */
  readonly target: string | undefined;
  /** What a change under a bind mount does (the app usually reloads itself: `none`). */
  readonly onChange: OnChange;
  readonly services: Readonly<Record<string, ServiceEnvironmentConfig>>;
  /** Check stages (`checks: [test, lint]`) for every service whose Dockerfile has them; undefined: the convention. */
  readonly checks?: readonly string[] | undefined;
}

/** The parsed `x-dockstage` block with defaults filled in, so callers never check for absent keys. */
export interface DockstageConfig {
  readonly defaultEnvironment: string;
  /** Environments sorted by name; dev, ci and prod always exist. */
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
  /** A buildx builder to build with instead of the current one. */
  readonly builder: string | undefined;
  /** `x-dockstage.watch`: how changes are batched, whether live sync is on, how each service reloads after a sync. */
  readonly watch: WatchConfig;
  /**
   * `x-dockstage.remote` (or `remote.engine`): whether the engine is remote, when the endpoint alone cannot tell (absent:
   * decided from the endpoint).
   */
  readonly remote?: boolean;
  /**
   * `x-dockstage.remote.bind_mounts`: what a remote engine does with bind mounts of project files: `warn` (the default:
   * one warning per service) or `sync` (dropped from the override, the target kept equal to the local source).
   */
  readonly remoteBindMounts?: 'warn' | 'sync';
}

/** How a service picks up files written into its container by live sync. */
export type ReloadMode = 'restart' | 'none' | { readonly signal: string };

/** `x-dockstage.watch`. */
export interface WatchConfig {
  /** A batch of changes closes after this much quiet (ms). */
  readonly quietMs: number;
  /** …or this long after its first change (ms), whatever comes. */
  readonly maxMs: number;
  /** The quiet time of a batch live sync may take (ms): a second sync costs little, a second build much. */
  readonly syncQuietMs: number;
  /** Live sync (copy a changed file into the running container instead of rebuilding, where provably the same). */
  readonly sync: boolean;
  /** Per service; `restart` when absent. */
  readonly reload: Readonly<Record<string, ReloadMode>>;
}

/** The watch settings when `x-dockstage.watch` says nothing. */
export const DEFAULT_WATCH: WatchConfig = { quietMs: 100, maxMs: 2000, syncQuietMs: 20, sync: true, reload: {} };

/** A problem in the config with the path it concerns (`x-dockstage.environments.dev.target`). */
export interface ConfigIssue {
  readonly message: string;
  readonly path: string;
  readonly hint?: string;
  /** The one service the problem concerns, when it concerns only one: that service is blocked, the others go on. */
  readonly service?: string;
}

/**
 * A parse that never throws: `value` is always there (defaults where the input was bad), so callers can collect every
 * problem before deciding to stop.
 */
export interface ConfigResult<T> {
  readonly value: T;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

/** Environments that always exist, each with a stage-name convention, so a project works without any `x-dockstage`. */
export const BUILTIN_ENVIRONMENTS = ['dev', 'ci', 'prod'] as const;

/** Stage names tried, in order, for the built-in environments. */
export const CONVENTIONS: Readonly<Record<string, readonly string[]>> = {
  dev: ['develop', 'development', 'dev'],
  ci: ['builder', 'build'],
  prod: ['production', 'prod', 'release', 'runtime'],
};

const ROOT = 'x-dockstage';

/** Reads the `x-dockstage` extension (undefined when absent). Never throws: problems come back as errors. */
export function parseDockstageConfig(raw: unknown): ConfigResult<DockstageConfig> {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const root = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(root)) {
    errors.push({ message: 'x-dockstage must be a mapping', path: ROOT, hint: 'see the config reference in the README' });
    return { value: defaultsOnly(), errors, warnings };
  }
  warnUnknownKeys(root, ['default', 'environments', 'builder', 'watch', 'remote'], ROOT, warnings);

  const environments: Record<string, EnvironmentConfig> = {};
  for (const name of BUILTIN_ENVIRONMENTS) environments[name] = emptyEnvironment(name);
  const envs = root['environments'];
  if (envs !== undefined && !isRecord(envs)) {
    errors.push({ message: 'environments must be a mapping of environment name to settings', path: `${ROOT}.environments` });
  } else if (envs !== undefined) {
    for (const [name, value] of Object.entries(envs)) {
      const path = `${ROOT}.environments.${name}`;
      if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
        errors.push({ message: `environment name '${name}' must be lower-case letters, digits, '-' or '_'`, path });
        continue;
      }
      environments[name] = parseEnvironment(name, value ?? {}, path, errors, warnings);
    }
  }

  let defaultEnvironment = 'dev';
  if (root['default'] !== undefined) {
    if (typeof root['default'] !== 'string' || environments[root['default']] === undefined) {
      errors.push({
        message: `default environment '${String(root['default'])}' is not defined`,
        path: `${ROOT}.default`,
        hint: `use one of: ${Object.keys(environments).sort().join(', ')}`,
      });
    } else {
      defaultEnvironment = root['default'];
    }
  }
  let builder: string | undefined;
  if (root['builder'] !== undefined) {
    if (typeof root['builder'] === 'string' && root['builder'] !== '') builder = root['builder'];
    else errors.push({ message: 'builder must be the name of a buildx builder', path: `${ROOT}.builder` });
  }
  const watch = parseWatch(root['watch'], `${ROOT}.watch`, errors, warnings);
  const { remote, bindMounts } = parseRemote(root['remote'], `${ROOT}.remote`, errors, warnings);
  return {
    value: {
      defaultEnvironment,
      environments: sortKeys(environments),
      builder,
      watch,
      ...(remote === undefined ? {} : { remote }),
      ...(bindMounts === undefined ? {} : { remoteBindMounts: bindMounts }),
    },
    errors,
    warnings,
  };
}

/** `remote: true|false`, or `remote: { engine: remote|local, bind_mounts: warn|sync }`. */
function parseRemote(
  value: unknown,
  path: string,
  errors: ConfigIssue[],
  warnings: ConfigIssue[],
): { remote: boolean | undefined; bindMounts: 'warn' | 'sync' | undefined } {
  if (value === undefined || value === null) return { remote: undefined, bindMounts: undefined };
  if (typeof value === 'boolean') return { remote: value, bindMounts: undefined };
  if (!isRecord(value)) {
    errors.push({
      message: 'remote must be true, false or a mapping',
      path,
      hint: "e.g. remote: { bind_mounts: sync } (true: the engine does not see this machine's files; false: it does)",
    });
    return { remote: undefined, bindMounts: undefined };
  }
  warnUnknownKeys(value, ['engine', 'bind_mounts'], path, warnings);
  let remote: boolean | undefined;
  const engine = value['engine'];
  if (engine === 'remote' || engine === 'local') remote = engine === 'remote';
  else if (engine !== undefined && engine !== null)
    errors.push({
      message: `engine must be remote or local, got ${JSON.stringify(engine)}`,
      path: `${path}.engine`,
      hint: 'leave it out to decide from the endpoint (ssh://, tcp:// to another host)',
    });
  let bindMounts: 'warn' | 'sync' | undefined;
  const mounts = value['bind_mounts'];
  if (mounts === 'warn' || mounts === 'sync') bindMounts = mounts;
  else if (mounts !== undefined && mounts !== null)
    errors.push({
      message: `bind_mounts must be warn or sync, got ${JSON.stringify(mounts)}`,
      path: `${path}.bind_mounts`,
      hint: 'sync: dockstage copies the bind-mounted project folders into the containers and keeps them equal',
    });
  return { remote, bindMounts };
}

function parseWatch(value: unknown, path: string, errors: ConfigIssue[], warnings: ConfigIssue[]): WatchConfig {
  if (value === undefined || value === null) return DEFAULT_WATCH;
  if (!isRecord(value)) {
    errors.push({
      message: 'watch must be a mapping',
      path,
      hint: 'e.g. watch: { quiet_ms: 100, max_ms: 2000, sync_quiet_ms: 20, sync: true, reload: { web: none } }',
    });
    return DEFAULT_WATCH;
  }
  warnUnknownKeys(value, ['quiet_ms', 'max_ms', 'sync_quiet_ms', 'sync', 'reload'], path, warnings);
  const millis = (key: string, fallback: number, max: number) => {
    const raw = value[key];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= max) return raw;
    errors.push({
      message: `${key} must be a whole number of milliseconds from 0 to ${max}, got ${JSON.stringify(raw)}`,
      path: `${path}.${key}`,
    });
    return fallback;
  };
  const quietMs = millis('quiet_ms', DEFAULT_WATCH.quietMs, 60_000);
  const maxMs = millis('max_ms', DEFAULT_WATCH.maxMs, 600_000);
  if (maxMs < quietMs) errors.push({ message: `max_ms (${maxMs}) must not be less than quiet_ms (${quietMs})`, path: `${path}.max_ms` });
  // Unset, it never exceeds quiet_ms: whoever shortened the quiet time wants syncs at least as fast.
  const syncQuietMs = millis('sync_quiet_ms', Math.min(DEFAULT_WATCH.syncQuietMs, quietMs), 60_000);
  if (maxMs < syncQuietMs)
    errors.push({ message: `max_ms (${maxMs}) must not be less than sync_quiet_ms (${syncQuietMs})`, path: `${path}.max_ms` });
  let sync = DEFAULT_WATCH.sync;
  if (value['sync'] !== undefined && value['sync'] !== null) {
    if (typeof value['sync'] === 'boolean') sync = value['sync'];
    else errors.push({ message: `sync must be true or false, got ${JSON.stringify(value['sync'])}`, path: `${path}.sync` });
  }
  const reload: Record<string, ReloadMode> = {};
  const rawReload = value['reload'];
  if (rawReload !== undefined && rawReload !== null && !isRecord(rawReload)) {
    errors.push({ message: 'reload must be a mapping of service name to restart, none or signal:NAME', path: `${path}.reload` });
  } else if (rawReload !== undefined && rawReload !== null) {
    for (const [service, mode] of Object.entries(rawReload)) {
      const signal = typeof mode === 'string' ? /^signal:(SIG)?([A-Z0-9]+)$/.exec(mode) : null;
      if (mode === 'restart' || mode === 'none') reload[service] = mode;
      else if (signal !== null) reload[service] = { signal: `SIG${signal[2]}` };
      else
        errors.push({
          message: `reload for '${service}' must be restart, none or signal:NAME (e.g. signal:SIGHUP), got ${JSON.stringify(mode)}`,
          path: `${path}.reload.${service}`,
        });
    }
  }
  return { quietMs, maxMs, syncQuietMs, sync, reload };
}

function parseEnvironment(name: string, value: unknown, path: string, errors: ConfigIssue[], warnings: ConfigIssue[]): EnvironmentConfig {
  if (!isRecord(value)) {
    errors.push({ message: `environment '${name}' must be a mapping`, path });
    return emptyEnvironment(name);
  }
  warnUnknownKeys(value, ['target', 'services', 'on_change', 'checks'], path, warnings);
  const services: Record<string, ServiceEnvironmentConfig> = {};
  const servicesValue = value['services'];
  if (servicesValue !== undefined && !isRecord(servicesValue)) {
    errors.push({ message: 'services must be a mapping of service name to settings', path: `${path}.services` });
  } else if (servicesValue !== undefined) {
    for (const [service, settings] of Object.entries(servicesValue)) {
      const servicePath = `${path}.services.${service}`;
      if (!isRecord(settings)) {
        errors.push({ message: `settings for service '${service}' must be a mapping`, path: servicePath });
        continue;
      }
      warnUnknownKeys(settings, ['target', 'image', 'on_change', 'checks'], servicePath, warnings);
      const serviceChecks = optionalStageList(settings['checks'], `${servicePath}.checks`, errors);
      services[service] = {
        target: optionalString(settings['target'], `${servicePath}.target`, errors),
        image: optionalString(settings['image'], `${servicePath}.image`, errors),
        onChange: optionalOnChange(settings['on_change'], `${servicePath}.on_change`, errors),
        ...(serviceChecks === undefined ? {} : { checks: serviceChecks }),
      };
    }
  }
  const checks = optionalStageList(value['checks'], `${path}.checks`, errors);
  return {
    name,
    target: optionalString(value['target'], `${path}.target`, errors),
    onChange: optionalOnChange(value['on_change'], `${path}.on_change`, errors) ?? 'none',
    services,
    ...(checks === undefined ? {} : { checks }),
  };
}

/** Where a service's target came from, for `plan` and the UI. */
export type TargetSource = 'service-config' | 'environment-default' | 'convention' | 'compose' | 'last-stage';

/**
 * The stage one service builds in the environment and which precedence rule chose it; all null for a service without
 * `build:`.
 */
export interface TargetChoice {
  readonly service: string;
  /** Stage name (or `stage-N`) to build; null for services without `build:`. */
  readonly target: string | null;
  readonly stage: number | null;
  readonly source: TargetSource | null;
}

/** Stage graphs by service name; a service with none (no `build:`, or a remote context) gets no target. */
export interface ServiceGraphs {
  /** The stage graph of each service that builds (by service name). */
  readonly [service: string]: StageGraph | undefined;
}

/**
 * Picks the target of every service for one environment. Errors: an unknown
 * environment, a service-specific target its Dockerfile lacks, an
 * environment-wide target that no Dockerfile has.
 */
export function chooseTargets(
  project: ComposeProject,
  graphs: ServiceGraphs,
  config: DockstageConfig,
  environmentName: string,
): ConfigResult<TargetChoice[]> {
  const errors: ConfigIssue[] = [];
  const environment = config.environments[environmentName];
  if (environment === undefined) {
    errors.push({
      message: `unknown environment '${environmentName}'`,
      path: '',
      hint: `${didYouMeanEnvironment(environmentName, Object.keys(config.environments))}use one of: ${Object.keys(config.environments).join(', ')}, or define it under x-dockstage.environments`,
    });
    return { value: [], errors, warnings: [] };
  }
  // A configured service may exist only under a profile that is not enabled: warn, don't fail.
  const warnings: ConfigIssue[] = [];
  for (const service of Object.keys(environment.services)) {
    if (!project.services.some((s) => s.name === service)) {
      const names = project.services.map((s) => s.name);
      warnings.push({
        message: `environment '${environmentName}' configures service '${service}', which is not in the project (or not in an enabled profile)`,
        path: `${ROOT}.environments.${environmentName}.services.${service}`,
        hint: `${didYouMean(service, names)}services: ${names.join(', ')}`,
      });
    }
  }

  const choices: TargetChoice[] = [];
  let builtServices = 0;
  for (const service of project.services) {
    const graph = graphs[service.name];
    if (service.build === undefined || graph === undefined) {
      choices.push({ service: service.name, target: null, stage: null, source: null });
      continue;
    }
    builtServices++;
    const pick = (name: string, source: TargetSource) => {
      const stage = findStage(graph, name)!;
      return { service: service.name, target: stage.displayName, stage: stage.index, source };
    };
    const configured = environment.services[service.name]?.target;
    if (configured !== undefined) {
      if (findStage(graph, configured) === undefined) {
        errors.push({
          message: `service '${service.name}' has no stage '${configured}' in ${graph.file}`,
          path: `${ROOT}.environments.${environmentName}.services.${service.name}.target`,
          service: service.name,
          hint: `${didYouMean(
            configured,
            graph.stages.map((s) => s.displayName),
          )}stages: ${describeStages(graph.stages)}`,
        });
        continue;
      }
      choices.push(pick(configured, 'service-config'));
      continue;
    }
    if (environment.target !== undefined && findStage(graph, environment.target) !== undefined) {
      choices.push(pick(environment.target, 'environment-default'));
      continue;
    }
    const convention = (CONVENTIONS[environmentName] ?? []).find((name) => findStage(graph, name) !== undefined);
    if (convention !== undefined) {
      const chosen = pick(convention, 'convention');
      const composeStage = service.build.target === undefined ? undefined : findStage(graph, service.build.target);
      // The compose file asked for another stage: say once that the convention wins, and how to keep compose's choice.
      if (service.build.target !== undefined && composeStage?.index !== chosen.stage) {
        warnings.push({
          message: `${service.name}: compose sets target ${service.build.target}; ${environmentName} uses ${chosen.target} by convention; set ${ROOT}.environments.${environmentName}.services.${service.name}.target to keep it`,
          path: `services.${service.name}.build.target`,
        });
      }
      choices.push(chosen);
      continue;
    }
    const composeTarget = service.build.target;
    if (composeTarget !== undefined) {
      if (findStage(graph, composeTarget) === undefined) {
        errors.push({
          message: `service '${service.name}' sets build.target '${composeTarget}', which ${graph.file} does not have`,
          path: `services.${service.name}.build.target`,
          service: service.name,
          hint: `${didYouMean(
            composeTarget,
            graph.stages.map((s) => s.displayName),
          )}stages: ${describeStages(graph.stages)}`,
        });
        continue;
      }
      choices.push(pick(composeTarget, 'compose'));
      continue;
    }
    const last = graph.stages[graph.stages.length - 1]!;
    choices.push({ service: service.name, target: last.displayName, stage: last.index, source: 'last-stage' });
  }

  const anyHasDefault = Object.values(graphs).some(
    (graph) => graph !== undefined && environment.target !== undefined && findStage(graph, environment.target) !== undefined,
  );
  if (environment.target !== undefined && builtServices > 0 && !anyHasDefault) {
    const known = new Set<string>();
    for (const graph of Object.values(graphs)) for (const stage of graph?.stages ?? []) if (stage.name) known.add(stage.name);
    errors.push({
      message: `environment '${environmentName}' targets stage '${environment.target}', which no service's Dockerfile has`,
      path: `${ROOT}.environments.${environmentName}.target`,
      hint: `${didYouMean(environment.target, known)}stages: ${[...known].sort().join(', ')}`,
    });
  }
  return { value: choices, errors, warnings };
}

/** The image tag of a (service, environment) pair: the configured one or `<project>-<service>:dockstage-<env>`. */
export function imageTag(projectName: string, service: string, environment: EnvironmentConfig): string {
  return environment.services[service]?.image ?? `${projectName}-${service}:dockstage-${environment.name}`;
}

/** What a change under a service's bind mounts does in an environment. */
export function onChangeFor(service: string, environment: EnvironmentConfig): OnChange {
  return environment.services[service]?.onChange ?? environment.onChange;
}

function emptyEnvironment(name: string): EnvironmentConfig {
  return { name, target: undefined, onChange: 'none', services: {} };
}

function defaultsOnly(): DockstageConfig {
  const environments: Record<string, EnvironmentConfig> = {};
  for (const name of BUILTIN_ENVIRONMENTS) environments[name] = emptyEnvironment(name);
  return { defaultEnvironment: 'dev', environments: sortKeys(environments), builder: undefined, watch: DEFAULT_WATCH };
}

function optionalString(value: unknown, path: string, errors: ConfigIssue[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  errors.push({ message: `expected a non-empty string, got ${JSON.stringify(value)}`, path });
  return undefined;
}

/** A list of stage names (`checks: [test, lint]`); a single name is taken as a list of one. */
function optionalStageList(value: unknown, path: string, errors: ConfigIssue[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (Array.isArray(list) && list.every((item) => typeof item === 'string' && item !== '')) return [...new Set(list as string[])];
  errors.push({ message: `checks must be a list of stage names, got ${JSON.stringify(value)}`, path, hint: 'e.g. checks: [test, lint]' });
  return undefined;
}

function optionalOnChange(value: unknown, path: string, errors: ConfigIssue[]): OnChange | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'none' || value === 'restart') return value;
  errors.push({ message: `on_change must be 'none' or 'restart', got ${JSON.stringify(value)}`, path });
  return undefined;
}

function warnUnknownKeys(value: Record<string, unknown>, known: readonly string[], path: string, warnings: ConfigIssue[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      warnings.push({ message: `unknown key '${key}' is ignored`, path: `${path}.${key}`, hint: `known keys: ${known.join(', ')}` });
    }
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(sortedEntries(record));
}
