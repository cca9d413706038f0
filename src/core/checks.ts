/**
 * Checks: the stages of a Dockerfile that exist only to verify (`FROM develop AS test` + `RUN npm test`, a `lint`
 * stage). Which stages are checks, per service and environment, and the build of one. Pure.
 *
 * Precedence per service: `x-dockstage.environments.<env>.services.<svc>.checks` > `environments.<env>.checks` (the
 * stages this Dockerfile has) > the convention: in `dev` and `ci`, stages named test, tests, check or lint. A stage in
 * the target's closure is never a check: building the target builds it already, and its failure is a build failure.
 */
import { findStage, stageClosure, type StageGraph } from './dockerfile/stage-graph.js';
import { didYouMean } from './suggest.js';
import type { ConfigIssue, EnvironmentConfig } from './environments.js';

/** Stage names that are checks by convention, in the environments that have the convention. */
export const CHECK_CONVENTION: readonly string[] = ['test', 'tests', 'check', 'lint'];
/** Environments with conventional checks; any other (prod) has only those it configures. */
export const CHECK_ENVIRONMENTS: readonly string[] = ['dev', 'ci'];

/** Where a service's check list came from. */
export type CheckSource = 'service-config' | 'environment' | 'convention';

/** One check stage of a service's Dockerfile. */
export interface CheckModel {
  /** The stage's name (checks are always named stages: `--target` needs the name). */
  readonly stage: string;
  readonly stageIndex: number;
  readonly source: CheckSource;
  /** Identical for services whose check builds are the same (same Dockerfile, stage, args, contexts…): it runs once for all. */
  readonly key: string;
}

/**
 * The check stages of one service's Dockerfile in an environment, in file order. `errors` are configured names this
 * Dockerfile lacks (for the service's own list only: an environment's list applies where the stage exists).
 */
export function chooseChecks(
  graph: StageGraph,
  targetStage: number,
  environment: EnvironmentConfig,
  service: string,
): { readonly stages: readonly { readonly index: number; readonly source: CheckSource }[]; readonly errors: readonly ConfigIssue[] } {
  const closure = new Set(stageClosure(graph, targetStage));
  const usable = (index: number) => !closure.has(index) && graph.stages[index]!.name !== undefined;
  const configured = environment.services[service]?.checks;
  if (configured !== undefined) {
    const errors: ConfigIssue[] = [];
    const stages: { index: number; source: CheckSource }[] = [];
    for (const name of configured) {
      const stage = findStage(graph, name);
      if (stage === undefined || stage.name === undefined) {
        errors.push({
          message: `service '${service}' has no stage '${name}' in ${graph.file} to check`,
          path: `x-dockstage.environments.${environment.name}.services.${service}.checks`,
          service,
          hint: `${didYouMean(
            name,
            graph.stages.flatMap((s) => (s.name === undefined ? [] : [s.name])),
          )}stages: ${graph.stages.map((s) => s.displayName).join(', ')}`,
        });
      } else if (usable(stage.index)) {
        stages.push({ index: stage.index, source: 'service-config' });
      }
    }
    return { stages: sortedUnique(stages), errors };
  }
  const names = environment.checks ?? (CHECK_ENVIRONMENTS.includes(environment.name) ? CHECK_CONVENTION : []);
  const source: CheckSource = environment.checks === undefined ? 'convention' : 'environment';
  const stages = names.flatMap((name) => {
    const stage = findStage(graph, name);
    return stage === undefined || !usable(stage.index) ? [] : [{ index: stage.index, source }];
  });
  return { stages: sortedUnique(stages), errors: [] };
}

/**
 * The names in `environments.<env>.checks` that no service's Dockerfile has: most likely typos, reported like an
 * environment default target that no Dockerfile has.
 */
export function unknownEnvironmentChecks(environment: EnvironmentConfig, graphs: readonly StageGraph[]): ConfigIssue[] {
  if (environment.checks === undefined || graphs.length === 0) return [];
  const known = new Set(graphs.flatMap((graph) => graph.stages.flatMap((stage) => (stage.name === undefined ? [] : [stage.name]))));
  return environment.checks
    .filter((name) => !known.has(name.toLowerCase()))
    .map((name) => ({
      message: `environment '${environment.name}' checks stage '${name}', which no service's Dockerfile has`,
      path: `x-dockstage.environments.${environment.name}.checks`,
      hint: `${didYouMean(name, known)}stages: ${[...known].sort().join(', ')}`,
    }));
}

function sortedUnique(stages: readonly { index: number; source: CheckSource }[]): { index: number; source: CheckSource }[] {
  const seen = new Set<number>();
  return [...stages].sort((a, b) => a.index - b.index).filter((stage) => !seen.has(stage.index) && seen.add(stage.index));
}
