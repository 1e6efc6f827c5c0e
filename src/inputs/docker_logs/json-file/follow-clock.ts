/** A tailer as the clock sees it: asked on every tick whether it has something to do. */
export interface ClockMember {
  tick(now: number): void;
}

/**
 * The timers of every json-file tailer in the process, shared: hundreds of followed containers
 * must not mean hundreds of timers waking the process while their logs are quiet.
 *
 * - `soon(wake)`: a write reported by inotify is read a moment later, together with the writes
 *   that follow it in that moment, in this container and in the others: one read, one parse loop
 *   and one batch downstream for several lines, where waking at once costs all of that per line.
 * - `add(member)`: the member's `tick` runs every `tickMs` (safety listings, polling without inotify).
 */
export class FollowClock {
  private readonly due = new Set<() => void>();
  private dueTimer: NodeJS.Timeout | undefined;
  private readonly members = new Set<ClockMember>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    readonly coalesceMs: number,
    readonly tickMs: number,
  ) {}

  /** Calls `wake` within coalesceMs (once, however often it is asked meanwhile). */
  soon(wake: () => void): void {
    this.due.add(wake);
    if (this.dueTimer) return;
    this.dueTimer = setTimeout(() => this.fireDue(), this.coalesceMs);
    this.dueTimer.unref();
  }

  add(member: ClockMember): void {
    this.members.add(member);
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tickAll(), this.tickMs);
    this.ticker.unref();
  }

  delete(member: ClockMember): void {
    this.members.delete(member);
    if (this.members.size > 0 || !this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  get size(): number {
    return this.members.size;
  }

  private fireDue(): void {
    this.dueTimer = undefined;
    const wakes = [...this.due];
    this.due.clear();
    for (const wake of wakes) wake();
  }

  private tickAll(): void {
    const now = performance.now();
    for (const member of this.members) member.tick(now);
  }
}

/**
 * What a reader waits at most after Docker wrote a line (the issue allowed 100 ms; at 200 lines/s
 * per container a read then takes about ten lines).
 */
export const COALESCE_MS = 50;
/** How often idle tailers are looked at: growth the file-system events missed, polling without them. */
export const TICK_MS = 250;

export const sharedFollowClock = new FollowClock(COALESCE_MS, TICK_MS);
