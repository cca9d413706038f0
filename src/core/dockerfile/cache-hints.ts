/**
 * Cache-mount hints: a `RUN` that installs packages without a
 * `--mount=type=cache` for that tool's cache downloads everything again
 * whenever the layer is rebuilt. The hint names the exact mount to add. Hints
 * are advice shown by `stages`; dockstage never edits the user's Dockerfile.
 */
import { compareStrings } from '../order.js';
import type { RunStep, StageGraph } from './stage-graph.js';

/** Advice for one RUN line: adding `mount` lets `tool` keep its downloads across rebuilds. `stage` is a stage index. */
export interface CacheHint {
  readonly stage: number;
  readonly line: number;
  readonly tool: string;
  /** The flag to add to the RUN instruction, e.g. `--mount=type=cache,target=/root/.npm`. */
  readonly mount: string;
  readonly instruction: string;
}

interface ToolCache {
  readonly tool: string;
  readonly command: RegExp;
  readonly targets: readonly string[];
  readonly extra?: string;
}

const TOOLS: readonly ToolCache[] = [
  { tool: 'npm', command: /\bnpm\s+(ci|install|i)\b/, targets: ['/root/.npm'] },
  { tool: 'yarn', command: /\byarn(\s+install)?\s*($|&&|;|\s--)/, targets: ['/usr/local/share/.cache/yarn'] },
  { tool: 'pnpm', command: /\bpnpm\s+(install|i|fetch)\b/, targets: ['/root/.local/share/pnpm/store'] },
  { tool: 'pip', command: /\bpip3?\s+install\b/, targets: ['/root/.cache/pip'] },
  { tool: 'poetry', command: /\bpoetry\s+install\b/, targets: ['/root/.cache/pypoetry'] },
  { tool: 'uv', command: /\buv\s+(sync|pip\s+install)\b/, targets: ['/root/.cache/uv'] },
  // `go mod download` only fetches modules; compiling also fills the build cache.
  { tool: 'go', command: /\bgo\s+mod\s+download\b/, targets: ['/go/pkg/mod'] },
  { tool: 'go', command: /\bgo\s+(build|install|test)\b/, targets: ['/go/pkg/mod', '/root/.cache/go-build'] },
  { tool: 'cargo', command: /\bcargo\s+(build|install|fetch)\b/, targets: ['/usr/local/cargo/registry'] },
  { tool: 'maven', command: /(\bmvn|\/mvnw)\s/, targets: ['/root/.m2'] },
  { tool: 'gradle', command: /(\bgradle|\/gradlew)\s/, targets: ['/root/.gradle'] },
  { tool: 'apt-get', command: /\bapt(-get)?\s+install\b/, targets: ['/var/cache/apt', '/var/lib/apt'], extra: ',sharing=locked' },
  { tool: 'apk', command: /\bapk\s+add\b/, targets: ['/var/cache/apk'] },
];

/** Hints for the RUN steps of the given stages (all stages when omitted), in line order. */
export function cacheHints(graph: StageGraph, stages?: readonly number[]): CacheHint[] {
  const wanted = stages === undefined ? undefined : new Set(stages);
  const hints: CacheHint[] = [];
  for (const run of graph.runs) {
    if (wanted !== undefined && !wanted.has(run.stage)) continue;
    const advised = new Set<string>();
    for (const tool of TOOLS) {
      if (!tool.command.test(run.command)) continue;
      for (const target of tool.targets) {
        if (hasCacheMount(run, target) || advised.has(target)) continue;
        advised.add(target);
        hints.push({
          stage: run.stage,
          line: run.line,
          tool: tool.tool,
          mount: `--mount=type=cache,target=${target}${tool.extra ?? ''}`,
          instruction: run.instruction,
        });
      }
    }
  }
  return hints.sort((a, b) => a.line - b.line || compareStrings(a.mount, b.mount));
}

function hasCacheMount(run: RunStep, target: string): boolean {
  return run.mounts.some((mount) => mount.type === 'cache' && trimSlash(mount.options['target'] ?? '') === target);
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
