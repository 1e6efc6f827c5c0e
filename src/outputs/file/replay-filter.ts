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
      this.pending.set(line, (this.pending.get(line) ?? 0) + 1);
      this.remaining += 1;
    }
  }

  get size(): number {
    return this.remaining;
  }

  /** True when this line was already written before the crash (and consumes that copy). */
  alreadyWritten(line: string): boolean {
    if (this.remaining === 0) return false;
    const count = this.pending.get(line);
    if (!count) return false;
    if (count === 1) this.pending.delete(line);
    else this.pending.set(line, count - 1);
    this.remaining -= 1;
    return true;
  }
}
