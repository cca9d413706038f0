/**
 * An ImageBuilder for unit tests of the store: every request is recorded (test/support/fake-calls.ts: fail, stall,
 * answer); a build that is let through reports `progress`, and puts a new image with the request's tags and labels
 * into the fake runtime it was given, as BuildKit loads the result into the engine.
 */
import type { BuildEvent } from '../../src/core/dockerfile/build-steps.js';
import type { BuilderInfo, BuildRequest, BuildResult, ImageBuilder } from '../../src/ports/image-builder.js';
import { FakeCalls } from './fake-calls.js';
import type { FakeContainerRuntime } from './fake-runtime.js';

export class FakeImageBuilder extends FakeCalls<keyof ImageBuilder & string> implements ImageBuilder {
  /** Events every build reports before it ends. */
  progress: BuildEvent[] = [];
  #built = 0;

  constructor(private readonly runtime?: FakeContainerRuntime) {
    super();
  }

  /** The requests of every `build` call, in order. */
  get requests(): BuildRequest[] {
    return this.callsTo('build').map((args) => args[0] as BuildRequest);
  }

  info(builder?: string): Promise<BuilderInfo> {
    return this.call('info', [builder], () => ({ buildxVersion: 'v0.13.1', builder: builder ?? 'default', driver: 'docker' }));
  }

  build(request: BuildRequest, onEvent: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildResult> {
    return this.call(
      'build',
      [request],
      () => {
        for (const event of this.progress) onEvent(event);
        const imageId = `sha256:built-${++this.#built}`;
        this.runtime?.addImage(
          { id: imageId, labels: request.labels, created: new Date(0).toISOString(), tags: request.tags },
          ...request.tags,
        );
        return { imageId, durationMs: 1, cachedSteps: 0, totalSteps: 1 };
      },
      signal,
    );
  }
}
