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
 * <length> <fingerprint> LF" followed by exactly <length> bytes of the file from <offset>; the
 * fingerprint (MD5 of the file's first 64 bytes, or "-") finds the file again after a restart when
 * its inode is gone (compressed, or copied before a truncation). The shipper reads a
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
 *   shorter). A checkpointed file rotated away meanwhile, once or many times, is found by inode
 *   among the files next to the path (`app.log.1`, `app.log-2026…`) and finished, then every file
 *   written after it, in order (compressed ones unpacked), then the current file from its start.
 * - On rotation it drains the old file through its open descriptor (moved or deleted, it is still
 *   readable) until the writer has reopened the path, then frames the new one from byte 0 (a header
 *   with length 0 for an empty file). A file that shrank (copytruncate) is framed again from 0,
 *   after what logrotate's copy holds beyond the last byte read.
 * - What it knows it could not read, it says on stderr as "logship-tail warning: …".
 * - A frame of 64 KiB or more means a busy writer: the next look follows at once, not a second later.
 * - The follower runs in the background; the foreground reads stdin until EOF and then kills it:
 *   when the shipper goes away, however it goes, its end of the attached stdin closes, and the
 *   follower's last `dd` or `sleep` is finite, so nothing is left behind in the container.
 */
export const TAIL_SCRIPT = [
  'f=$1; want=$2; off=$3; wantfp=${4:--}',
  'for t in stat dd; do command -v $t >/dev/null 2>&1 || { echo "logship-tail missing $t"; exit 127; }; done',
  'have() { command -v "$1" >/dev/null 2>&1; }',
  'mark() { printf "\\000logship-tail %s %s %s %s\\n" "$1" "$2" "$3" "$4"; }',
  // the shipper would wait forever for bytes a header announced: end, it starts us again
  'die() { echo "logship-tail: $f: $*; starting over" >&2; kill $$; exit 1; }',
  // the shipper logs these as warnings and counts them
  'warn() { echo "logship-tail warning: $f: $*" >&2; }',
  // runs a finite copy from descriptor $1 in the background, so that a stop ends it even while it
  // waits to write (an asynchronous command's stdin would be /dev/null without the explicit <&);
  // dd's record counts are noise, its failures show as a short copy
  'copy() { d=$1; shift; "$@" <&"$d" 2>/dev/null & c=$!; wait $c; }',
  'unpack() { if have gzip; then gzip -dc "$1"; else zcat "$1"; fi; }',
  // A file's fingerprint: the MD5 of its first 64 bytes (unpacked, for .gz), which a rename, a copy
  // or compression keep while the inode changes; "-" until the file has 64 bytes, or without md5sum.
  'fpof() { have md5sum || { echo -; return; }; case "$1" in *.gz) unpack "$1" 2>/dev/null | head -c 64 ;; *) dd if="$1" bs=64 count=1 2>/dev/null ;; esac | md5sum | { read -r h _; echo "${h:--}"; }; }',
  // opens the path as descriptor 3; cur, size and fp describe what was opened (the path may move meanwhile)
  'reopen() {',
  '  cur=none; size=0; fp=-',
  // a regular file only: opening a FIFO would block
  '  [ -f "$f" ] && [ -r "$f" ] && { command exec 3<"$f"; } 2>/dev/null || return 1',
  "  set -- $(stat -L -c '%i %s' /proc/self/fd/3 2>/dev/null); cur=${1:-none}; size=${2:-0}",
  '}',
  // where descriptor $1 stands: what was read of the open file
  'at() { pos=0; while read -r k v; do [ "$k" = pos: ] && { pos=$v; return 0; }; done < /proc/self/fdinfo/$1; }',
  // moves descriptor $1 to byte $2 without reading it (dd seeks a seekable input)
  'seek() { copy "$1" dd bs=1 skip="$2" count=0; at "$1"; [ "$pos" = "$2" ] || die "cannot seek to byte $2"; }',
  // one frame: the header, then the next $3 bytes of descriptor $1 (file $2, fingerprint $4, or for
  // descriptor 3 the followed file's, taken once it has 64 bytes), exactly
  'frame() {',
  '  at "$1"; from=$pos; n=$3',
  '  [ "$1" = 3 ] && [ "$fp" = - ] && [ $((from + n)) -ge 64 ] && fp=$(fpof /proc/self/fd/3)',
  '  mark "$2" "$from" "$n" "${4:-$fp}"',
  '  [ "$n" -ge 65536 ] && copy "$1" dd bs=65536 count=$((n / 65536))',
  '  [ $((n % 65536)) -gt 0 ] && copy "$1" dd bs=$((n % 65536)) count=1',
  '  at "$1"; [ $((pos - from)) -eq "$n" ] || die "copied $((pos - from)) of $n bytes from byte $from"',
  '}',
  // what descriptor $1 (file $2) holds beyond its position now
  "rest() { at \"$1\"; set -- \"$1\" \"$2\" $(stat -L -c %s /proc/self/fd/$1 2>/dev/null); n=$((${3:-0} - pos)); [ $n -lt 0 ] && n=0; frame \"$1\" \"$2\" $n; }",
  // opens the path and frames it from its first byte
  'restart() { reopen || return 1; frame 3 "$cur" "$size"; }',
  // the files next to the path whose names start with it (app.log.1, app.log-20261206, app.log.2.gz),
  // "mtime|inode|size|name", least recently written first (logrotate keeps the mtime when compressing)
  'siblings() { have sort || return 0; for g in "$f"?*; do [ -f "$g" ] && stat -L -c "%y|%i|%s|%n" "$g" 2>/dev/null; done | sort "$@"; }',
  // a compressed rotated file (inode $2) from byte $3 of its content
  'packed() {',
  '  { have gzip || have zcat; } && have wc && have tail && have head || { warn "cannot read $1 (compressed, and gzip or zcat, wc, tail or head is missing): its lines are skipped"; return 0; }',
  '  n=$(unpack "$1" | wc -c); [ "$n" -gt "$3" ] || return 0',
  '  pf=-; [ "$n" -ge 64 ] && pf=$(fpof "$1")',
  '  mark "$2" "$3" $((n - $3)) "$pf"; unpack "$1" | tail -c +$(($3 + 1)) | head -c $((n - $3))',
  '}',
  // a rotated file $1 (inode $2) from byte $3 to its end, checked by inode as opened; left open as
  // descriptor 4 (last names it), for a writer that has not reopened the path yet
  'plain() {',
  '  last=; { command exec 4<"$1"; } 2>/dev/null || return 0',
  "  set -- \"$@\" $(stat -L -c '%i %s' /proc/self/fd/4 2>/dev/null)",
  '  [ "$4" = "$2" ] && [ "${5:-0}" -ge "$3" ] || return 0',
  '  pf=-; [ "$5" -ge 64 ] && pf=$(fpof /proc/self/fd/4)',
  '  seek 4 "$3" && frame 4 "$2" $(($5 - $3)) "$pf" && last=$2',
  '}',
  // Where the checkpointed file went: the sibling with its inode (renamed), else the most recently
  // written one with its fingerprint that is long enough (compressed, or copied before a truncation).
  'checkpointed() {',
  '  while IFS="|" read -r m i s g; do [ "$i" = "$want" ] && [ "$i" != "$cur" ] && { echo "$g"; return; }; done <<EOF',
  '$(siblings)',
  'EOF',
  '  [ "$wantfp" != - ] || return 0',
  '  while IFS="|" read -r m i s g; do',
  '    case "$g" in *.gz) ;; *) [ "$s" -ge "$off" ] || continue ;; esac',
  '    [ "$(fpof "$g")" = "$wantfp" ] && { echo "$g"; return; }',
  '  done <<EOF',
  '$(siblings -r)',
  'EOF',
  '}',
  // The checkpointed file was rotated away (or truncated) while nobody watched: its rest first, then
  // every file rotated after it (written later), oldest first; the current file comes next.
  'catchup() {',
  '  start=$(checkpointed); from=; last=',
  '  if [ -z "$start" ] && [ "$want" = "$cur" ]; then',
  // truncated by the program itself (no copy): whatever it held after our checkpoint, it deleted
  '    echo "logship-tail: $f: truncated to $size bytes while the shipper was down, no copy next to the path: reading it from byte 0" >&2; return 0',
  '  fi',
  '  [ -n "$start" ] || { warn "the file read up to byte $off (inode $want) is no longer next to the path (deleted, moved, or compressed before it had 64 bytes, while the shipper was down): its lines after that byte are not read"; return 0; }',
  '  while IFS="|" read -r m i s g; do',
  '    if [ -z "$from" ]; then [ "$g" = "$start" ] || continue; from=$off',
  '    elif [ "$i" = "$cur" ]; then continue',
  '    else from=0; fi',
  '    case "$g" in *.gz) last=; packed "$g" "$i" "$from" ;; *) plain "$g" "$i" "$from" ;; esac',
  '  done <<EOF',
  '$(siblings)',
  'EOF',
  '  [ -n "$last" ] && linger 4 "$last"',
  '  exec 4<&-',
  '}',
  // Truncated in place (copytruncate): what was written after the last look is in logrotate's copy,
  // the most recently written file next to the path with the followed file's fingerprint that is
  // longer than what was read. It is the followed file's continuation: framed as the followed file.
  'recover() {',
  '  was=$pos',
  '  [ "$fp" != - ] && while IFS="|" read -r m i s g; do',
  '    case "$g" in *.gz) continue ;; esac',
  '    [ "$s" -gt "$was" ] && [ "$(fpof "$g")" = "$fp" ] || continue',
  '    { command exec 4<"$g"; } 2>/dev/null || continue',
  "    set -- $(stat -L -c %s /proc/self/fd/4 2>/dev/null)",
  '    seek 4 "$was" && frame 4 "$cur" $((${1:-0} - was)) "$fp"',
  '    exec 4<&-; return 0',
  '  done <<EOF',
  '$(siblings -r)',
  'EOF',
  // truncated by the program itself (no copy): whatever it wrote since our last look, it deleted
  '  echo "logship-tail: $f: truncated at byte $was, no copy next to the path: reading it from byte 0" >&2',
  '}',
  // a writer keeps writing to the rotated file (descriptor $1, inode $2) until it reopens the path
  // (nginx after its postrotate signal): read it until a look finds nothing new, five looks at most
  'linger() {',
  '  for _ in 1 2 3 4 5; do',
  '    sleep 1; at "$1"',
  "    [ \"$(stat -L -c %s /proc/self/fd/$1 2>/dev/null)\" -gt \"$pos\" ] 2>/dev/null || return 0",
  '    rest "$1" "$2"',
  '  done',
  '}',
  'follow() {',
  "  trap 'kill ${c:-} 2>/dev/null; exit 0' TERM",
  '  reopen',
  '  if [ "$cur" != none ] && { [ "$want" = any ] || [ "$cur" = "$want" ]; } && [ "$size" -ge "$off" ]; then seek 3 "$off"',
  '  elif [ "$want" != any ]; then catchup',
  '  fi',
  '  [ "$cur" != none ] && rest 3 "$cur"',
  '  while :; do',
  "    set -- $(stat -L -c '%i %s' \"$f\" 2>/dev/null)",
  '    if [ "${1:-none}" != "$cur" ]; then',
  // rotated, removed or (re)appeared: the old file's rest through its descriptor, then the new one
  '      [ "$cur" != none ] && rest 3 "$cur" && linger 3 "$cur"',
  '      restart && continue',
  '    elif [ "$cur" != none ]; then',
  '      at 3',
  // shrank below what was read (copytruncate): the copy's part we missed, then the file from byte 0
  '      if [ "$2" -lt "$pos" ]; then recover; restart && continue',
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

export function tailCommand(path: string, inode: string, offset: number, fingerprint = '-'): string[] {
  return ['sh', '-c', TAIL_SCRIPT, 'logship-tail', path, inode, String(offset), fingerprint];
}
