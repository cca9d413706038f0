/**
 * The compose CLI, which stays the source of truth for compose semantics
 * (interpolation, `.env`, `include`, `extends`, profiles, networks, labels).
 */
export interface ComposeTarget {
  /** Compose files, absolute, in `-f` order (dockstage's override file last when it adds one). */
  readonly files: readonly string[];
  readonly projectName?: string | undefined;
  readonly projectDirectory?: string | undefined;
  readonly profiles: readonly string[];
  readonly envFiles: readonly string[];
}

/** Flags for `up`. */
export interface UpOptions {
  /** Recreate only the named services, not their dependencies (only for services without depends_on: core/compose/up-scope.ts). */
  readonly noDeps?: boolean;
  readonly forceRecreate?: boolean;
  /** Wait for services to be running/healthy (`up --wait`). */
  readonly wait?: boolean;
}

/**
 * The compose commands dockstage runs. Every call names its files through ComposeTarget, so compose never discovers
 * a different set.
 */
export interface ComposeCli {
  /** The resolved project (`config --format json`), parsed. Rejects with ComposeCommandError. */
  config(target: ComposeTarget): Promise<unknown>;
  /** `up -d --no-build` for the services (all when empty). */
  up(target: ComposeTarget, services: readonly string[], options?: UpOptions): Promise<void>;
  /** `down`, with volumes when asked. */
  down(target: ComposeTarget, options?: { readonly volumes?: boolean }): Promise<void>;
  /** `stop`, `start` or `restart` for the services. */
  lifecycle(target: ComposeTarget, command: 'stop' | 'start' | 'restart', services: readonly string[]): Promise<void>;
}
