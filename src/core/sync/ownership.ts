/**
 * `COPY --chown` and `--chmod` as BuildKit applies them (llb.WithUser and the
 * file op's readUser; the copier's copyFileInfo). Pure: a name stays a name,
 * because only the image's /etc/passwd and /etc/group can turn it into ids,
 * and the running container has the same files, so the applier resolves it
 * there.
 */

/**
 * Who owns a synced file. A number is an id; a string is a name to look up in
 * the container. `group: null` means the named user's primary group (BuildKit
 * reads both ids from the user's /etc/passwd line).
 */
export interface SyncOwner {
  readonly user: number | string;
  readonly group: number | string | null;
}

/** What a COPY without `--chown` gives: root, whatever USER says (build contexts arrive with uid and gid reset to 0). */
export const ROOT_OWNER: SyncOwner = { user: 0, group: 0 };

const MAX_ID = 0xffff_ffff;

/**
 * Reads a `--chown` value: `1000` → 1000:1000 (BuildKit uses the uid as gid
 * when no group is given), `node` → node and its primary group, `node:staff`,
 * `1000:staff`. `root` counts as id 0 in either place, as in BuildKit.
 */
export function parseChown(value: string): SyncOwner {
  const colon = value.indexOf(':');
  const user = idOrName(colon < 0 ? value : value.slice(0, colon));
  if (colon >= 0) return { user, group: idOrName(value.slice(colon + 1)) };
  return { user, group: typeof user === 'number' ? user : null };
}

/**
 * Reads a `--chmod` value: an octal number up to 7777, of which the copier
 * applies the permission bits (`& 0o777`). Returns undefined for anything
 * else (symbolic modes need a newer Dockerfile frontend than dockstage
 * models).
 */
export function parseChmod(value: string): number | undefined {
  if (!/^[0-7]+$/.test(value)) return undefined;
  const mode = Number.parseInt(value, 8);
  return mode > 0o7777 ? undefined : mode & 0o777;
}

function idOrName(text: string): number | string {
  if (text === 'root') return 0;
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    if (id <= MAX_ID) return id;
  }
  return text;
}
