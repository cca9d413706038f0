/**
 * Looking at the symlinks on the builds' source paths (a few lstat/readlink
 * calls per COPY source; a directory listing per wildcard element), so that the
 * pure core can follow them as BuildKit does (core/dockerfile/follow-links.ts).
 */
import path from 'node:path';
import { linkSources, withContextLinks } from '../core/context-links.js';
import { linksToLook, NO_LINKS, type ContextLinks } from '../core/dockerfile/follow-links.js';
import type { Workspace } from '../core/workspace.js';
import type { FileSystem } from '../ports/file-system.js';

/** Following a chain of links takes one round per link; a longer chain than this is a loop BuildKit refuses too. */
const MAX_ROUNDS = 40;

/** The links `sources` meet in the context directory `dir`, looking again only at what the previous round did not. */
export async function findContextLinks(fs: FileSystem, dir: string, sources: readonly string[]): Promise<ContextLinks> {
  let known = NO_LINKS;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { paths, dirs } = linksToLook(sources, known);
    if (paths.length === 0 && dirs.length === 0) break;
    const links = new Map(known.links);
    const [targets, listings] = await Promise.all([
      Promise.all(paths.map((relative) => fs.readLink(path.join(dir, relative)))),
      Promise.all(
        dirs.map(async (relative) => {
          const entries = (await fs.entries(path.join(dir, relative))) ?? [];
          const found = entries.filter((entry) => entry.kind === 'symlink');
          return Promise.all(
            found.map(
              async (entry) =>
                [
                  relative === '.' ? entry.name : `${relative}/${entry.name}`,
                  await fs.readLink(path.join(dir, relative, entry.name)),
                ] as const,
            ),
          );
        }),
      ),
    ]);
    paths.forEach((relative, i) => {
      const target = targets[i];
      if (target !== null && target !== undefined) links.set(relative, target);
    });
    const listed = listings.flat();
    for (const [relative, target] of listed) if (target !== null) links.set(relative, target);
    known = {
      links,
      looked: new Set([...known.looked, ...paths, ...listed.map(([relative]) => relative)]),
      listed: new Set([...known.listed, ...dirs]),
    };
  }
  return known;
}

/** The links the workspace's build sources meet now, by absolute context directory. */
export async function linksFromDisk(fs: FileSystem, workspace: Workspace): Promise<Map<string, ContextLinks>> {
  const found = new Map<string, ContextLinks>();
  await Promise.all([...linkSources(workspace)].map(async ([dir, sources]) => found.set(dir, await findContextLinks(fs, dir, sources))));
  return found;
}

/** The workspace with the links its builds' sources meet, looked at now (the same workspace object when nothing differs). */
export async function withLinksFromDisk(fs: FileSystem, workspace: Workspace): Promise<Workspace> {
  return withContextLinks(workspace, await linksFromDisk(fs, workspace));
}
