/**
 * The process logship runs in a container to follow one file, built from `sh`, `stat` and `dd`
 * (busybox or coreutils) and /proc. It keeps the file open as descriptor 3, looks at the path once
 * a second and copies what was appended from the open descriptor, which goes on where the previous
 * copy stopped; so it always knows which file the bytes it prints come from. It does not rely on
 * `tail -F`, whose rotation handling differs between implementations (busybox 1.35 announces the
 * new file *before* it drains the old one; older busybox drops the old file's rest; coreutils words
 * it differently) and never says where the old file's bytes end in its output.
 *
 * Framing: after the first header, stdout is nothing but frames, "NUL logship-tail <inode> <offset>
 * <length> LF" followed by exactly <length> bytes of the file from <offset>. The shipper reads a
 * header only where the previous frame's bytes end and never looks for one inside them, so file
 * content cannot forge a header, whatever bytes it holds (an in-band marker recognised anywhere in
 * the stream let a logged line move the checkpoint). Markers on stderr instead would not do: Docker
 * does not keep the order between stdout and stderr frames. <length> is the file's size minus the
 * descriptor's position (/proc/self/fdinfo/3) when looked at; `dd` copies exactly that many bytes,
 * since a regular file's read() returns less only at its end, and reads nothing beyond. The
 * position after the copy proves it: a copy that came up short (the file shrank meanwhile, or
 * `dd` could not run) would leave the shipper waiting for bytes that never come, so the wrapper
 * ends instead and the shipper starts it again from the last line it has.
 * - Resumes at byte OFFSET only when the file is still the one checkpointed (same inode, not
 *   shorter); a checkpointed file rotated away meanwhile (`app.log.1`, `app.log-2026…`) is finished
 *   first; otherwise the current file is read from its start.
 * - On rotation it drains the old file through its open descriptor (moved or deleted, it is still
 *   readable), then frames the new one from byte 0 (a header with length 0 for an empty file); a
 *   file that shrank (copytruncate) is framed again from 0.
 * - A frame of 64 KiB or more means a busy writer: the next look follows at once, not a second later.
 * - The follower runs in the background; the foreground reads stdin until EOF and then kills it:
 *   when the shipper goes away, however it goes, its end of the attached stdin closes, and the
 *   follower's last `dd` or `sleep` is finite, so nothing is left behind in the container.
 */
export const TAIL_SCRIPT = [
  'f=$1; want=$2; off=$3',
  'for t in stat dd; do command -v $t >/dev/null 2>&1 || { echo "logship-tail missing $t"; exit 127; }; done',
  'mark() { printf "\\000logship-tail %s %s %s\\n" "$1" "$2" "$3"; }',
  // the shipper would wait forever for bytes a header announced: end, it starts us again
  'die() { echo "logship-tail: $f: $*; starting over" >&2; kill $$; exit 1; }',
  // names the file next to the path ("$f"?*: app.log.1, app.log-2026…) whose inode is $1
  'rotated() { for g in "$f"?*; do [ "$(stat -L -c %i "$g" 2>/dev/null)" = "$1" ] && { echo "$g"; return 0; }; done; return 1; }',
  // runs a finite copy from descriptor $1 in the background, so that a stop ends it even while it
  // waits to write (an asynchronous command's stdin would be /dev/null without the explicit <&);
  // dd's record counts are noise, its failures show as a short copy
  'copy() { d=$1; shift; "$@" <&"$d" 2>/dev/null & c=$!; wait $c; }',
  // opens the path as descriptor 3; cur and size describe what was opened (the path may move meanwhile)
  'reopen() {',
  '  cur=none; size=0',
  // a regular file only: opening a FIFO would block
  '  [ -f "$f" ] && [ -r "$f" ] && { command exec 3<"$f"; } 2>/dev/null || return 1',
  "  set -- $(stat -L -c '%i %s' /proc/self/fd/3 2>/dev/null); cur=${1:-none}; size=${2:-0}",
  '}',
  // where descriptor $1 stands: what was read of the open file
  'at() { pos=0; while read -r k v; do [ "$k" = pos: ] && { pos=$v; return 0; }; done < /proc/self/fdinfo/$1; }',
  // moves descriptor $1 to byte $2 without reading it (dd seeks a seekable input)
  'seek() { copy "$1" dd bs=1 skip="$2" count=0; at "$1"; [ "$pos" = "$2" ] || die "cannot seek to byte $2"; }',
  // one frame: the header, then the next $3 bytes of descriptor $1 (file $2), exactly
  'frame() {',
  '  at "$1"; from=$pos; n=$3',
  '  mark "$2" "$from" "$n"',
  '  [ "$n" -ge 65536 ] && copy "$1" dd bs=65536 count=$((n / 65536))',
  '  [ $((n % 65536)) -gt 0 ] && copy "$1" dd bs=$((n % 65536)) count=1',
  '  at "$1"; [ $((pos - from)) -eq "$n" ] || die "copied $((pos - from)) of $n bytes from byte $from"',
  '}',
  // what descriptor $1 (file $2) holds beyond its position now
  "rest() { at \"$1\"; set -- \"$1\" \"$2\" $(stat -L -c %s /proc/self/fd/$1 2>/dev/null); n=$((${3:-0} - pos)); [ $n -lt 0 ] && n=0; frame \"$1\" \"$2\" $n; }",
  // opens the path and frames it from its first byte
  'restart() { reopen || return 1; frame 3 "$cur" "$size"; }',
  'follow() {',
  "  trap 'kill ${c:-} 2>/dev/null; exit 0' TERM",
  '  reopen',
  '  if [ "$cur" != none ] && { [ "$want" = any ] || [ "$cur" = "$want" ]; } && [ "$size" -ge "$off" ]; then seek 3 "$off"',
  '  elif [ "$want" != any ] && [ "$off" -gt 0 ] && g=$(rotated "$want") && { command exec 4<"$g"; } 2>/dev/null; then',
  // the checkpointed file, rotated away while nobody watched: its rest first, checked by inode as opened
  "    set -- $(stat -L -c '%i %s' /proc/self/fd/4 2>/dev/null)",
  '    [ "$1" = "$want" ] && [ "${2:-0}" -ge "$off" ] && seek 4 "$off" && frame 4 "$want" $(($2 - off))',
  '    exec 4<&-',
  '  fi',
  '  [ "$cur" != none ] && rest 3 "$cur"',
  '  while :; do',
  "    set -- $(stat -L -c '%i %s' \"$f\" 2>/dev/null)",
  '    if [ "${1:-none}" != "$cur" ]; then',
  // rotated, removed or (re)appeared: the old file's rest through its descriptor, then the new one
  '      [ "$cur" != none ] && rest 3 "$cur"',
  '      restart && continue',
  '    elif [ "$cur" != none ]; then',
  '      at 3',
  // shrank below what was read (copytruncate): from its first byte again
  '      if [ "$2" -lt "$pos" ]; then restart && continue',
  '      elif [ "$2" -gt "$pos" ]; then frame 3 "$cur" $(($2 - pos)); [ "$n" -ge 65536 ] && continue',
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
