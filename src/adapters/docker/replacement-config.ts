/**
 * What the engine needs to create a container that replaces a compose-made
 * one with a new image, derived from the old container's inspect JSON and its
 * old image's config (API 1.41). Pure: unit tests feed it literal engine JSON.
 *
 * The engine stores a container's config with its image's defaults already
 * merged in (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes,
 * Labels, Healthcheck, StopSignal), so the container alone cannot say which
 * values compose set. Comparing with the old image's config can: a value equal
 * to the old image's came from the image and is left unset, so the engine
 * fills it from the NEW image exactly as it does when compose creates a
 * container; a value that differs was set by the service and is kept.
 */
import { isRecord, sortedEntries } from '../../core/order.js';
import { IMAGE_LABEL } from './compose-labels.js';

/** The image-derived part of a container's or an image's `Config`, as inspect reports it. */
export interface EngineImageConfig {
  readonly User?: string;
  readonly Env?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly Entrypoint?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly ExposedPorts?: Readonly<Record<string, object>> | null;
  readonly Volumes?: Readonly<Record<string, object>> | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Healthcheck?: EngineHealthcheck | null;
  readonly StopSignal?: string;
}

/** `Config.Healthcheck`: durations in nanoseconds, 0 or absent meaning "inherit". */
export interface EngineHealthcheck {
  readonly Test?: readonly string[] | null;
  readonly Interval?: number;
  readonly Timeout?: number;
  readonly StartPeriod?: number;
  readonly Retries?: number;
}

/** One `HostConfig.Mounts` entry (creation form). */
export interface EngineMountSpec {
  readonly Type?: string;
  readonly Source?: string;
  readonly Target?: string;
  readonly [field: string]: unknown;
}

/** One network endpoint of an inspected container. */
export interface EngineEndpoint {
  readonly IPAMConfig?: unknown;
  readonly Links?: readonly string[] | null;
  readonly Aliases?: readonly string[] | null;
  readonly DriverOpts?: Readonly<Record<string, string>> | null;
  readonly [field: string]: unknown;
}

/** `GET /containers/{id}/json`: everything a replacement copies. */
export interface EngineContainerDetails {
  readonly Id: string;
  readonly Name: string;
  readonly Image: string;
  readonly Config: EngineImageConfig & { readonly Hostname?: string; readonly Image?: string; readonly [field: string]: unknown };
  readonly HostConfig: {
    readonly NetworkMode?: string;
    readonly Mounts?: readonly EngineMountSpec[] | null;
    readonly Binds?: readonly string[] | null;
    readonly [field: string]: unknown;
  };
  readonly NetworkSettings?: { readonly Networks?: Readonly<Record<string, EngineEndpoint>> | null } | null;
  /** The mounts as they are, with the generated names of anonymous volumes. */
  readonly Mounts?: readonly { readonly Type?: string; readonly Name?: string; readonly Destination?: string }[] | null;
  readonly State?: {
    readonly Running?: boolean;
    readonly Paused?: boolean;
    readonly Restarting?: boolean;
    readonly ExitCode?: number;
  } | null;
}

/** The create call's body (without the name) and the networks to connect before the first start. */
export interface ReplacementSpec {
  readonly create: Record<string, unknown>;
  /** Networks beyond the one given at create time: API 1.41 takes a single endpoint when creating. */
  readonly extraNetworks: readonly { readonly network: string; readonly endpoint: Record<string, unknown> }[];
}

/**
 * The part of `container`'s config that the service set rather than inherited
 * from `image` (its old image): whole values for User, Cmd, Entrypoint,
 * WorkingDir and StopSignal; per entry for Env, Labels, ExposedPorts and
 * Volumes; per field for Healthcheck, which the engine also merges field by
 * field. Inherited parts are left unset (undefined, or absent from the map)
 * so the engine fills them from whichever image the new container runs.
 *
 * One case stays ambiguous: a service value equal to the old image's (e.g.
 * `environment: {PORT: "3000"}` beside `ENV PORT=3000`) reads as inherited,
 * so a new image that changes it wins where compose would keep the service's.
 */
export function configSetByService(container: EngineImageConfig, image: EngineImageConfig): EngineImageConfig {
  const keep = <T>(value: T | null | undefined, inherited: T | null | undefined): T | undefined =>
    sameValue(value, inherited) ? undefined : (value ?? undefined);
  const imageEnv = new Set(image.Env ?? []);
  return {
    User: keep(container.User, image.User),
    Cmd: keep(container.Cmd, image.Cmd),
    Entrypoint: keep(container.Entrypoint, image.Entrypoint),
    WorkingDir: keep(container.WorkingDir, image.WorkingDir),
    StopSignal: keep(container.StopSignal, image.StopSignal),
    Env: (container.Env ?? []).filter((entry) => !imageEnv.has(entry)),
    Labels: entriesNotIn(container.Labels, image.Labels),
    ExposedPorts: entriesNotIn(container.ExposedPorts, image.ExposedPorts),
    Volumes: entriesNotIn(container.Volumes, image.Volumes),
    Healthcheck: healthcheckSetByService(container.Healthcheck, image.Healthcheck),
  };
}

/**
 * The replacement for `old` running `image` (the reference given, and its ID
 * for compose's `com.docker.compose.image` label, which compose compares with
 * the service image's ID before deciding to recreate). Everything else is the
 * old container's: the rest of Config, HostConfig, compose's labels, network
 * endpoints with their aliases and links. Without `oldImage` (deleted) every
 * value counts as set by the service. Also:
 * - the hostname the engine generated (the old ID's first 12 characters) is
 *   dropped so the new container gets its own, and so is that alias;
 * - anonymous volumes (declared without a source, by compose or the image's
 *   VOLUME) are mounted again by name, as compose does on recreate, so their
 *   data survives.
 */
export function replacementSpec(
  old: EngineContainerDetails,
  oldImage: EngineImageConfig | undefined,
  image: { reference: string; id: string },
): ReplacementSpec {
  const shortId = old.Id.slice(0, 12);
  const set = oldImage === undefined ? old.Config : configSetByService(old.Config, oldImage);
  const { Hostname, ...config } = old.Config;
  const create: Record<string, unknown> = {
    ...config,
    ...(Hostname === shortId ? {} : { Hostname }),
    Image: image.reference,
    User: set.User ?? '',
    Cmd: set.Cmd ?? null,
    Entrypoint: set.Entrypoint ?? null,
    WorkingDir: set.WorkingDir ?? '',
    StopSignal: set.StopSignal,
    Env: set.Env ?? [],
    Labels: { ...set.Labels, [IMAGE_LABEL]: image.id },
    ExposedPorts: set.ExposedPorts ?? null,
    Volumes: set.Volumes ?? null,
    Healthcheck: set.Healthcheck,
    HostConfig: { ...old.HostConfig, Mounts: mountsKeepingAnonymousVolumes(old) },
  };
  const networkMode = old.HostConfig.NetworkMode ?? '';
  const networks = sortedEntries(old.NetworkSettings?.Networks ?? {});
  // host, none and container:<id> share a namespace: no endpoint to configure.
  if (networkMode === 'host' || networkMode === 'none' || networkMode.startsWith('container:')) return { create, extraNetworks: [] };
  const primaryName = networkMode === 'default' ? 'bridge' : networkMode;
  const endpoint = (settings: EngineEndpoint): Record<string, unknown> => ({
    ...(settings.IPAMConfig === undefined || settings.IPAMConfig === null ? {} : { IPAMConfig: settings.IPAMConfig }),
    ...(settings.Links === undefined || settings.Links === null ? {} : { Links: settings.Links }),
    ...(settings.Aliases === undefined || settings.Aliases === null
      ? {}
      : { Aliases: settings.Aliases.filter((alias) => alias !== shortId) }),
    ...(settings.DriverOpts === undefined || settings.DriverOpts === null ? {} : { DriverOpts: settings.DriverOpts }),
  });
  const primary = networks.find(([name]) => name === primaryName);
  return {
    create: primary === undefined ? create : { ...create, NetworkingConfig: { EndpointsConfig: { [primary[0]]: endpoint(primary[1]) } } },
    extraNetworks: networks
      .filter(([name]) => name !== primary?.[0])
      .map(([network, settings]) => ({ network, endpoint: endpoint(settings) })),
  };
}

function healthcheckSetByService(
  container: EngineHealthcheck | null | undefined,
  image: EngineHealthcheck | null | undefined,
): EngineHealthcheck | undefined {
  if (container === null || container === undefined) return undefined;
  const fields = Object.entries(container).filter(
    ([field, value]) => !sameValue(value, (image as Record<string, unknown> | null | undefined)?.[field]),
  );
  return fields.length === 0 ? undefined : (Object.fromEntries(fields) as EngineHealthcheck);
}

function entriesNotIn<T>(
  container: Readonly<Record<string, T>> | null | undefined,
  image: Readonly<Record<string, T>> | null | undefined,
): Record<string, T> | undefined {
  const kept = Object.entries(container ?? {}).filter(
    ([key, value]) => image === null || image === undefined || !(key in image) || !sameValue(value, image[key]),
  );
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/**
 * HostConfig.Mounts with every anonymous volume bound to the volume the old
 * container used. Candidates are mount targets declared without a source and
 * the paths in Config.Volumes (compose's `- /data` or the image's VOLUME);
 * volumes from `volumes_from` and binds are left to HostConfig as they are.
 */
function mountsKeepingAnonymousVolumes(old: EngineContainerDetails): readonly EngineMountSpec[] | null {
  const declared = old.HostConfig.Mounts ?? [];
  const anonymousTargets = new Set([
    ...declared.filter((mount) => mount.Type === 'volume' && (mount.Source ?? '') === '').map((mount) => mount.Target ?? ''),
    ...Object.keys(old.Config.Volumes ?? {}),
  ]);
  const bound = new Set(declared.filter((mount) => (mount.Source ?? '') !== '').map((mount) => mount.Target));
  for (const bind of old.HostConfig.Binds ?? []) bound.add(bind.split(':')[1]);
  const reused = (old.Mounts ?? []).filter(
    (mount) =>
      mount.Type === 'volume' && mount.Name !== undefined && anonymousTargets.has(mount.Destination ?? '') && !bound.has(mount.Destination),
  );
  if (reused.length === 0) return old.HostConfig.Mounts ?? null;
  const reusedTargets = new Set(reused.map((mount) => mount.Destination));
  return [
    ...declared.filter((mount) => !reusedTargets.has(mount.Target)),
    ...reused.map((mount) => ({ Type: 'volume', Source: mount.Name, Target: mount.Destination })),
  ];
}

/** Equality of JSON values with null and absent alike (the engine writes either for "unset"). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  return Object.fromEntries(sortedEntries(value).map(([key, inner]) => [key, canonical(inner)]));
}
