/**
 * The container engine as dockstage uses it, in our own types (no dockerode
 * types leak through): images by tag, containers by compose labels, their
 * logs, stats and the engine's event stream.
 */
export interface ImageInfo {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly created: string;
  /** The tags naming it (inspect only); an image with none is dangling. */
  readonly tags?: readonly string[] | undefined;
  /** `Config.WorkingDir` and `Config.Env` (inspect only): where a COPY in a stage built on it lands, for live sync. */
  readonly workingDir?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/** One local tag and the image it names (an image with two tags appears twice). */
export interface TaggedImage {
  readonly reference: string;
  readonly id: string;
}

/** What `status` shows about the engine; `host` matters because a remote engine publishes ports away from localhost. */
export interface EngineInfo {
  readonly serverVersion: string;
  readonly apiVersion: string;
  /** Host name or address where published ports are reachable (`localhost` for a local socket). */
  readonly host: string;
  /** The engine's address as configured (`ssh://buildbox`, `unix:///var/run/docker.sock`), for showing where it runs. */
  readonly endpoint?: string;
}

/** The engine's container states; an unknown one reads as `dead`. `exited` and `dead` count as not running. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
/** null means no health to show: no healthcheck, or the container is not running. */
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | null;

/** One port binding as the engine reports it; a port bound on IPv4 and IPv6 appears twice. */
export interface PublishedPort {
  readonly containerPort: number;
  readonly protocol: string;
  /** Host port, or null when the port is exposed but not published. */
  readonly hostPort: number | null;
  /** Host IP it is bound to as the engine reports it (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly hostIp: string | null;
}

/** A container of a compose project, identified by compose's labels. */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  /** `com.docker.compose.service`. */
  readonly service: string;
  /** `com.docker.compose.project`. */
  readonly project: string;
  /** `com.docker.compose.container-number`. */
  readonly number: number;
  readonly state: ContainerState;
  /** Human status from the engine, e.g. `Up 3 minutes (healthy)`. */
  readonly status: string;
  readonly health: ContainerHealth;
  /** Image ID (`sha256:…`) the container runs. */
  readonly imageId: string;
  /** Image reference it was created from. */
  readonly image: string;
  readonly ports: readonly PublishedPort[];
  readonly labels: Readonly<Record<string, string>>;
  /** ISO time the container last started, when known (inspect only). */
  readonly startedAt?: string | undefined;
  readonly exitCode?: number | undefined;
}

/** One line of a container's output, without its line ending. */
export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** ISO timestamp from the engine. */
  readonly timestamp: string;
}

/** Which lines `logs` delivers; without `follow` it resolves once the existing lines are out. */
export interface LogOptions {
  readonly follow: boolean;
  /** Only lines after this time (Unix seconds or ISO). */
  readonly since?: number | string | undefined;
  /** Only the last N lines before following. */
  readonly tail?: number | undefined;
}

/**
 * One resource reading as `docker stats` shows it: CPU in percent of one CPU (can pass 100), memory in bytes without
 * reclaimable page cache, limit 0 when unknown.
 */
export interface StatsSample {
  readonly cpuPercent: number;
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number;
}

/** An engine event about a container, reduced to what dockstage's state needs. */
export interface ContainerEvent {
  readonly action: 'create' | 'start' | 'die' | 'stop' | 'kill' | 'restart' | 'destroy' | 'pause' | 'unpause' | 'oom' | 'health_status';
  readonly containerId: string;
  readonly service: string | undefined;
  readonly project: string | undefined;
  /** For `health_status`: the new health. */
  readonly health?: ContainerHealth | undefined;
  /** For `die`: the exit code. */
  readonly exitCode?: number | undefined;
  /** For `kill`: the signal as the engine names it (`15`, `9`, `SIGHUP`). A stop starts with one, then `die`. */
  readonly signal?: string | undefined;
  /** Unix milliseconds. */
  readonly time: number;
}

/** How `replaceContainer` stops the old container, and when to give up. */
export interface ReplaceOptions {
  /** Grace period for stopping the old container (the container's own stop timeout when omitted). */
  readonly stopTimeoutSeconds?: number | undefined;
  /** Aborting before the new container has started puts the old one back as it was and rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Start the new container also when the old one had crashed (exited with a non-zero code), not only when it ran:
   * the rebuild is the fix. Without it a container that was not running is replaced by one that is not started.
   */
  readonly startAfterCrash?: boolean | undefined;
}

/**
 * The engine port. Compose creates and removes containers; this port reads them, starts and stops them, manages images
 * by tag and label, and on the hot path replaces one container by an identical one on a new image (`replaceContainer`).
 */
export interface ContainerRuntime {
  /** Engine version and where its published ports live. Rejects with EngineUnavailableError when unreachable. */
  info(): Promise<EngineInfo>;
  /** The image with that tag or ID, or undefined when there is none. */
  inspectImage(reference: string): Promise<ImageInfo | undefined>;
  /** Images carrying the label `key=value`, newest first (finds an image by its inputs hash). */
  imagesWithLabel(key: string, value: string): Promise<ImageInfo[]>;
  /** Gives an existing image another tag. */
  tagImage(source: string, target: string): Promise<void>;
  /** Removes an image by tag or ID (the tag only, when others remain); missing is fine. */
  removeImage(reference: string): Promise<void>;
  /** Every local tag that starts with `prefix` (e.g. `shop-web:dockstage-`), with its image ID, sorted by tag. */
  imagesByReference(prefix: string): Promise<TaggedImage[]>;
  /** Names of the containers (any project, any state) created from that image ID, sorted. */
  containersUsingImage(imageId: string): Promise<string[]>;
  /** Containers of a compose project (all states), sorted by service then number. */
  listContainers(project: string): Promise<ContainerInfo[]>;
  /** One container with start time and exit code; undefined when gone. */
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  startContainer(id: string): Promise<void>;
  /** Stops with the given grace period in seconds (engine default when omitted). */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  restartContainer(id: string, timeoutSeconds?: number): Promise<void>;
  /**
   * Replaces a compose-created container by one made from its configuration with `image` (a tag or ID), so that
   * `docker compose up` afterwards recreates nothing: same name, compose labels (with `com.docker.compose.image` set to
   * the new image's ID), networks and aliases, mounts (anonymous volumes reused). Values the old container inherited
   * from its old image (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Labels, Healthcheck…) come from the new
   * image; values the service set are kept. The new container is created while the old one runs, and started only if
   * the old one was running. When it cannot be created or started, the old one is restored (started again if it ran)
   * and the call rejects with a DockstageError naming the service and the engine's reason.
   */
  replaceContainer(id: string, image: string, options?: ReplaceOptions): Promise<ContainerInfo>;
  /** Sends a signal (`SIGHUP`, `SIGUSR2`, `HUP`…) to the container's main process; DockstageError when it is not running. */
  signalContainer(id: string, signal: string): Promise<void>;
  /**
   * Log lines, both streams demultiplexed (TTY containers: all stdout), in
   * order. With `follow`, runs until the container stops or `signal` aborts.
   */
  logs(id: string, options: LogOptions, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void>;
  /** One CPU/memory sample (CPU % computed over the engine's two readings). */
  stats(id: string): Promise<StatsSample>;
  /**
   * Container events of one project until `signal` aborts. Resolves when
   * aborted; rejects with EngineUnavailableError when the engine goes away.
   */
  events(project: string, onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
}
