/**
 * The symlinks on the builds' source paths, between the engine that looks at
 * the disk and the workspace that plans with them: which sources to follow in
 * which context directory, the workspace with what was found, and whether a
 * batch of changes may have changed it. Pure.
 */
import path from 'node:path/posix';
import { compileInputs } from './dockerfile/stage-inputs.js';
import { touchesLinks, type ContextLinks } from './dockerfile/follow-links.js';
import { buildContexts, type Workspace } from './workspace.js';

/** The sources to follow (FollowPaths), by absolute context directory, over every build of the workspace. */
export function linkSources(workspace: Workspace): Map<string, string[]> {
  const byDir = new Map<string, Set<string>>();
  for (const service of workspace.services) {
    const build = service.build;
    if (build === undefined) continue;
    for (const [context, dir] of buildContexts(build)) {
      const sources = byDir.get(dir) ?? new Set<string>();
      for (const input of build.inputs) if (input.context === context && !input.parents) sources.add(input.source);
      byDir.set(dir, sources);
    }
  }
  return new Map([...byDir].filter(([, sources]) => sources.size > 0).map(([dir, sources]) => [dir, [...sources].sort()]));
}

/**
 * The workspace with the links found in each context directory: builds whose links differ get their inputs compiled
 * again; the others (nearly always all) are kept as they are, and so is the workspace when none differs.
 */
export function withContextLinks(workspace: Workspace, linksByDir: ReadonlyMap<string, ContextLinks>): Workspace {
  let changed = false;
  const services = workspace.services.map((service) => {
    const build = service.build;
    if (build === undefined) return service;
    const links: Record<string, ContextLinks> = {};
    for (const [context, dir] of buildContexts(build)) {
      const found = linksByDir.get(dir);
      if (found !== undefined) links[context] = found;
    }
    const same =
      Object.keys(links).length === Object.keys(build.links).length &&
      Object.entries(links).every(([context, found]) => sameContextLinks(build.links[context], found));
    if (same) return service;
    changed = true;
    return { ...service, build: { ...build, links, inputs: compileInputs(build.graph, build.closure, links) } };
  });
  return changed ? { ...workspace, services } : workspace;
}

/** Whether any of the changed absolute paths may change how a build's sources resolve through links (a path looked at, an entry of a listed directory). */
export function linksTouched(workspace: Workspace, changedPaths: readonly string[]): boolean {
  for (const service of workspace.services) {
    const build = service.build;
    if (build === undefined) continue;
    for (const [context, dir] of buildContexts(build)) {
      const known = build.links[context];
      if (known === undefined) continue;
      const base = dir.endsWith('/') ? dir : `${dir}/`;
      for (const changed of changedPaths)
        if (changed.startsWith(base) && touchesLinks(known, path.normalize(changed.slice(base.length)))) return true;
    }
  }
  return false;
}

/** Equal content: the same links, paths looked at and directories listed. */
export function sameContextLinks(a: ContextLinks | undefined, b: ContextLinks | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a.links.size !== b.links.size || a.looked.size !== b.looked.size || a.listed.size !== b.listed.size) return false;
  for (const [link, target] of a.links) if (b.links.get(link) !== target) return false;
  for (const looked of a.looked) if (!b.looked.has(looked)) return false;
  for (const listed of a.listed) if (!b.listed.has(listed)) return false;
  return true;
}
