/**
 * The container engine as dockstage uses it, in our own types (no dockerode
 * types leak through): images by tag, containers by compose labels, their
 * logs, stats and the engine's event stream.
 */
export interface ImageInfo {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly created: string;
}

export interface EngineInfo {
  readonly serverVersion: string;
  readonly apiVersion: string;
  /** Host name or address where published ports are reachable (`localhost` for a local socket). */
  readonly host: string;
}

export interface ContainerRuntime {
  /** Engine version and where its published ports live. Rejects with EngineUnavailableError when unreachable. */
  info(): Promise<EngineInfo>;
  /** The image with that tag, or undefined when there is none. */
  inspectImage(reference: string): Promise<ImageInfo | undefined>;
}
