/**
 * A ContainerRuntime for unit tests of the store: images and containers are plain values the test sets up, every call
 * is recorded (test/support/fake-calls.ts: fail, stall, answer), and the engine's event stream is driven by hand:
 * `emit` delivers an event, `disconnect` ends the stream as a vanished engine does.
 */
import type {
  ContainerEvent,
  ContainerInfo,
  ContainerRuntime,
  EngineInfo,
  ImageInfo,
  LogLine,
  LogOptions,
  ReplaceOptions,
  StatsSample,
  TaggedImage,
} from '../../src/ports/container-runtime.js';
import { FakeCalls } from './fake-calls.js';

type RuntimeMethod = keyof ContainerRuntime & string;

/** A running container of `project`'s `service`, with compose's labels; `overrides` for the rest. */
export function fakeContainer(project: string, service: string, overrides: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: `${service}-1`,
    name: `${project}-${service}-1`,
    service,
    project,
    number: 1,
    state: 'running',
    status: 'Up 1 second',
    health: null,
    imageId: `sha256:${service}-old`,
    image: `${project}-${service}:dockstage-dev`,
    ports: [],
    labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service },
    ...overrides,
  };
}

interface EventStream {
  readonly project: string;
  readonly onEvent: (event: ContainerEvent) => void;
  readonly fail: (error: unknown) => void;
}

export class FakeContainerRuntime extends FakeCalls<RuntimeMethod> implements ContainerRuntime {
  engine: EngineInfo = { serverVersion: '20.10.24', apiVersion: '1.41', host: 'localhost' };
  /** Images by every tag and ID that names them. */
  readonly images = new Map<string, ImageInfo>();
  containers: ContainerInfo[] = [];
  /** Lines `logs` delivers, by container id. */
  readonly logLines = new Map<string, LogLine[]>();
  #streams: EventStream[] = [];
  #replaced = 0;

  /** Adds an image under its ID and the given tags. */
  addImage(image: ImageInfo, ...tags: string[]): void {
    this.images.set(image.id, image);
    for (const tag of tags) this.images.set(tag, image);
  }

  /** Event streams open now (the subscriber follows the engine when this is 1). */
  get following(): number {
    return this.#streams.length;
  }

  /** Delivers an engine event to every open stream of its project. */
  emit(event: ContainerEvent): void {
    for (const stream of this.#streams) if (stream.project === event.project) stream.onEvent(event);
  }

  /** Ends every open stream with `error`, as the real runtime does when the engine goes away. */
  disconnect(error: unknown): void {
    const streams = this.#streams;
    this.#streams = [];
    for (const stream of streams) stream.fail(error);
  }

  info(): Promise<EngineInfo> {
    return this.call('info', [], () => this.engine);
  }

  /** The image with its tags as they are now (a tag moved by `tagImage` or a build leaves the old image). */
  inspectImage(reference: string): Promise<ImageInfo | undefined> {
    return this.call('inspectImage', [reference], () => {
      const image = this.images.get(reference);
      return image === undefined ? undefined : { ...image, tags: this.#tagsOf(image.id) };
    });
  }

  imagesWithLabel(key: string, value: string): Promise<ImageInfo[]> {
    return this.call('imagesWithLabel', [key, value], () =>
      [...new Set(this.images.values())].filter((image) => image.labels[key] === value),
    );
  }

  tagImage(source: string, target: string): Promise<void> {
    return this.call('tagImage', [source, target], () => {
      const image = this.images.get(source);
      if (image !== undefined) this.images.set(target, image);
    });
  }

  /** By tag: the tag goes. By ID: the image goes with its tags, unless a container uses it (the engine refuses). */
  removeImage(reference: string): Promise<void> {
    return this.call('removeImage', [reference], () => {
      const image = this.images.get(reference);
      if (image === undefined) return;
      if (reference !== image.id) {
        this.images.delete(reference);
        return;
      }
      if (this.containers.some((c) => c.imageId === image.id))
        throw new Error(`conflict: unable to remove ${image.id}: a container uses it`);
      for (const [name, other] of [...this.images]) if (other.id === image.id) this.images.delete(name);
    });
  }

  imagesByReference(prefix: string): Promise<TaggedImage[]> {
    return this.call('imagesByReference', [prefix], () =>
      [...this.images]
        .filter(([name, image]) => name !== image.id && name.startsWith(prefix))
        .map(([reference, image]) => ({ reference, id: image.id }))
        .sort((a, b) => a.reference.localeCompare(b.reference)),
    );
  }

  containersUsingImage(imageId: string): Promise<string[]> {
    return this.call('containersUsingImage', [imageId], () =>
      this.containers
        .filter((c) => c.imageId === imageId)
        .map((c) => c.name)
        .sort(),
    );
  }

  listContainers(project: string): Promise<ContainerInfo[]> {
    return this.call('listContainers', [project], () => this.containers.filter((c) => c.project === project));
  }

  inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    return this.call('inspectContainer', [id], () => this.containers.find((c) => c.id === id));
  }

  startContainer(id: string): Promise<void> {
    return this.call('startContainer', [id], () => this.#setState(id, 'running'));
  }

  stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return this.call('stopContainer', [id, timeoutSeconds], () => this.#setState(id, 'exited'));
  }

  restartContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return this.call('restartContainer', [id, timeoutSeconds], () => this.#setState(id, 'running'));
  }

  /** The new container gets the old one's place with id `<old>-r<n>` and the image's ID. */
  replaceContainer(id: string, image: string, options?: ReplaceOptions): Promise<ContainerInfo> {
    return this.call(
      'replaceContainer',
      [id, image, options],
      () => {
        const old = this.containers.find((c) => c.id === id);
        if (old === undefined) throw new Error(`no container ${id}`);
        const replacement: ContainerInfo = {
          ...old,
          id: `${id}-r${++this.#replaced}`,
          imageId: this.images.get(image)?.id ?? image,
          image,
        };
        this.containers = this.containers.map((c) => (c.id === id ? replacement : c));
        return replacement;
      },
      options?.signal,
    );
  }

  signalContainer(id: string, signal: string): Promise<void> {
    return this.call('signalContainer', [id, signal], () => undefined);
  }

  logs(id: string, options: LogOptions, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void> {
    return this.call(
      'logs',
      [id, options],
      () => {
        for (const line of this.logLines.get(id) ?? []) onLine(line);
      },
      signal,
    );
  }

  stats(id: string): Promise<StatsSample> {
    return this.call('stats', [id], () => ({ cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0 }));
  }

  /** Open until `signal` aborts (resolves) or the test calls `disconnect` (rejects). */
  events(project: string, onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    return this.call(
      'events',
      [project],
      () =>
        new Promise<void>((resolve, reject) => {
          const stream: EventStream = { project, onEvent, fail: reject };
          const end = () => {
            this.#streams = this.#streams.filter((open) => open !== stream);
            resolve();
          };
          if (signal.aborted) return end();
          signal.addEventListener('abort', end, { once: true });
          this.#streams.push(stream);
        }),
    );
  }

  #tagsOf(imageId: string): string[] {
    return [...this.images]
      .filter(([name, image]) => image.id === imageId && name !== imageId)
      .map(([name]) => name)
      .sort();
  }

  #setState(id: string, state: ContainerInfo['state']): void {
    this.containers = this.containers.map((c) => (c.id === id ? { ...c, state } : c));
  }
}
