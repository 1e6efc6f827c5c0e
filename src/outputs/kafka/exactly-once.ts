import { randomUUID } from 'node:crypto';
import { LogshipError, errorMessage } from '../../core/errors.js';
import { ErrorCode } from '../../core/error-codes.js';
import { METRIC } from '../../core/metric-names.js';
import type { PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { toKafkaError, type KafkaCompression, type KafkaService, type KafkaTransaction } from '../../services/kafka.js';
import { prepareMessages } from './protocol/kafkajs-fast-path.js';
import { CommittedPositions, ownerValue, parsePositionsRecord, positionKey, positionValue, type Owner, type PositionsOfTransaction } from './positions.js';
import { TransactionSchedule, type TransactionPort } from './transactions.js';

export interface ExactlyOnceOptions {
  transactionalId: string;
  positionsTopic: string;
  intervalMs: number;
  /** Writes the output runner may have in write() at once. */
  maxWrites: number;
  createTopic: boolean;
  replicationFactor: number;
  compression: KafkaCompression;
  compressionLevel: number;
  timeoutMs: number;
}

/** Every record of the positions topic goes to its partition 0 (one partition per key is all compaction needs). */
const POSITIONS_PARTITION = 0;
/** A read of the positions topic gives up when no batch came for this long. */
const READ_IDLE_MS = 30_000;

/** Settings of a positions topic logship creates: compacted, in small segments so compaction keeps the start-up read short. */
export const POSITIONS_TOPIC_CONFIG = {
  'cleanup.policy': 'compact',
  'segment.ms': String(10 * 60_000),
  'min.cleanable.dirty.ratio': '0.1',
};

/**
 * The kafka output's exactly-once delivery (`delivery: exactly_once`), after Kafka Connect's
 * exactly-once source connectors (KIP-618): records and the positions they came from are written
 * in one transaction, the positions to a compacted topic keyed by transactional id and source.
 *
 * Start (and after a transaction did not commit): register the transactional id, which fences
 * any older producer of it (a zombie predecessor) and aborts what it left open; claim the id in
 * the positions topic; read back the committed positions (read_committed). A record at or before
 * its source's committed position was delivered already — read again because inputs resume from
 * their own, older checkpoint — and is settled without being sent.
 *
 * A producer fenced by a newer one finds that one's claim and stops for good: writes fail as
 * retriable without reaching Kafka, so nothing is settled (or checkpointed) by this process.
 */
export class ExactlyOnce implements TransactionPort {
  readonly schedule: TransactionSchedule;
  private readonly committed = new CommittedPositions();
  /**
   * The committed positions and those of the records sent in the open transaction: a record read
   * twice (a disk buffer's replay and the input's re-read of the same lines, in one batch or two)
   * is sent once. Back to `committed` when a transaction aborts: its records are sent again.
   */
  private readonly accepted = new CommittedPositions();
  private readonly owner: Owner = { instance: randomUUID(), started: new Date().toISOString(), pid: process.pid };
  private state: 'new' | 'ready' | 'recovering' = 'new';
  private preparing: Promise<void> | undefined;
  private fencedBy: LogshipError | undefined;
  private lastAbortLogged = 0;

  constructor(
    private readonly kafka: KafkaService,
    private readonly options: ExactlyOnceOptions,
    private readonly context: PluginContext,
  ) {
    this.schedule = new TransactionSchedule(this, options.intervalMs, options.maxWrites);
    context.metrics.gauge(METRIC.KAFKA_FENCED, { output: context.id }, () => (this.fencedBy ? 1 : 0));
  }

  /** The error every write fails with once another logship took over the transactional id. */
  get fenced(): LogshipError | undefined {
    return this.fencedBy;
  }

  /** Registers, claims and reads the positions, once (and again after a transaction did not commit). */
  async ready(): Promise<void> {
    if (this.fencedBy) throw this.fencedBy;
    if (this.state === 'ready') return;
    this.preparing ??= this.prepare().finally(() => {
      this.preparing = undefined;
    });
    await this.preparing;
  }

  /**
   * For a write that joined the open transaction, in batch order: true when the record is in a
   * committed transaction or was sent in the open one already (it was read again); counts it.
   * Otherwise the record is taken as sent.
   */
  alreadySent(event: PipelineEvent): boolean {
    const position = event.position;
    if (position === undefined) return false;
    if (this.accepted.covers(position)) {
      this.context.metrics.inc(METRIC.KAFKA_REPLAYS_SKIPPED_TOTAL, { output: this.context.id });
      return true;
    }
    this.accepted.advance(position.source, position);
    return false;
  }

  async begin(): Promise<KafkaTransaction> {
    await this.ready();
    return this.kafka.beginTransaction();
  }

  async commit(transaction: KafkaTransaction, positions: PositionsOfTransaction): Promise<void> {
    if (positions.last.size > 0) {
      const messages = [...positions.last.values()].map((p) => ({ key: positionKey(this.options.transactionalId, p.source), value: positionValue(p), headers: {} }));
      await transaction.send(this.options.positionsTopic, await this.encodePositionsTopicRecords(messages), { acks: -1, timeoutMs: this.options.timeoutMs });
    }
    await transaction.commit();
    for (const p of positions.last.values()) this.committed.advance(p.source, p);
    this.context.metrics.inc(METRIC.KAFKA_TRANSACTIONS_TOTAL, { output: this.context.id, outcome: 'committed' });
  }

  aborted(reason: unknown): void {
    this.accepted.copy(this.committed);
    if (this.state === 'ready') this.state = 'recovering';
    this.context.metrics.inc(METRIC.KAFKA_TRANSACTIONS_TOTAL, { output: this.context.id, outcome: 'aborted' });
    const now = Date.now();
    // once per burst: a broker restart aborts one transaction after another until it is back
    if (now - this.lastAbortLogged > 10_000) {
      this.lastAbortLogged = now;
      this.context.logger.warn({ code: ErrorCode.KAFKA_TRANSACTION_ABORTED, reason: errorMessage(reason) }, `kafka: a transaction did not commit (${errorMessage(reason)}); its records are sent again in a new one`);
    }
  }

  private async prepare(): Promise<void> {
    const recovering = this.state === 'recovering';
    await this.ensurePositionsTopic();
    if (recovering) {
      // before registering again (which would fence whoever holds the id now): is it still ours?
      // a newer claim than ours: a logship started after this one holds the id now. An older one
      // (a process that registered again after we took over, not having seen our claim yet) we fence back
      const { owner } = await this.readPositions();
      if (owner && owner.instance !== this.owner.instance && claimedLater(owner, this.owner)) return this.fence(owner);
    }
    // a new producer: registering the id aborts what the previous one left open, ours or a zombie's
    await this.kafka.resetProducer();
    // every position this id committed is before its claim in the topic's partition: read up to it
    const { positions } = await this.readPositions(await this.claim());
    this.committed.clear();
    for (const [source, position] of positions) this.committed.advance(source, position);
    this.accepted.copy(this.committed);
    if (!recovering) {
      this.context.logger.info({ transactional_id: this.options.transactionalId, positions_topic: this.options.positionsTopic, sources: positions.size }, `kafka: exactly-once delivery as ${this.options.transactionalId}, ${positions.size} committed source positions read back`);
    }
    this.state = 'ready';
  }

  /** Writes this process's claim of the transactional id; returns the claim's id, which reading the positions back waits for. */
  private async claim(): Promise<string> {
    const transaction = await this.kafka.beginTransaction();
    const id = randomUUID();
    try {
      const claim = { key: this.options.transactionalId, value: ownerValue({ ...this.owner, claim: id }), headers: {} };
      await transaction.send(this.options.positionsTopic, await this.encodePositionsTopicRecords([claim]), { acks: -1, timeoutMs: this.options.timeoutMs });
      await transaction.commit();
    } catch (err) {
      await this.kafka.resetProducer();
      throw toKafkaError(err, `claim transactional id ${this.options.transactionalId}`);
    }
    return id;
  }

  /**
   * The last owner and the positions of this id, read_committed: up to our own claim `untilClaim`
   * (waiting out other hosts' open transactions before it), else to the topic's end.
   */
  private async readPositions(untilClaim?: string): Promise<{ owner: Owner | undefined; positions: Map<string, { at: string; n: number }> }> {
    let owner: Owner | undefined;
    const positions = new Map<string, { at: string; n: number }>();
    await this.kafka.readTopic(
      this.options.positionsTopic,
      ({ key, value }) => {
        const entry = parsePositionsRecord(this.options.transactionalId, key?.toString('utf8') ?? null, value?.toString('utf8') ?? null);
        if (entry?.kind === 'owner') {
          owner = entry;
          return untilClaim !== undefined && entry.claim === untilClaim;
        }
        if (entry) positions.set(entry.source, { at: entry.at, n: entry.n });
        return false;
      },
      { idleTimeoutMs: READ_IDLE_MS, ...(untilClaim ? { until: true } : {}) },
    );
    return { owner, positions };
  }

  private fence(owner: Owner): void {
    this.fencedBy = new LogshipError(
      ErrorCode.KAFKA_FENCED,
      `kafka: another logship (pid ${owner.pid}, started ${owner.started}) took over transactional id ${this.options.transactionalId}; this output stops sending. Two shippers run with the same host name and output id: stop one, or give each its own host_name`,
      { retriable: true },
    );
    this.context.logger.error({ code: ErrorCode.KAFKA_FENCED, transactional_id: this.options.transactionalId }, this.fencedBy.message);
    void this.kafka.resetProducer();
    throw this.fencedBy;
  }

  private async ensurePositionsTopic(): Promise<void> {
    const topic = this.options.positionsTopic;
    if ((await this.kafka.partitionCount(topic)) !== undefined) return;
    if (!this.options.createTopic) {
      throw new LogshipError(ErrorCode.KAFKA_UNAVAILABLE, `kafka: the positions topic ${topic} does not exist and create_topics is false — create it (cleanup.policy=compact), or set create_topics: true`, { retriable: true });
    }
    await this.kafka.createTopic(topic, 1, this.options.replicationFactor, POSITIONS_TOPIC_CONFIG);
    this.context.logger.info({ topic }, `kafka: created the positions topic ${topic} (compacted)`);
    this.context.metrics.inc(METRIC.KAFKA_TOPICS_CREATED_TOTAL, { output: this.context.id });
  }

  /** Records for the positions topic, encoded by the fast path like the output's own. */
  private encodePositionsTopicRecords(messages: Array<{ key: string; value: string; headers: Record<string, string> }>) {
    return prepareMessages(POSITIONS_PARTITION, messages.map((m) => ({ ...m, valueBytes: Buffer.byteLength(m.value) })), this.options.compression, this.options.compressionLevel);
  }
}

/** Whether `a` started after `b` (the same host's clock; the instance id breaks a tie). */
export function claimedLater(a: Owner, b: Owner): boolean {
  return a.started === b.started ? a.instance > b.instance : a.started > b.started;
}
