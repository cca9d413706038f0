/** A BuildRequest with every option empty, for tests to override what they exercise. */
import type { BuildRequest } from '../../src/ports/image-builder.js';

export function buildRequest(context: string, overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    context,
    dockerfile: `${context}/Dockerfile`,
    target: undefined,
    tags: [],
    args: {},
    labels: {},
    namedContexts: {},
    secrets: [],
    ssh: [],
    cacheFrom: [],
    cacheTo: [],
    extraHosts: [],
    platforms: [],
    noCache: false,
    pull: false,
    push: false,
    ...overrides,
  };
}
