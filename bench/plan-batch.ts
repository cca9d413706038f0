/**
 * How long the planner takes for one batch of changes on a big project: 30
 * services (20 build contexts, 10 of them shared by two services, as web and
 * worker share one) and 20,000 context files. Pure and in memory: the
 * workspace comes from a synthetic compose project and literal Dockerfiles,
 * exactly what `buildWorkspace` gets from the loader.
 *
 * Two batches: every one of the 20,000 files at once (a branch switch) and a
 * single source file (an editor save).
 */
import { planForChanges } from '../src/core/state/plan.js';
import type { Workspace } from '../src/core/workspace.js';
import { dockerfile, project } from '../test/support/builders.js';

/** The project's size; the row is 30 services and 20,000 files. */
export interface PlanBatchSize {
  readonly services: number;
  readonly files: number;
}

/** Milliseconds per `planForChanges` call, one sample per round. */
export interface PlanBatchTimings {
  readonly allFiles: readonly number[];
  readonly oneFile: readonly number[];
  /** How many services the all-files batch rebuilds (a sanity check that the planner did the work). */
  readonly rebuilt: number;
}

const DOCKERFILE = dockerfile(
  'ARG NODE_IMAGE=node:22-alpine',
  'FROM ${NODE_IMAGE} AS base',
  'WORKDIR /app',
  'COPY package.json package-lock.json ./',
  'FROM base AS develop',
  'COPY config/ ./config/',
  'COPY src/ ./src/',
  'COPY assets/*.json ./assets/',
  'CMD ["node", "src/server.js"]',
  'FROM develop AS test',
  'COPY test/ ./test/',
  'RUN node --test test/',
  'FROM base AS builder',
  'COPY src/ ./src/',
  'COPY tsconfig.json ./',
  'RUN node build.js',
  'FROM ${NODE_IMAGE} AS production',
  'WORKDIR /app',
  'COPY --from=builder /app/dist ./dist',
);

const DOCKERIGNORE = '**/*.md\nnode_modules\nassets/raw/\n';

/** The workspace and the 20,000 (or `size.files`) absolute paths under its contexts, sorted. */
export function planBatchProject(size: PlanBatchSize): { workspace: Workspace; files: string[] } {
  const contexts = Math.ceil((size.services * 2) / 3);
  const builder = project('plan-bench', '/bench');
  for (let c = 0; c < contexts; c++) {
    builder.file(`/bench/ctx-${c}/Dockerfile`, DOCKERFILE).file(`/bench/ctx-${c}/.dockerignore`, DOCKERIGNORE);
  }
  for (let s = 0; s < size.services; s++) {
    // The first services pair up on shared contexts; the rest have their own.
    const context = s < 2 * (size.services - contexts) ? Math.floor(s / 2) : s - (size.services - contexts);
    builder.service(`svc-${String(s).padStart(2, '0')}`, { build: { context: `/bench/ctx-${context}`, target: 'develop' } });
  }
  const kinds = [
    'src/lib/module-%.js',
    'src/routes/route-%.js',
    'test/case-%.test.js',
    'assets/data-%.json',
    'assets/raw/blob-%.bin',
    'docs/page-%.md',
    'config/part-%.yaml',
  ];
  const files: string[] = [];
  for (let i = 0; i < size.files; i++) {
    files.push(`/bench/ctx-${i % contexts}/${kinds[i % kinds.length]!.replace('%', String(i))}`);
  }
  return { workspace: builder.workspace('dev'), files: files.sort() };
}

/**
 * Times `planForChanges` on the all-files batch and on a one-file batch, `rounds` times each after a warm-up call,
 * stopping early (after at least 3 rounds) once `budgetMs` is spent: a slow planner must not make the benchmark slow.
 */
export function measurePlanBatch(size: PlanBatchSize, rounds: number, budgetMs = 10_000): PlanBatchTimings {
  const { workspace, files } = planBatchProject(size);
  const one = [files.find((file) => file.includes('/src/lib/'))!];
  const time = (paths: readonly string[]) => {
    const started = performance.now();
    const plan = planForChanges(workspace, paths);
    return { ms: performance.now() - started, rebuilt: plan.services.filter((service) => service.action === 'rebuild').length };
  };
  const started = performance.now();
  time(files);
  time(one);
  const allFiles: number[] = [];
  const oneFile: number[] = [];
  let rebuilt = 0;
  for (let i = 0; i < rounds && (i < 3 || performance.now() - started < budgetMs); i++) {
    const all = time(files);
    allFiles.push(all.ms);
    rebuilt = all.rebuilt;
    oneFile.push(time(one).ms);
  }
  return { allFiles, oneFile, rebuilt };
}
