/**
 * The compose project model, read from what `docker compose config --format
 * json` prints. Compose has already done interpolation, `.env`, `include`,
 * `extends`, profiles and path resolution; this module only picks out the
 * fields dockstage uses and gives them our own types. It keeps the whole
 * service definition too (`definition`), because the generated override file
 * and the builder pass fields through without interpreting them.
 */
import { ConfigError } from '../errors.js';
import { compareStrings, isRecord } from '../order.js';

/**
 * A service's `build:` as compose resolved it (paths absolute, variables interpolated), passed to buildx as it is.
 * `target` is only a fallback: the environment usually picks the stage.
 */
export interface ComposeBuild {
  /** Absolute directory (or a remote URL) of the build context. */
  readonly context: string;
  /** Dockerfile path as compose resolved it: relative to the context, or absolute. */
  readonly dockerfile: string;
  /** Inline Dockerfile text (`dockerfile_inline`), when given instead of a file. */
  readonly dockerfileInline: string | undefined;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
  readonly additionalContexts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly cacheFrom: readonly string[];
  readonly cacheTo: readonly string[];
  readonly secrets: readonly { readonly source: string; readonly target: string | undefined }[];
  readonly ssh: readonly string[];
  readonly network: string | undefined;
  readonly extraHosts: readonly string[];
  readonly platforms: readonly string[];
  readonly tags: readonly string[];
  readonly noCache: boolean;
  readonly pull: boolean;
  readonly shmSize: string | undefined;
}

/**
 * One `depends_on` entry in long form. `up` starts only `required` dependencies; `restart: true` restarts the dependent
 * when this one is rebuilt or restarted.
 */
export interface ComposeDependency {
  readonly service: string;
  readonly condition: string;
  readonly restart: boolean;
  readonly required: boolean;
}

/** A `volumes:` entry; only `bind` mounts with a source matter to dockstage (a change under one may restart the service). */
export interface ComposeMount {
  readonly type: string;
  readonly source: string | undefined;
  readonly target: string;
}

/**
 * A `ports:` entry as configured; what is actually bound comes from the runtime. `published` stays a string because
 * compose allows ranges (`8000-8010`).
 */
export interface ComposePort {
  readonly target: number;
  readonly published: string | undefined;
  readonly hostIp: string | undefined;
  readonly protocol: string;
}

/** One resolved service. `image` is compose's own `image:`, not the tag dockstage builds (that is ServiceModel.image). */
export interface ComposeService {
  readonly name: string;
  readonly image: string | undefined;
  readonly build: ComposeBuild | undefined;
  readonly dependsOn: readonly ComposeDependency[];
  readonly volumes: readonly ComposeMount[];
  readonly ports: readonly ComposePort[];
  readonly profiles: readonly string[];
  /** `x-*` keys on the service (compose keeps them in the resolved JSON). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The resolved service definition, untouched. */
  readonly definition: Readonly<Record<string, unknown>>;
}

/**
 * The resolved project. `name` is compose's project name, which also labels its containers; `secrets` are the top-level
 * definitions that build secrets name.
 */
export interface ComposeProject {
  readonly name: string;
  /** Services sorted by name. */
  readonly services: readonly ComposeService[];
  /** Top-level `x-*` keys, `x-dockstage` among them. */
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, { readonly file?: string; readonly environment?: string }>>;
}

type Json = Record<string, unknown>;

/** Builds the model from the parsed `config --format json` document. */
export function projectFromConfig(config: unknown): ComposeProject {
  if (!isRecord(config)) throw new ConfigError('docker compose config did not print a JSON object', { exitCode: 1 });
  const name = typeof config['name'] === 'string' ? config['name'] : '';
  const servicesJson = isRecord(config['services']) ? config['services'] : {};
  const services = Object.keys(servicesJson)
    .sort()
    .map((serviceName) => serviceFromConfig(serviceName, asObject(servicesJson[serviceName])));
  const extensions: Json = {};
  for (const [key, value] of Object.entries(config)) if (key.startsWith('x-')) extensions[key] = value;
  const secrets: Record<string, { file?: string; environment?: string }> = {};
  for (const [key, value] of Object.entries(asObject(config['secrets']))) {
    const secret = asObject(value);
    secrets[key] = {
      ...(typeof secret['file'] === 'string' ? { file: secret['file'] } : {}),
      ...(typeof secret['environment'] === 'string' ? { environment: secret['environment'] } : {}),
    };
  }
  return { name, services, extensions, secrets };
}

function serviceFromConfig(name: string, json: Json): ComposeService {
  const extensions: Json = {};
  for (const [key, value] of Object.entries(json)) if (key.startsWith('x-')) extensions[key] = value;
  return {
    name,
    image: typeof json['image'] === 'string' ? json['image'] : undefined,
    build: json['build'] === undefined ? undefined : buildFromConfig(json['build']),
    dependsOn: Object.entries(asObject(json['depends_on']))
      .map(([service, value]) => {
        const dep = asObject(value);
        return {
          service,
          condition: typeof dep['condition'] === 'string' ? dep['condition'] : 'service_started',
          restart: dep['restart'] === true,
          required: dep['required'] !== false,
        };
      })
      .sort((a, b) => compareStrings(a.service, b.service)),
    volumes: asArray(json['volumes']).map((value) => {
      const volume = asObject(value);
      return {
        type: typeof volume['type'] === 'string' ? volume['type'] : 'volume',
        source: typeof volume['source'] === 'string' ? volume['source'] : undefined,
        target: typeof volume['target'] === 'string' ? volume['target'] : '',
      };
    }),
    ports: asArray(json['ports']).map((value) => {
      const port = asObject(value);
      return {
        target: Number(port['target'] ?? 0),
        published: port['published'] === undefined ? undefined : String(port['published']),
        hostIp: typeof port['host_ip'] === 'string' ? port['host_ip'] : undefined,
        protocol: typeof port['protocol'] === 'string' ? port['protocol'] : 'tcp',
      };
    }),
    profiles: asArray(json['profiles']).filter((p): p is string => typeof p === 'string'),
    extensions,
    definition: json,
  };
}

function buildFromConfig(value: unknown): ComposeBuild {
  // compose normalises `build: ./dir` to `{ context: /abs/dir }`; accept the short form anyway.
  const json: Json = typeof value === 'string' ? { context: value } : asObject(value);
  return {
    context: typeof json['context'] === 'string' ? json['context'] : '.',
    dockerfile: typeof json['dockerfile'] === 'string' ? json['dockerfile'] : 'Dockerfile',
    dockerfileInline: typeof json['dockerfile_inline'] === 'string' ? json['dockerfile_inline'] : undefined,
    target: typeof json['target'] === 'string' ? json['target'] : undefined,
    args: stringMap(json['args']),
    additionalContexts: stringMap(json['additional_contexts']),
    labels: stringMap(json['labels']),
    cacheFrom: stringList(json['cache_from']),
    cacheTo: stringList(json['cache_to']),
    secrets: asArray(json['secrets']).map((entry) => {
      if (typeof entry === 'string') return { source: entry, target: undefined };
      const secret = asObject(entry);
      return { source: String(secret['source'] ?? ''), target: typeof secret['target'] === 'string' ? secret['target'] : undefined };
    }),
    ssh: sshList(json['ssh']),
    network: typeof json['network'] === 'string' ? json['network'] : undefined,
    extraHosts: extraHosts(json['extra_hosts']),
    platforms: stringList(json['platforms']),
    tags: stringList(json['tags']),
    noCache: json['no_cache'] === true,
    pull: json['pull'] === true,
    shmSize: json['shm_size'] === undefined ? undefined : String(json['shm_size']),
  };
}

/** compose prints maps as objects and may print `null` for a value taken from the environment but unset. */
function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq > 0) result[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return result;
  }
  for (const [key, entry] of Object.entries(asObject(value))) {
    if (entry !== null && entry !== undefined) result[key] = String(entry);
  }
  return result;
}

function stringList(value: unknown): string[] {
  return asArray(value).filter((entry): entry is string => typeof entry === 'string');
}

function sshList(value: unknown): string[] {
  if (Array.isArray(value)) return stringList(value);
  return Object.entries(asObject(value)).map(([key, entry]) => (entry === null || entry === '' ? key : `${key}=${String(entry)}`));
}

function extraHosts(value: unknown): string[] {
  if (Array.isArray(value)) return stringList(value);
  return Object.entries(asObject(value)).flatMap(([host, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => `${host}=${String(ip)}`));
}

function asObject(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
