/**
 * The process logship runs in a container to follow one file, built from `sh`, `stat`, `tail` and
 * `cat` (busybox or coreutils) and /proc. It keeps the file open as descriptor 3, looks at the path
 * once a second and copies what was appended with `cat <&3`, which continues where the previous
 * one stopped; so it always knows which file the bytes it prints come from. It does not rely on
 * `tail -F`, whose rotation handling differs between implementations (busybox 1.35 announces the
 * new file *before* it drains the old one; older busybox drops the old file's rest; coreutils words
 * it differently) and never says where the old file's bytes end in its output.
 * - Resumes at byte OFFSET only when the file is still the one checkpointed (same inode, not
 *   shorter); a checkpointed file rotated away meanwhile (`app.log.1`, `app.log-2026…`) is finished
 *   first; otherwise the current file is read from its start.
 * - Before the bytes of each file it prints a marker "NUL logship-tail <inode> <offset>", so the
 *   shipper knows which file and offset the bytes that follow belong to. On rotation it drains the
 *   old file through its open descriptor (moved or deleted, it is still readable), then marks and
 *   reads the new one; a file that shrank (copytruncate) is marked and read again from 0.
 * - The follower runs in the background; the foreground reads stdin until EOF and then kills it:
 *   when the shipper goes away, however it goes, its end of the attached stdin closes, and the
 *   follower's last `cat` or `sleep` is finite, so nothing is left behind in the container.
 */
export const TAIL_SCRIPT = [
  'f=$1; want=$2; off=$3',
  'for t in stat tail cat; do command -v $t >/dev/null 2>&1 || { echo "logship-tail missing $t"; exit 127; }; done',
  'mark() { printf "\\000logship-tail %s %s\\n" "$1" "$2"; }',
  // names the file next to the path ("$f"?*: app.log.1, app.log-2026…) whose inode is $1
  'rotated() { for g in "$f"?*; do [ "$(stat -L -c %i "$g" 2>/dev/null)" = "$1" ] && { echo "$g"; return 0; }; done; return 1; }',
  // runs a finite copy from descriptor $1 in the background, so that a stop ends it even while it
  // waits to write (an asynchronous command's stdin would be /dev/null without the explicit <&)
  'copy() { d=$1; shift; "$@" <&"$d" & c=$!; wait $c; }',
  // opens the path as descriptor 3; cur and size describe what was opened (the path may move meanwhile)
  'reopen() {',
  '  cur=none; size=0',
  '  [ -r "$f" ] && { command exec 3<"$f"; } 2>/dev/null || return 1',
  "  set -- $(stat -L -c '%i %s' /proc/self/fd/3 2>/dev/null); cur=${1:-none}; size=${2:-0}",
  '}',
  // opens the path and copies it from its first byte, after its marker
  'restart() { reopen || return 1; mark "$cur" 0; copy 3 cat; }',
  // where descriptor 3 stands: what was read of the open file
  'at() { pos=0; while read -r k v; do [ "$k" = pos: ] && { pos=$v; return 0; }; done < /proc/self/fdinfo/3; }',
  'follow() {',
  "  trap 'kill ${c:-} 2>/dev/null; exit 0' TERM",
  '  reopen; pos=0',
  '  if [ "$cur" != none ] && { [ "$want" = any ] || [ "$cur" = "$want" ]; } && [ "$size" -ge "$off" ]; then pos=$off',
  '  elif [ "$want" != any ] && [ "$off" -gt 0 ] && g=$(rotated "$want") && { command exec 4<"$g"; } 2>/dev/null; then',
  // the checkpointed file, rotated away while nobody watched: its rest first, checked by inode as opened
  "    set -- $(stat -L -c '%i %s' /proc/self/fd/4 2>/dev/null)",
  '    [ "$1" = "$want" ] && [ "${2:-0}" -ge "$off" ] && { mark "$want" "$off"; copy 4 tail -c +$((off + 1)); }',
  '    exec 4<&-',
  '  fi',
  // from pos to the end, leaving descriptor 3 at the end for the cats that follow
  '  [ "$cur" != none ] && { mark "$cur" "$pos"; copy 3 tail -c +$((pos + 1)); }',
  '  while :; do',
  "    set -- $(stat -L -c '%i %s' \"$f\" 2>/dev/null)",
  '    if [ "${1:-none}" != "$cur" ]; then',
  // rotated, removed or (re)appeared: the old file's rest through its descriptor, then the new one
  '      [ "$cur" != none ] && copy 3 cat',
  '      restart && continue',
  '    elif [ "$cur" != none ]; then',
  '      at',
  // shrank below what was read (copytruncate): from its first byte again
  '      if [ "$2" -lt "$pos" ]; then restart && continue',
  '      elif [ "$2" -gt "$pos" ]; then copy 3 cat',
  '      fi',
  '    fi',
  '    sleep 1',
  '  done',
  '}',
  'follow &',
  'p=$!',
  'while read -r _; do :; done',
  'kill $p 2>/dev/null',
].join('\n');

export function tailCommand(path: string, inode: string, offset: number): string[] {
  return ['sh', '-c', TAIL_SCRIPT, 'logship-tail', path, inode, String(offset)];
}

/** Markers start with a NUL byte, which text log lines do not contain, and may follow a partial line. */
const MARKER = new RegExp(`${String.fromCharCode(0)}logship-tail (\\S+) (\\d+)$`);

export type TailNotice =
  | { kind: 'start'; inode: string | undefined; offset: number; before: string }
  | { kind: 'missing-tool'; tool: string }
  | undefined;

/** Recognises the wrapper's markers among the file's lines (a marker may follow a partial last line). */
export function tailNotice(line: string, first: boolean): TailNotice {
  const m = line.includes('\u0000') ? MARKER.exec(line) : null;
  if (m) return { kind: 'start', inode: m[1] === 'none' ? undefined : m[1], offset: Number(m[2]), before: line.slice(0, m.index) };
  if (first) {
    const missing = /^logship-tail missing (\w+)$/.exec(line);
    if (missing) return { kind: 'missing-tool', tool: missing[1] as string };
  }
  return undefined;
}
