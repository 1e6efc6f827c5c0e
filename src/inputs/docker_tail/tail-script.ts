/**
 * The process logship runs in a container to follow one file, built from `sh`, `stat`, `tail -c`
 * and `head -c` (busybox or coreutils). It polls the path once a second and copies each new range
 * of bytes with a finite `tail | head`, so every byte written is one it counted: `tail -F`'s own
 * rotation handling differs between implementations (busybox 1.35 announces the new file *before*
 * it drains the old one; older busybox drops the old file's rest; coreutils words it differently),
 * and none of them says where the old file's bytes end in its output.
 * - Resumes at byte OFFSET only when the file is still the one checkpointed (same inode, not
 *   shorter); a checkpointed file rotated away meanwhile (`app.log.1`, `app.log-2026…`) is finished
 *   first; otherwise the current file is read from its start.
 * - Before the bytes of each file it prints a marker "NUL logship-tail <inode> <offset>", so the
 *   shipper always knows which file and offset the bytes that follow belong to. On rotation it
 *   finishes the old file (found by inode next to the path), then marks and reads the new one; a
 *   file that shrank (copytruncate) is marked and read again from 0.
 * - The follower runs in the background; the foreground reads stdin until EOF and then kills it:
 *   when the shipper goes away, however it goes, its end of the attached stdin closes, and the
 *   follower's last `tail | head` or `sleep` is finite, so nothing is left behind in the container.
 */
export const TAIL_SCRIPT = [
  'f=$1; want=$2; off=$3',
  'for t in stat tail head; do command -v $t >/dev/null 2>&1 || { echo "logship-tail missing $t"; exit 127; }; done',
  'mark() { printf "\\000logship-tail %s %s\\n" "$1" "$2"; }',
  // names the file next to the path ("$f"?*: app.log.1, app.log-2026…) whose inode is $1
  'rotated() { for g in "$f"?*; do [ "$(stat -c %i "$g" 2>/dev/null)" = "$1" ] && { echo "$g"; return 0; }; done; return 1; }',
  'follow() {',
  "  set -- $(stat -c '%i %s' \"$f\" 2>/dev/null); cur=${1:-none}; pos=0",
  '  if [ -n "$1" ] && { [ "$want" = any ] || [ "$1" = "$want" ]; } && [ "$2" -ge "$off" ]; then pos=$off',
  '  elif [ "$want" != any ] && [ "$off" -gt 0 ] && g=$(rotated "$want") && [ "$(stat -c %s "$g")" -ge "$off" ]; then',
  '    mark "$want" "$off"; tail -c +$((off + 1)) "$g"',
  '  fi',
  '  [ "$cur" != none ] && mark "$cur" "$pos"',
  '  while :; do',
  "    set -- $(stat -c '%i %s' \"$f\" 2>/dev/null)",
  '    if [ "${1:-none}" != "$cur" ]; then',
  '      [ "$cur" != none ] && g=$(rotated "$cur") && tail -c +$((pos + 1)) "$g"',
  "      set -- $(stat -c '%i %s' \"$f\" 2>/dev/null); cur=${1:-none}; pos=0",
  '      [ "$cur" != none ] && mark "$cur" 0',
  '      continue',
  '    fi',
  '    if [ "$cur" != none ] && [ "$2" -lt "$pos" ]; then pos=0; mark "$cur" 0; continue; fi',
  '    if [ "$cur" != none ] && [ "$2" -gt "$pos" ]; then tail -c +$((pos + 1)) "$f" | head -c $(($2 - pos)); pos=$2; fi',
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
