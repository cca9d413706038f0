/**
 * How far a `compose up` of some services reaches. Compose 2.26 and later
 * strip `depends_on` from a service they create with `up --no-deps`, which
 * changes its config hash (docker/compose#12069): the next plain `up` then
 * recreates that container for nothing (a watch started after `env` did). So
 * dockstage passes `--no-deps` only when none of the services depends on
 * another, where it changes nothing in the hash; otherwise compose converges
 * their dependencies too, and leaves alone each one that matches its
 * definition. Callers wait until those dependencies are settled, so compose
 * never races dockstage's own work on them.
 */
import type { Workspace } from '../workspace.js';

/** `--no-deps` is safe for these services: none declares `depends_on`, so compose's config hash is the same with it. */
export function upWithoutDependencies(workspace: Workspace, services: readonly string[]): boolean {
  return services.every((name) => (workspace.services.find((s) => s.name === name)?.dependsOn.length ?? 0) === 0);
}

/** Every service the named ones depend on, transitively (not the named ones themselves), sorted. */
export function dependencyClosure(workspace: Workspace, services: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    for (const dep of workspace.services.find((s) => s.name === name)?.dependsOn ?? []) {
      if (seen.has(dep.service)) continue;
      seen.add(dep.service);
      visit(dep.service);
    }
  };
  for (const name of services) visit(name);
  for (const name of services) seen.delete(name);
  return [...seen].sort();
}
