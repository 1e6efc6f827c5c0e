/**
 * Lines this output wrote after its last committed checkpoint, before a crash. The inputs send
 * those records again on restart; writing them once more would duplicate them, so each
 * identical line is skipped once. Lines never sent again simply stay in the file: nothing is lost.
 */
export class ReplayFilter {
  private readonly pending = new Map<string, number>();
  private remaining = 0;

  constructor(lines: Iterable<string>) {
    for (const line of lines) {
      if (!line) continue;
      const key = replayKey(line);
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
      this.remaining += 1;
    }
  }

  get size(): number {
    return this.remaining;
  }

  /** True when this line was already written before the crash (and consumes that copy). */
  alreadyWritten(line: string): boolean {
    if (this.remaining === 0) return false;
    const key = replayKey(line);
    const count = this.pending.get(key);
    if (!count) return false;
    if (count === 1) this.pending.delete(key);
    else this.pending.set(key, count - 1);
    this.remaining -= 1;
    return true;
  }
}

const TIMESTAMP_PREFIX = '{"@timestamp":"';

/**
 * Records of processes logship runs (exec, file tails) are stamped when received, so a resent line
 * has a new @timestamp: match those without it. Each source resends its lines in their original
 * order, so identical lines are matched to their own earlier copies.
 */
export function replayKey(line: string): string {
  if (!line.startsWith(TIMESTAMP_PREFIX) || !line.includes('"source":"exec"')) return line;
  const end = line.indexOf('"', TIMESTAMP_PREFIX.length);
  return end < 0 ? line : line.slice(end + 1);
}
