import { createHash } from 'node:crypto';
import kafkajs from '../../services/kafkajs.js';
import PQueue from 'p-queue';
import { tlsConnectionOptions } from '../../plugins/options/tls.js';
import { LogshipError, errorMessage, isRecordError } from '../../core/errors.js';
import type { PipelineEvent } from '../../core/record.js';
import { boundedMemo } from '../../core/bounded-memo.js';
import { chunksBySize } from '../../core/chunks.js';
import { recordToJson } from '../../core/record-json.js';
import { compileEventTemplate, type EventTemplate } from '../../core/template.js';
import { renderFailure } from '../../plugins/record-failure.js';
import type { ItemFailure, Output, PluginContext, WriteAttempt } from '../../plugins/types.js';
import { KafkaService, toKafkaError, type KafkaConnectionOptions, type KafkaTransaction, type PreparedMessages } from '../../services/kafka.js';
import { ExactlyOnce } from './exactly-once.js';
import { PositionsOfTransaction } from './positions.js';
import { abortReason } from './transactions.js';
import { CONCURRENT_WRITES } from './batching.js';
import { prepareMessages } from './protocol/kafkajs-fast-path.js';
import type { RecordInput as KafkaMessage } from './protocol/records.js';
import type { KafkaConfig } from './schema.js';
import { LaneOrder } from './lane-order.js';
import { decideSendFailure, type KafkaFailure } from './send-decision.js';
import { sanitizeTopic } from './topic-name.js';
import { METRIC } from '../../core/metric-names.js';
import { ErrorCode } from '../../core/error-codes.js';

const { Partitioners } = kafkajs;

/** One message on its way, with its place in the batch (one object per record: they live until the broker answers). */
interface Outgoing extends KafkaMessage {
  index: number;
  bytes: number;
}

/** Sends one partition's prepared messages: with the producer, or inside a transaction. */
type Send = (topic: string, prepared: PreparedMessages) => Promise<void>;

interface Lane {
  topic: string;
  partition: number;
  messages: Outgoing[];
}

const TOPIC_RECHECK_MS = 30_000;
const REFUSED_TOPICS_LIMIT = 1_000;

/**
 * The kafka output: renders each record to a message, assigns its partition from the key (so a
 * batch can be cut per partition), sends partitions concurrently (bounded by max_in_flight), and
 * reports per message what was not delivered: retried later, or dead-lettered with the reason.
 */
export class KafkaOutput implements Output {
  private readonly kafka: KafkaService;
  private readonly topic: EventTemplate;
  private readonly key: EventTemplate;
  private readonly headers: Array<[string, EventTemplate]>;
  private readonly headersPerSharedFields: boolean;
  private readonly sharedHeaders = new WeakMap<object, Record<string, string>>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, { count: number | undefined; checkedAt: number }>();
  private readonly inFlight: PQueue;
  private readonly laneOrder = new LaneOrder();
  /** Rendered topic → valid topic name: a few distinct names, one per record. */
  private readonly topicName = boundedMemo(sanitizeTopic);
  private planning: Promise<unknown> = Promise.resolve();
  private readonly refusedTopics = new Map<string, { error: LogshipError; at: number }>();
  private readonly exactlyOnce: ExactlyOnce | undefined;
  private readonly send: Send;

  constructor(
    private readonly config: KafkaConfig,
    private readonly context: PluginContext,
  ) {
    const transactionalId = config.transactional_id ?? defaultTransactionalId(context, config.topic);
    const transactional = config.delivery === 'exactly_once' ? { id: transactionalId, timeoutMs: transactionTimeout(config) } : undefined;
    this.kafka = new KafkaService(connectionOptions(config), { idempotent: config.idempotent, maxInFlight: config.max_in_flight, ...(transactional ? { transactional } : {}) }, context.logger);
    this.send = (topic, prepared) => this.kafka.send(topic, prepared, { acks: config.acks, timeoutMs: config.timeout });
    if (transactional) {
      this.exactlyOnce = new ExactlyOnce(
        this.kafka,
        {
          transactionalId,
          positionsTopic: config.positions_topic,
          intervalMs: config.transaction_interval,
          maxWrites: CONCURRENT_WRITES,
          createTopic: config.create_topics,
          replicationFactor: config.topic_replication_factor,
          compression: config.compression,
          compressionLevel: config.compression_level,
          timeoutMs: config.timeout,
        },
        context,
      );
    }
    this.topic = compileEventTemplate(config.topic);
    this.key = compileEventTemplate(config.key);
    this.headers = Object.entries(config.headers).map(([name, text]) => [name, compileEventTemplate(text)]);
    this.headersPerSharedFields = this.headers.every(([, render]) => render.perSharedFields);
    this.inFlight = new PQueue({ concurrency: config.max_in_flight });
  }

  async write(batch: readonly PipelineEvent[], attempt: WriteAttempt = { attempt: 1 }): Promise<{ failures: ItemFailure[] }> {
    if (this.exactlyOnce) return this.writeInTransaction(this.exactlyOnce, batch, attempt.attempt > 1);
    const failures: ItemFailure[] = [];
    await this.sendAll(batch, attempt.attempt > 1, failures, this.send);
    return { failures };
  }

  /** Plans and sends a batch, failures into `failures`. */
  private async sendAll(batch: readonly PipelineEvent[], retry: boolean, failures: ItemFailure[], send: Send): Promise<void> {
    // the runner calls write() in batch order (the plugin contract); planning awaits metadata, so
    // writes are planned one after another for each partition's sends to be queued in that order
    const planned = this.planning.then(() => this.plan(batch, retry, failures, send));
    this.planning = planned.catch(() => undefined);
    await Promise.all(await planned);
  }

  /**
   * exactly_once: the batch's records that no committed transaction holds yet are sent in a
   * transaction with their positions; they are delivered when it commits (see exactly-once.ts).
   */
  private async writeInTransaction(exactlyOnce: ExactlyOnce, batch: readonly PipelineEvent[], retry: boolean): Promise<{ failures: ItemFailure[] }> {
    const failAll = (indexes: Iterable<number>, error: LogshipError): { failures: ItemFailure[] } => ({
      failures: [...indexes].map((index) => ({ index, retriable: true, code: error.code, reason: error.message })),
    });
    try {
      await exactlyOnce.ready();
    } catch (err) {
      exactlyOnce.schedule.settledWithoutSending(retry, false);
      return failAll(batch.keys(), err instanceof LogshipError ? err : toKafkaError(err, 'exactly-once start'));
    }
    const transaction = await exactlyOnce.schedule.join(retry);
    if (transaction === 'held') {
      return failAll(batch.keys(), new LogshipError(ErrorCode.KAFKA_PARTITION_WAITING, 'held back until earlier records, whose transaction was aborted, are committed', { retriable: true }));
    }
    let kafka: KafkaTransaction;
    try {
      // begun, and so registered again if the last one aborted: the positions are read back by now
      kafka = await transaction.kafka;
    } catch (err) {
      await exactlyOnce.schedule.leave(transaction, undefined, true);
      return failAll(batch.keys(), err instanceof LogshipError ? err : toKafkaError(err, 'begin a transaction'));
    }
    // only now, in the transaction: a record taken as sent must be in it
    const indexes: number[] = [];
    for (let i = 0; i < batch.length; i++) if (!exactlyOnce.alreadySent(batch[i] as PipelineEvent)) indexes.push(i);
    const toSend = indexes.map((i) => batch[i] as PipelineEvent);
    const failures: ItemFailure[] = [];
    let positions: PositionsOfTransaction | undefined;
    try {
      await this.sendAll(toSend, retry, failures, (topic, prepared) => kafka.send(topic, prepared, { acks: -1, timeoutMs: this.config.timeout }));
    } catch (err) {
      failures.length = 0;
      const error = err instanceof LogshipError ? err : toKafkaError(err, 'send in a transaction');
      for (let i = 0; i < toSend.length; i++) failures.push({ index: i, retriable: true, code: error.code, reason: error.message });
    } finally {
      const failed = new Set<number>();
      for (const f of failures) failed.add(f.index);
      positions = new PositionsOfTransaction();
      for (let i = 0; i < toSend.length; i++) {
        const position = failed.has(i) ? undefined : (toSend[i] as PipelineEvent).position;
        if (position) positions.add(position);
      }
    }
    const doomed = failures.some((f) => f.retriable);
    const outcome = await exactlyOnce.schedule.leave(transaction, positions, doomed);
    const result: ItemFailure[] = [];
    const failedForGood = new Set<number>();
    for (const f of failures) {
      if (!f.retriable) {
        failedForGood.add(indexes[f.index] as number);
        result.push({ ...f, index: indexes[f.index] as number });
      }
    }
    if (outcome === 'committed') return { failures: result };
    // every record but those dead-lettered is sent again, the skipped ones too: a copy skipped
    // because the aborted transaction held its twin is not delivered (the retry skips what is committed)
    const error = exactlyOnce.fenced;
    const reason = error ? error.message : abortReason(transaction.failure);
    const code = error ? error.code : ErrorCode.KAFKA_TRANSACTION_ABORTED;
    for (let i = 0; i < batch.length; i++) if (!failedForGood.has(i)) result.push({ index: i, retriable: true, code, reason });
    return { failures: result };
  }

  /** Renders the batch, resolves its topics and queues its partitions' sends; returns the sends. */
  private async plan(batch: readonly PipelineEvent[], retry: boolean, failures: ItemFailure[], send: Send): Promise<Array<Promise<void>>> {
    const sends: Array<Promise<void>> = [];
    for (const [topic, outgoing] of this.render(batch, failures)) {
      let count = 0;
      let failure: LogshipError | undefined;
      // a topic whose metadata failed holds back its later records like a failed partition does
      const outcome = await this.laneOrder.run(`${topic}\u0000metadata`, retry, async () => {
        try {
          count = await this.partitionCount(topic);
          return false;
        } catch (err) {
          failure = err instanceof LogshipError ? err : new LogshipError(ErrorCode.KAFKA_UNAVAILABLE, errorMessage(err), { retriable: true });
          return failure.retriable;
        }
      });
      if (outcome === 'sent' && !failure) {
        sends.push(...this.partitionLanes(topic, outgoing, count).map((lane) => this.sendLaneInOrder(lane, retry, failures, send)));
        continue;
      }
      const code = failure?.code ?? ErrorCode.KAFKA_PARTITION_WAITING;
      const reason = failure?.message ?? `topic ${topic}: held back until its earlier records are delivered`;
      for (const o of outgoing) failures.push({ index: o.index, retriable: failure?.retriable ?? true, code, reason });
    }
    return sends;
  }

  /** Each record as a message, grouped by topic; records too large to send are failed for good. */
  private render(batch: readonly PipelineEvent[], failures: ItemFailure[]): Map<string, Outgoing[]> {
    const byTopic = new Map<string, Outgoing[]>();
    batch.forEach((event, index) => {
      try {
        this.renderOne(event, index, byTopic, failures);
      } catch (err) {
        failures.push(renderFailure(index, err));
      }
    });
    return byTopic;
  }

  /** One record as a message in its topic's list (templates and JSON may throw on hostile content: the caller catches). */
  private renderOne(event: PipelineEvent, index: number, byTopic: Map<string, Outgoing[]>, failures: ItemFailure[]): void {
    // the input's ready-made JSON where it has one: written into the batch, not serialised
    const value = this.config.encoding === 'json' ? (event.json ?? recordToJson(event.record)) : messageText(event.record.message);
    const key = this.key(event);
    const valueBytes = typeof value === 'string' ? Buffer.byteLength(value) : value.jsonBytes;
    const bytes = valueBytes + (key === '' ? 0 : Buffer.byteLength(key));
    if (bytes > this.config.max_message_bytes) {
      failures.push({ index, retriable: false, code: ErrorCode.KAFKA_MESSAGE_TOO_LARGE, reason: `message of ${bytes} bytes is larger than max_message_bytes (${this.config.max_message_bytes})` });
      return;
    }
    const headers = this.headersOf(event);
    const topic = this.topicName(this.topic(event));
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ index, bytes, key: key === '' ? null : key, value, valueBytes, headers });
  }

  async close(): Promise<void> {
    // a reload or a stop: the open transaction commits (or aborts) before the producer goes
    await this.exactlyOnce?.schedule.idle();
    await this.inFlight.onIdle();
    await this.kafka.close();
  }

  /** A record's headers: one frozen object per sharedFields when they depend on nothing else (the encoder then writes them once). */
  private headersOf(event: PipelineEvent): Record<string, string> {
    const shared = this.headersPerSharedFields ? event.sharedFields : undefined;
    if (shared === undefined) return this.renderHeaders(event);
    let headers = this.sharedHeaders.get(shared);
    if (headers === undefined) {
      headers = Object.freeze(this.renderHeaders(event));
      this.sharedHeaders.set(shared, headers);
    }
    return headers;
  }

  private renderHeaders(event: PipelineEvent): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, render] of this.headers) headers[name] = render(event);
    return headers;
  }

  /** Splits a topic's messages per partition, keeping their order within each. */
  private partitionLanes(topic: string, outgoing: Outgoing[], count: number): Lane[] {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    const lanes = new Map<number, Outgoing[]>();
    for (const o of outgoing) {
      const partition = count === 1 ? 0 : this.partitioner({ topic, partitionMetadata, message: { key: o.key, value: null } });
      let lane = lanes.get(partition);
      if (!lane) lanes.set(partition, (lane = []));
      lane.push(o);
    }
    return [...lanes].map(([partition, messages]) => ({ topic, partition, messages }));
  }

  /** Sends a lane after the same partition's earlier writes, or holds it back while they wait for a retry. */
  private async sendLaneInOrder(lane: Lane, retry: boolean, failures: ItemFailure[], send: Send): Promise<void> {
    const laneFailures: ItemFailure[] = [];
    const outcome = await this.laneOrder.run(`${lane.topic}\u0000${lane.partition}`, retry, async () => {
      await this.inFlight.add(() => this.sendLane(lane, laneFailures, send));
      return laneFailures.some((f) => f.retriable);
    });
    if (outcome === 'held') {
      const reason = `topic ${lane.topic} partition ${lane.partition}: held back until earlier records of the partition are delivered`;
      for (const o of lane.messages) failures.push({ index: o.index, retriable: true, code: ErrorCode.KAFKA_PARTITION_WAITING, reason });
    } else failures.push(...laneFailures);
  }

  /**
   * Sends one partition's messages in requests of at most batch_max_bytes, in order, preparing
   * (encoding, compressing) the next request while one is in flight. After a retriable failure
   * the rest of the lane is not sent (it would overtake the failed part).
   */
  private async sendLane(lane: Lane, failures: ItemFailure[], send: Send): Promise<void> {
    const chunks = [...chunksBySize(lane.messages, this.config.batch_max_bytes, (o) => o.bytes)];
    if (chunks.length === 0) return;
    let next = this.prepare(lane, chunks[0]!);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const prepared = await next;
      if (i + 1 < chunks.length) next = this.prepare(lane, chunks[i + 1]!);
      const retryRest = await this.sendChunk(lane, chunk, failures, send, prepared);
      if (retryRest) {
        await next;
        for (const o of chunks.slice(i + 1).flat()) failures.push({ ...retryRest, index: o.index });
        return;
      }
    }
  }

  /** Never rejects: a failure to encode or compress is the send's failure (sendChunk reports it). */
  private prepare(lane: Lane, chunk: Outgoing[]): Promise<PreparedMessages | Error> {
    return prepareMessages(lane.partition, chunk, this.config.compression, this.config.compression_level).catch((err: unknown) => {
      // a record the encoder cannot take fails the same way every time: not a broker's failure
      if (isRecordError(err)) return new LogshipError(ErrorCode.RECORD_UNRENDERABLE, `cannot encode the record: ${errorMessage(err)}`, { retriable: false, cause: err });
      return err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Returns the failure to apply to the rest of the lane when the chunk must be retried. */
  private async sendChunk(lane: Lane, chunk: Outgoing[], failures: ItemFailure[], send: Send, prepared?: PreparedMessages | Error): Promise<ItemFailure | undefined> {
    const { topic } = lane;
    try {
      const ready = prepared ?? (await this.prepare(lane, chunk));
      if (ready instanceof Error) throw ready;
      await send(topic, ready);
      return undefined;
    } catch (err) {
      const decision = decideSendFailure(err as KafkaFailure, chunk.length);
      if (decision.action === 'split') {
        const half = Math.ceil(chunk.length / 2);
        const retry = await this.sendChunk(lane, chunk.slice(0, half), failures, send);
        if (!retry) return this.sendChunk(lane, chunk.slice(half), failures, send);
        for (const o of chunk.slice(half)) failures.push({ ...retry, index: o.index });
        return retry;
      }
      if (decision.action === 'reject') {
        for (const o of chunk) failures.push({ index: o.index, retriable: false, code: decision.code, reason: `${decision.reason} (topic ${topic})` });
        return undefined;
      }
      this.partitions.delete(topic);
      const failure = { index: 0, retriable: true, code: ErrorCode.KAFKA_UNAVAILABLE, reason: `topic ${topic}: ${errorMessage(err)}` };
      for (const o of chunk) failures.push({ ...failure, index: o.index });
      return failure;
    }
  }

  /** Partition count of a topic (cached), creating the topic when it is missing and allowed to. */
  private async partitionCount(topic: string): Promise<number> {
    const refused = this.refusedTopics.get(topic);
    // a topic Kafka refused for good is not asked about again for every batch
    if (refused && Date.now() - refused.at < TOPIC_RECHECK_MS) throw refused.error;
    try {
      return await this.askPartitionCount(topic);
    } catch (err) {
      if (err instanceof LogshipError && !err.retriable) {
        if (this.refusedTopics.size >= REFUSED_TOPICS_LIMIT) this.refusedTopics.clear();
        this.refusedTopics.set(topic, { error: err, at: Date.now() });
      }
      throw err;
    }
  }

  private async askPartitionCount(topic: string): Promise<number> {
    const cached = this.partitions.get(topic);
    if (cached?.count !== undefined) return cached.count;
    if (cached && Date.now() - cached.checkedAt < TOPIC_RECHECK_MS && !this.config.create_topics) throw missingTopic(topic);
    let count = await this.kafka.partitionCount(topic);
    if (count === undefined && this.config.create_topics) {
      await this.kafka.createTopic(topic, this.config.topic_partitions, this.config.topic_replication_factor);
      this.context.logger.info({ topic, partitions: this.config.topic_partitions }, `kafka: created topic ${topic}`);
      this.context.metrics.inc(METRIC.KAFKA_TOPICS_CREATED_TOTAL, { output: this.context.id });
      count = await this.kafka.partitionCount(topic);
    }
    this.partitions.set(topic, { count, checkedAt: Date.now() });
    if (count === undefined) throw this.config.create_topics ? new LogshipError(ErrorCode.KAFKA_UNAVAILABLE, `topic ${topic} was created but has no partitions yet`, { retriable: true }) : missingTopic(topic);
    return count;
  }
}

/** `encoding: text` sends the message as it is; parsed content may have made it something else than a string. */
function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  return message === undefined ? '' : (JSON.stringify(message) ?? String(message));
}

function missingTopic(topic: string): LogshipError {
  return new LogshipError(ErrorCode.KAFKA_UNKNOWN_TOPIC, `topic ${topic} does not exist and create_topics is false — create it, or set create_topics: true`, { retriable: false });
}

/**
 * How long the broker lets one of our transactions stay open before aborting it: longer than a
 * produce request may take, so a slow broker does not abort healthy ones. A crashed shipper's open
 * transaction is aborted at once by its successor; only other hosts' readers of the positions
 * topic wait for it, at most this long.
 */
function transactionTimeout(config: KafkaConfig): number {
  // both batches' sends, the positions and the commit; brokers allow at most 15 minutes by default
  return Math.min(900_000, Math.max(60_000, config.timeout * 2 + 5_000, config.transaction_interval * 10));
}

/**
 * The output's id when the user gave one; a positional one (kafka_0) would pass to another output
 * when outputs are added or removed, with positions that are not its own: the topic's instead.
 */
function defaultTransactionalId(context: PluginContext, topic: string): string {
  const name = /^kafka_\d+$/.test(context.id) ? `topic-${createHash('sha1').update(topic).digest('hex').slice(0, 12)}` : context.id;
  return `logship-${context.hostName}-${name}`;
}

function connectionOptions(config: KafkaConfig): KafkaConnectionOptions {
  const options: KafkaConnectionOptions = {
    brokers: config.brokers,
    clientId: config.client_id,
    connectionTimeoutMs: config.connect_timeout,
    requestTimeoutMs: config.timeout + 5_000,
  };
  if (config.sasl) options.sasl = config.sasl;
  if (config.tls?.enabled) options.ssl = tlsConnectionOptions(config.tls);
  return options;
}
