/**
 * The shell script that applies a live-sync batch inside a container, and the
 * encoding of a batch as its arguments. Paths travel as arguments (never in the
 * script text); contents travel on stdin. The script needs only `sh`, `cat`,
 * `head`, `tail`, `mkdir`, `rm`, `chown` and `chmod`, and resolves `--chown`
 * names from the container's own /etc/passwd and /etc/group with built-ins.
 *
 * Two ways to start it:
 * - `sh -c SCRIPT sh ARGS…`: the arguments on the command line (one exec per batch);
 * - `sh -c SCRIPT sh --stdin-args`: started ahead of any change, it waits for
 *   its arguments on stdin (a count, then one argument per line) and then the
 *   contents. EOF before the count means "no batch": it exits 0.
 */
import type { ContainerFileBatch, ContainerOwner } from '../../ports/container-files.js';

/**
 * The applier. Arguments: `stage` first when several files come on stdin,
 * then operations: `R path` (remove), `D path mode user group` (mkdir when
 * missing), `S path into mode user group` (the only file: stdin is its
 * content), `F offset length path into mode user group` (a slice of the
 * staged stdin). `into` non-empty: write inside `path` when it is a
 * directory. A group of `-` is the user's primary group (or the uid for a
 * numeric user). Prints each written path followed by NUL; a failure exits
 * with `SCRIPT_FAILED` and says why on stderr.
 */
export const SYNC_SCRIPT = `
fail() { echo "dockstage: $*" >&2; exit 3; }
if [ "$1" = --stdin-args ]; then
  IFS= read -r count || exit 0
  set --
  while [ "$count" -gt 0 ]; do
    IFS= read -r arg || fail "the batch ended early"
    set -- "$@" "$arg"
    count=$((count - 1))
  done
fi
resolve() {
  uid=$1; gid=$2
  case $uid in
    ''|*[!0-9]*)
      found=
      while IFS=: read -r name _ id primary _; do
        if [ "$name" = "$1" ]; then found=1; uid=$id; [ "$gid" = - ] && gid=$primary; break; fi
      done < /etc/passwd
      [ -n "$found" ] || fail "no user '$1' in the container's /etc/passwd" ;;
    *) [ "$gid" = - ] && gid=$uid ;;
  esac
  case $gid in
    ''|*[!0-9]*)
      found=
      while IFS=: read -r name _ id _; do
        if [ "$name" = "$gid" ]; then found=1; gid=$id; break; fi
      done < /etc/group
      [ -n "$found" ] || fail "no group '$2' in the container's /etc/group" ;;
  esac
  owner=$uid:$gid
}
place() {
  target=$1
  if [ -n "$2" ] && [ -d "$target" ]; then target=$target/$2; fi
  if [ -L "$target" ]; then rm -f "$target" || fail "cannot replace the symlink $target"; fi
}
finish() {
  chown "$owner" "$target" && chmod "$1" "$target" || fail "cannot set the owner and mode of $target"
  printf '%s\\0' "$target"
}
if [ "$1" = stage ]; then
  stage=/.dockstage-sync-$$
  trap 'rm -f "$stage"' EXIT
  cat > "$stage" || fail "cannot stage the new contents in /"
  shift
fi
while [ $# -gt 0 ]; do
  case $1 in
    R) rm -rf "$2" || fail "cannot remove $2"; shift 2 ;;
    D)
      if [ ! -d "$2" ]; then
        resolve "$4" "$5"
        mkdir "$2" && chown "$owner" "$2" && chmod "$3" "$2" || fail "cannot create $2"
      fi
      shift 5 ;;
    S)
      resolve "$5" "$6"; place "$2" "$3"
      cat > "$target" || fail "cannot write $target"
      finish "$4"; shift 6 ;;
    F)
      resolve "$7" "$8"; place "$4" "$5"
      tail -c "+$(($2 + 1))" "$stage" | head -c "$3" > "$target" || fail "cannot write $target"
      finish "$6"; shift 8 ;;
    *) fail "unknown operation $1" ;;
  esac
done
`;

/** The exit code of a batch the script refused (its stderr says why); any other failure is the process's, not the batch's. */
export const SCRIPT_FAILED = 3;

/** A batch as the script takes it: the arguments and the contents to send on stdin, in order. */
export interface ScriptInvocation {
  readonly args: readonly string[];
  readonly contents: readonly Uint8Array[];
}

/** Encodes a batch (container paths already checked absolute). */
export function scriptInvocation(batch: ContainerFileBatch): ScriptInvocation {
  const files = batch.files ?? [];
  const args: string[] = files.length > 1 ? ['stage'] : [];
  for (const target of batch.removals ?? []) args.push('R', target);
  for (const dir of batch.directories ?? []) args.push('D', dir.path, mode(dir.mode), ...owner(dir.owner));
  let offset = 0;
  for (const file of files) {
    const place = [file.path, file.intoDirectoryNamed ?? '', mode(file.mode), ...owner(file.owner)];
    if (files.length === 1) args.push('S', ...place);
    else args.push('F', String(offset), String(file.content.length), ...place);
    offset += file.content.length;
  }
  return { args, contents: files.map((f) => f.content) };
}

/**
 * What a script started with `--stdin-args` reads before the contents, or undefined when an argument holds a
 * newline (it could not be told from the next one: such a batch goes through a fresh exec with real arguments).
 */
export function stdinArguments(args: readonly string[]): Buffer | undefined {
  if (args.some((arg) => arg.includes('\n'))) return undefined;
  return Buffer.from(`${args.length}\n${args.map((arg) => `${arg}\n`).join('')}`, 'utf8');
}

function owner(value: ContainerOwner): [string, string] {
  return [String(value.user), value.group === null ? '-' : String(value.group)];
}

function mode(bits: number): string {
  return (bits & 0o7777).toString(8);
}

/**
 * Lists a directory for a full copy. Arguments: the directory, the marker file. Prints, NUL-separated: the owner
 * (`uid:gid`, or `-` when the directory is missing), the marker's text (or `-` when absent, else `+` and the text),
 * then `d` and each directory, `f` and each other entry (not crossing into other mounts), `m` and each mount point.
 */
export const LIST_SCRIPT = `
if [ -d "$1" ]; then printf '%s\\0' "$(stat -c %u:%g "$1")"; else printf '%s\\0' -; fi
if [ -f "$2" ]; then printf '+'; cat "$2"; printf '\\0'; else printf '%s\\0' -; fi
printf 'd\\0'
[ -d "$1" ] && find "$1" -xdev -mindepth 1 -type d -print0
printf 'f\\0'
[ -d "$1" ] && find "$1" -xdev -mindepth 1 ! -type d -print0
printf 'm\\0'
while read -r _ point _; do printf '%s\\0' "$point"; done < /proc/mounts
exit 0
`;
