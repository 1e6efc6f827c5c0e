/**
 * The process logship runs in a container to follow one file: busybox/coreutils `sh` and `tail`.
 * - Resumes at byte OFFSET only when the file is still the one checkpointed (same inode, not
 *   shorter); otherwise reads it from the start.
 * - Prints a first line "logship-tail <inode> <start offset>" so the shipper knows where bytes begin.
 * - tail's messages go to stdout too, so a rotation notice is ordered with the file's bytes.
 * - Reads stdin until EOF, then kills tail: when the shipper goes away, however it goes, its end of
 *   the attached stdin closes and nothing is left behind in the container.
 */
export const TAIL_SCRIPT = [
  'f=$1; want=$2; off=$3; start=0',
  'command -v tail >/dev/null 2>&1 || { echo "logship-tail missing tail"; exit 127; }',
  'command -v stat >/dev/null 2>&1 || { echo "logship-tail missing stat"; exit 127; }',
  "set -- $(stat -c '%i %s' \"$f\" 2>/dev/null); cur=${1:-none}",
  'if [ -n "$1" ] && { [ "$want" = any ] || [ "$1" = "$want" ]; } && [ "$2" -ge "$off" ]; then start=$off',
  // the checkpointed file was rotated away while nobody watched: finish it first (app.log.1, app.log-2026…)
  'elif [ "$want" != any ] && [ "$off" -gt 0 ]; then',
  '  for g in "$f"?*; do',
  "    set -- $(stat -c '%i %s' \"$g\" 2>/dev/null)",
  '    if [ "$1" = "$want" ] && [ "$2" -ge "$off" ]; then',
  '      printf "\\000logship-tail %s %s\\n" "$want" "$off"; tail -c +$((off + 1)) "$g"; break',
  '    fi',
  '  done',
  'fi',
  'printf "\\000logship-tail %s %s\\n" "$cur" "$start"',
  'tail -F -c +$((start + 1)) "$f" 2>&1 &',
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
  | { kind: 'new-file'; before: string }
  | { kind: 'diagnostic'; text: string }
  | undefined;

/** Recognises the wrapper's marker and tail's own messages among the file's lines. */
export function tailNotice(line: string, path: string, first: boolean): TailNotice {
  const m = line.includes('\u0000') ? MARKER.exec(line) : null;
  if (m) return { kind: 'start', inode: m[1] === 'none' ? undefined : m[1], offset: Number(m[2]), before: line.slice(0, m.index) };
  if (first) {
    const missing = /^logship-tail missing (\w+)$/.exec(line);
    if (missing) return { kind: 'missing-tool', tool: missing[1] as string };
  }
  if (!line.includes('tail: ')) return undefined;
  // busybox versions differ: "tail: '/f' has appeared" and "tail: /f has appeared"
  for (const quoted of [`tail: '${path}'`, `tail: ${path}`]) {
    const at = line.lastIndexOf(quoted);
    if (at < 0) continue;
    const rest = line.slice(at + quoted.length);
    if (/^ has (appeared|been replaced); following end of new file$/.test(rest)) return { kind: 'new-file', before: line.slice(0, at) };
    if (at === 0 && /^:? /.test(rest)) return { kind: 'diagnostic', text: line };
  }
  if (line.startsWith(`tail: can't open '${path}'`) || line.startsWith(`tail: can't open ${path}`)) return { kind: 'diagnostic', text: line };
  return undefined;
}
