/**
 * What compose recreates a container for: its config hash covers the service
 * definition except what only builds and compose's own bookkeeping read. The
 * reducer compares the definitions before and after a compose edit with it, so
 * a reload recreates exactly what `docker compose up` would.
 */
/** Keys of a service definition that do not shape its container, as compose's config hash leaves them out too (pkg/compose/hash.go), plus `develop`. */
const NOT_IN_CONTAINER: ReadonlySet<string> = new Set(['build', 'develop', 'pull_policy', 'scale', 'depends_on', 'profiles']);

/**
 * A service's compose definition as far as its container is concerned: everything but what only builds read
 * (`build`), compose watch's rules (`develop`), extensions (`x-*`, dockstage's own among them) and what compose's
 * config hash ignores. Compose prints its JSON in a fixed field order with sorted maps, so equal means unchanged.
 */
export function containerDefinition(definition: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(definition)
    .filter(([key]) => !NOT_IN_CONTAINER.has(key) && !key.startsWith('x-'))
    .map(([key, value]) =>
      key === 'deploy' && value !== null && typeof value === 'object'
        ? [key, { ...(value as Record<string, unknown>), replicas: undefined }]
        : [key, value],
    );
  return JSON.stringify(entries);
}
