export type Outcome = 'delivered' | 'dead_lettered' | 'dropped';

/**
 * Acknowledgement token carried by every record. It settles once every output the record was
 * routed to has settled it; inputs advance checkpoints only over settled records.
 */
export class Ack {
  private pending = 1;
  private worst: Outcome = 'delivered';

  constructor(private readonly onSettled: (outcome: Outcome) => void) {}

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
    if (this.pending === 0) this.onSettled(this.worst);
  }

  get settled(): boolean {
    return this.pending <= 0;
  }
}

function rank(outcome: Outcome): number {
  return outcome === 'delivered' ? 0 : outcome === 'dropped' ? 1 : 2;
}
