import { LogshipError, errorMessage } from '../../core/errors.js';
import { ErrorCode } from '../../core/error-codes.js';
import type { KafkaTransaction } from '../../services/kafka.js';
import { PositionsOfTransaction } from './positions.js';

export type TransactionOutcome = 'committed' | 'aborted';

/** What the schedule needs from Kafka: a new transaction, and the end of one with its positions. */
export interface TransactionPort {
  begin(): Promise<KafkaTransaction>;
  /** Writes the positions into the transaction and commits it; throws when it did not commit. */
  commit(transaction: KafkaTransaction, positions: PositionsOfTransaction): Promise<void>;
  /** Called once per transaction that did not commit, before the next begins (e.g. to register the producer again). */
  aborted(reason: unknown): void;
}

/** One open transaction: the writes that joined it, and what they delivered into it. */
export class OpenTransaction {
  readonly positions = new PositionsOfTransaction();
  members = 0;
  /** Members that are first attempts (they owe a retry if it aborts) and retries (each pays one if it commits). */
  firstAttempts = 0;
  retries = 0;
  left = 0;
  doomed = false;
  closing = false;
  failure: unknown;
  readonly started = Date.now();
  timer: NodeJS.Timeout | undefined;
  readonly outcome: Promise<TransactionOutcome>;
  settle!: (outcome: TransactionOutcome) => void;

  constructor(readonly kafka: Promise<KafkaTransaction>) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    // a begin that failed fails the writes' sends, which dooms the transaction: not unhandled here
    kafka.catch(() => undefined);
  }
}

/**
 * When transactions begin and end (exactly-once delivery). Writes join the open transaction
 * until it closes: after `intervalMs`, or once `maxWrites` joined (the output runner gives no
 * more until they resolve, so waiting longer would only add latency). It commits when every
 * member has sent; any member's retriable failure aborts it, and each member's records are
 * then sent again.
 *
 * Order across transactions: a committed position covers everything before it in its source,
 * so records must never commit after later records of their source. While first attempts owe a
 * retry (their transaction aborted), later first attempts are held back (failed as retriable
 * without being sent); retries go regardless — the output runner calls them in batch order,
 * once every earlier batch settled — and each one that commits pays one debt (the same rule as
 * LaneOrder for partitions).
 */
export class TransactionSchedule {
  private open: OpenTransaction | undefined;
  private owed = 0;

  constructor(
    private readonly port: TransactionPort,
    private readonly intervalMs: number,
    private readonly maxWrites: number,
  ) {}

  /** Joins the open transaction (or begins one); 'held' when earlier records wait for their retry. */
  async join(retry: boolean): Promise<OpenTransaction | 'held'> {
    for (;;) {
      // asked again after each wait: the transaction waited for may have aborted, leaving debts
      if (!retry && this.owed > 0) {
        this.owed += 1;
        return 'held';
      }
      const open = this.open;
      if (open === undefined) break;
      if (!open.closing && open.members < this.maxWrites) {
        this.enlist(open, retry);
        return open;
      }
      await open.outcome;
    }
    const transaction = new OpenTransaction(this.port.begin());
    this.enlist(transaction, retry);
    transaction.timer = setTimeout(() => this.close(transaction), this.intervalMs);
    this.open = transaction;
    return transaction;
  }

  /**
   * A member is done sending: what it delivered (positions) or that it failed (doomed). Resolves
   * with the transaction's outcome.
   */
  async leave(transaction: OpenTransaction, positions: PositionsOfTransaction | undefined, doomed: boolean): Promise<TransactionOutcome> {
    if (positions) transaction.positions.merge(positions);
    if (doomed) transaction.doomed = true;
    transaction.left += 1;
    if (transaction.members >= this.maxWrites) transaction.closing = true;
    if (transaction.closing && transaction.left === transaction.members) void this.finish(transaction);
    return transaction.outcome;
  }

  /** A write that sent nothing (all held, or all already committed) settles its debt like one that committed. */
  settledWithoutSending(retry: boolean, delivered: boolean): void {
    this.account(retry, delivered);
  }

  /** Resolves once no transaction is open (at close: the last one committed or aborted). */
  async idle(): Promise<void> {
    for (let open = this.open; open; open = this.open) {
      this.close(open);
      await open.outcome;
    }
  }

  /** Retries owed (for metrics and tests). */
  get debts(): number {
    return this.owed;
  }

  private enlist(transaction: OpenTransaction, retry: boolean): void {
    transaction.members += 1;
    if (retry) transaction.retries += 1;
    else transaction.firstAttempts += 1;
  }

  private account(retry: boolean, delivered: boolean): void {
    if (!delivered && !retry) this.owed += 1;
    if (delivered && retry) this.owed = Math.max(0, this.owed - 1);
  }

  private close(transaction: OpenTransaction): void {
    if (transaction.closing) return;
    transaction.closing = true;
    if (transaction.left === transaction.members) void this.finish(transaction);
  }

  private async finish(transaction: OpenTransaction): Promise<void> {
    clearTimeout(transaction.timer);
    let outcome: TransactionOutcome = 'aborted';
    try {
      const kafka = await transaction.kafka;
      if (transaction.doomed) throw new LogshipError(ErrorCode.KAFKA_TRANSACTION_ABORTED, 'a send in the transaction failed', { retriable: true });
      await this.port.commit(kafka, transaction.positions);
      outcome = 'committed';
    } catch (err) {
      transaction.failure = err;
      this.port.aborted(err);
    } finally {
      // the debts change before anyone waiting for this transaction resumes
      if (outcome === 'committed') this.owed = Math.max(0, this.owed - transaction.retries);
      else this.owed += transaction.firstAttempts;
      if (this.open === transaction) this.open = undefined;
      transaction.settle(outcome);
    }
  }
}

/** Why a transaction's records are sent again, for their failures. */
export function abortReason(failure: unknown): string {
  return `the transaction was aborted (${failure === undefined ? 'unknown reason' : errorMessage(failure)}); its records are sent again in a new one`;
}
