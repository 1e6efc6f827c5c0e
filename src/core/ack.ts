export type Outcome = 'delivered' | 'dead_lettered' | 'dropped';

/** Counts records that are out but not yet settled (one per input, so a reload can wait for them). */
export class InFlight {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  track(ack: Ack): void {
    if (ack.settled) return;
    this.count += 1;
    ack.trackIn(this);
  }

  release(): void {
    this.count -= 1;
    if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  get size(): number {
    return this.count;
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * Acknowledgement token carried by every record. It settles once every output the record was
 * routed to has settled it; inputs advance checkpoints only over settled records.
 */
export class Ack {
  private pending = 1;
  private worst: Outcome = 'delivered';
  private tracker: InFlight | undefined;

  /** `onSettled` runs once, with the worst outcome; subclasses may override `whenSettled` instead (no closure per record). */
  constructor(private readonly onSettled?: (outcome: Outcome) => void) {}

  /** Fan-out: the record now waits for `count` settlements instead of one (0 settles it as dropped). */
  fork(count: number): void {
    if (count === 0) {
      this.settle('dropped');
      return;
    }
    this.pending += count - 1;
  }

  settle(outcome: Outcome): void {
    if (this.pending <= 0) return;
    if (rank(outcome) > rank(this.worst)) this.worst = outcome;
    this.pending -= 1;
    if (this.pending === 0) {
      this.whenSettled(this.worst);
      this.tracker?.release();
    }
  }

  protected whenSettled(outcome: Outcome): void {
    this.onSettled?.(outcome);
  }

  /** Called by InFlight.track: releases the tracker when this settles. */
  trackIn(tracker: InFlight): void {
    this.tracker = tracker;
  }

  get settled(): boolean {
    return this.pending <= 0;
  }
}

function rank(outcome: Outcome): number {
  return outcome === 'delivered' ? 0 : outcome === 'dropped' ? 1 : 2;
}
