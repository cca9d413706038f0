/**
 * Building images with BuildKit. One request is one build of one target; the
 * builder reports progress as events grouped by stage and step, and resolves
 * with the image it produced.
 */
import type { BuildEvent, StepRef } from '../core/dockerfile/build-steps.js';

/** Where a BuildKit step sits in the Dockerfile, and the progress events that carry it (defined in the core, which folds them). */
export type { BuildEvent, StepRef };

/** A build secret by reference: buildx reads the value from `file` or `env` itself, so it never passes through dockstage. */
export interface BuildSecret {
  readonly id: string;
  /** A file on the client holding the secret, or… */
  readonly file?: string;
  /** …an environment variable of the client holding it. */
  readonly env?: string;
}

/** One `docker buildx build`, fully decided (absolute paths, final tags): an adapter translates it and decides nothing. */
export interface BuildRequest {
  /** Absolute build context directory (or a remote URL BuildKit can fetch). */
  readonly context: string;
  /** Absolute Dockerfile path, or undefined when `dockerfileInline` is given. */
  readonly dockerfile: string | undefined;
  readonly dockerfileInline?: string | undefined;
  /** The stage to build (`--target`); undefined builds the last stage (an unnamed one cannot be named). */
  readonly target: string | undefined;
  /** Tags to give the result; with `push`, exactly the names to push. */
  readonly tags: readonly string[];
  readonly args: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Named contexts (`additional_contexts`): name → directory or `docker-image://…` etc. */
  readonly namedContexts: Readonly<Record<string, string>>;
  readonly secrets: readonly BuildSecret[];
  /** `default` or `id=path` entries, as `--ssh` takes them. */
  readonly ssh: readonly string[];
  readonly cacheFrom: readonly string[];
  readonly cacheTo: readonly string[];
  readonly network?: string | undefined;
  readonly extraHosts: readonly string[];
  readonly platforms: readonly string[];
  readonly shmSize?: string | undefined;
  readonly noCache: boolean;
  readonly pull: boolean;
  /** Push the tags to their registry instead of (or as well as) loading into the engine. */
  readonly push: boolean;
  /** A buildx builder other than the current one. */
  readonly builder?: string | undefined;
  /** Build for the result only (a check): nothing is loaded, tagged or pushed (`--output type=cacheonly`). */
  readonly cacheOnly?: boolean;
}

/** What a successful build resolves with; a failed one rejects instead, so this is never a partial result. */
export interface BuildResult {
  /** Image ID (`sha256:…`) of the result, when loaded into the engine. */
  readonly imageId: string | undefined;
  readonly durationMs: number;
  /** How many steps BuildKit took from its cache, of how many. */
  readonly cachedSteps: number;
  readonly totalSteps: number;
}

/** A build that BuildKit ran and that failed: where, and the tail of its output. */
export interface BuildFailure {
  readonly message: string;
  readonly step: StepRef | undefined;
  /** Last lines of the failing step's log (or of the whole build when no step is known). */
  readonly logTail: readonly string[];
}

/** Which buildx and builder will run the builds. Calling `info` first turns a missing plugin or builder into one clear error. */
export interface BuilderInfo {
  readonly buildxVersion: string;
  readonly builder: string;
  readonly driver: string;
}

/**
 * The BuildKit port, one `build` call per shared build. It builds exactly what the request says; deciding what is stale
 * and how to tag it is the engine's job.
 */
export interface ImageBuilder {
  /** Checks that buildx and the builder are there. Rejects with EngineUnavailableError and the fix. */
  info(builder?: string): Promise<BuilderInfo>;
  /**
   * Runs one build. Progress arrives through `onEvent` in order. Rejects with
   * `BuildFailedError` (carrying a BuildFailure) when the build fails.
   */
  build(request: BuildRequest, onEvent: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildResult>;
}
