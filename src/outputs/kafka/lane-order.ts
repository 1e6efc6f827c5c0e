/** What happened to one write's part of a lane. */
export type LaneOutcome = 'sent' | 'failed' | 'held';

/**
 * Keeps each partition's messages in order while several batches are written at once.
 *
 * Sends for a lane (topic + partition) run one after another in call order. A lane owes a retry
 * for every first attempt that failed or was held back; while it owes any, first attempts of
 * later batches are held back (failed as retriable without being sent) instead of overtaking
 * records that wait for their retry. Retries are sent regardless — the plugin contract has the
 * output runner issue them in batch order, each after every earlier batch settled
 * (OutputDefinition.batching) — and each one that gets through pays one debt.
 */
export class LaneOrder {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly debts = new Map<string, number>();

  /** `send` resolves true when its messages must be retried. */
  run(lane: string, retry: boolean, send: () => Promise<boolean>): Promise<LaneOutcome> {
    const previous = this.tails.get(lane) ?? Promise.resolve();
    const outcome = previous.then(async (): Promise<LaneOutcome> => {
      const owed = this.debts.get(lane) ?? 0;
      if (!retry && owed > 0) {
        this.debts.set(lane, owed + 1);
        return 'held';
      }
      let failed = true;
      try {
        failed = await send();
      } finally {
        if (failed && !retry) this.debts.set(lane, owed + 1);
        if (!failed && retry) this.setDebt(lane, owed - 1);
      }
      return failed ? 'failed' : 'sent';
    });
    const tail = outcome.catch(() => undefined);
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return outcome;
  }

  /** Retries a lane still owes (for metrics and tests). */
  owed(lane: string): number {
    return this.debts.get(lane) ?? 0;
  }

  private setDebt(lane: string, debt: number): void {
    if (debt > 0) this.debts.set(lane, debt);
    else this.debts.delete(lane);
  }
}
