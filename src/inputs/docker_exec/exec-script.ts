/**
 * The wrapper logship runs a configured command in: `sh -c EXEC_SCRIPT logship-exec ARGV...`.
 * - Prints a first marker line, so the shipper can tell the runtime's own error text (image without
 *   `sh`) from the command's output, and a "missing" marker when the command is not installed.
 * - The command runs in the background with stdin closed; a watcher reads the attached stdin and,
 *   at EOF (the shipper went away, however it went, or stopped the run), sends TERM and, two
 *   seconds later, KILL. Docker starts every exec as its own process group, so the signals go to
 *   the whole group: children the command forked die with it (if the wrapper is not a group
 *   leader, only the command is signalled — never the container's own processes).
 * - The wrapper exits with the command's exit code, which the shipper reads from exec inspect.
 */
export const EXEC_SCRIPT = [
  'command -v "$1" >/dev/null 2>&1 || { printf "\\000logship-exec missing %s\\n" "$1"; exit 127; }',
  'printf "\\000logship-exec started\\n"',
  // fd 3 keeps our stdin: an asynchronous list gets /dev/null as its standard input
  'exec 3<&0',
  '"$@" 3<&- </dev/null &',
  'p=$!',
  'g=',
  'read -r _ _ _ _ g _ 2>/dev/null </proc/$$/stat',
  'if [ "$g" = "$$" ]; then t=0; else t=$p; fi',
  '{ trap "" TERM; while read -r _ <&3; do :; done; kill -TERM $t; sleep 2; kill -KILL $t; } >/dev/null 2>&1 &',
  'w=$!',
  'exec 3<&-',
  'wait $p',
  'rc=$?',
  'kill -KILL $w 2>/dev/null',
  'exit $rc',
].join('\n');

export function execCommand(argv: readonly string[]): string[] {
  return ['sh', '-c', EXEC_SCRIPT, 'logship-exec', ...argv];
}

const MARKER = `${String.fromCharCode(0)}logship-exec `;

export type ExecNotice = { kind: 'started' } | { kind: 'missing'; tool: string } | undefined;

/** Recognises the wrapper's markers; they start with a NUL byte, which text output does not. */
export function execNotice(line: string): ExecNotice {
  if (!line.startsWith(MARKER)) return undefined;
  const rest = line.slice(MARKER.length);
  if (rest === 'started') return { kind: 'started' };
  if (rest.startsWith('missing ')) return { kind: 'missing', tool: rest.slice('missing '.length) };
  return undefined;
}

/** Shell-like rendering of an argv for `exec.command` and log lines. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
