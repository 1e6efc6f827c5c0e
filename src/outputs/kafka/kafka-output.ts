import kafkajs from '../../services/kafkajs.js';
import PQueue from 'p-queue';
import { tlsConnectionOptions } from '../../config/tls.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import type { PipelineEvent } from '../../core/record.js';
import { recordToJson } from '../../core/record-json.js';
import { compileTemplate, type Template } from '../../core/template.js';
import type { ItemFailure, Output, PluginContext } from '../../plugins/types.js';
import { KafkaService, type KafkaConnectionOptions, type KafkaMessage } from '../../services/kafka.js';
import type { KafkaConfig } from './schema.js';
import { decideSendFailure, type KafkaFailure } from './send-decision.js';
import { sanitizeTopic } from './topic-name.js';

const { Partitioners } = kafkajs;

/** One message on its way, with its place in the batch. */
interface Outgoing {
  index: number;
  message: KafkaMessage;
  bytes: number;
}

interface Lane {
  topic: string;
  partition: number;
  messages: Outgoing[];
}

const TOPIC_RECHECK_MS = 30_000;

/**
 * The kafka output: renders each record to a message, assigns its partition from the key (so a
 * batch can be cut per partition), sends partitions concurrently (bounded by max_in_flight), and
 * reports per message what was not delivered: retried later, or dead-lettered with the reason.
 */
export class KafkaOutput implements Output {
  private readonly kafka: KafkaService;
  private readonly topic: Template;
  private readonly key: Template;
  private readonly headers: Array<[string, Template]>;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, { count: number | undefined; checkedAt: number }>();
  private readonly inFlight: PQueue;

  constructor(
    private readonly config: KafkaConfig,
    private readonly context: PluginContext,
  ) {
    this.kafka = new KafkaService(connectionOptions(config), { idempotent: config.idempotent, maxInFlight: config.max_in_flight }, context.logger);
    this.topic = compileTemplate(config.topic);
    this.key = compileTemplate(config.key);
    this.headers = Object.entries(config.headers).map(([name, text]) => [name, compileTemplate(text)]);
    this.inFlight = new PQueue({ concurrency: config.max_in_flight });
  }

  async write(batch: readonly PipelineEvent[]): Promise<{ failures: ItemFailure[] }> {
    const failures: ItemFailure[] = [];
    const byTopic = new Map<string, Outgoing[]>();
    batch.forEach((event, index) => {
      const value = this.config.encoding === 'json' ? recordToJson(event.record) : event.record.message;
      const key = this.key(event.record);
      const bytes = Buffer.byteLength(value) + Buffer.byteLength(key);
      if (bytes > this.config.max_message_bytes) {
        failures.push({ index, retriable: false, code: 'KAFKA_MESSAGE_TOO_LARGE', reason: `message of ${bytes} bytes is larger than max_message_bytes (${this.config.max_message_bytes})` });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, render] of this.headers) headers[name] = render(event.record);
      const topic = sanitizeTopic(this.topic(event.record));
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ index, bytes, message: { key: key === '' ? null : key, value, headers } });
    });

    const lanes: Lane[] = [];
    for (const [topic, outgoing] of byTopic) {
      let count: number;
      try {
        count = await this.partitionCount(topic);
      } catch (err) {
        const failure = err instanceof LogshipError ? err : new LogshipError('KAFKA_UNAVAILABLE', errorMessage(err), { retriable: true });
        for (const o of outgoing) failures.push({ index: o.index, retriable: failure.retriable, code: failure.code, reason: failure.message });
        continue;
      }
      lanes.push(...this.partitionLanes(topic, outgoing, count));
    }
    await Promise.all(lanes.map((lane) => this.inFlight.add(() => this.sendLane(lane, failures))));
    return { failures };
  }

  async close(): Promise<void> {
    await this.inFlight.onIdle();
    await this.kafka.close();
  }

  /** Splits a topic's messages per partition, keeping their order within each. */
  private partitionLanes(topic: string, outgoing: Outgoing[], count: number): Lane[] {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    const lanes = new Map<number, Outgoing[]>();
    for (const o of outgoing) {
      const partition = count === 1 ? 0 : this.partitioner({ topic, partitionMetadata, message: { key: o.message.key, value: o.message.value } });
      let lane = lanes.get(partition);
      if (!lane) lanes.set(partition, (lane = []));
      lane.push(o);
    }
    return [...lanes].map(([partition, messages]) => ({ topic, partition, messages }));
  }

  /**
   * Sends one partition's messages in requests of at most batch_max_bytes, in order. After a
   * retriable failure the rest of the lane is not sent (it would overtake the failed part).
   */
  private async sendLane(lane: Lane, failures: ItemFailure[]): Promise<void> {
    let retryRest: ItemFailure | undefined;
    for (const chunk of chunksOf(lane.messages, this.config.batch_max_bytes)) {
      if (retryRest) {
        for (const o of chunk) failures.push({ ...retryRest, index: o.index });
        continue;
      }
      retryRest = await this.sendChunk(lane, chunk, failures);
    }
  }

  /** Returns the failure to apply to the rest of the lane when the chunk must be retried. */
  private async sendChunk(lane: Lane, chunk: Outgoing[], failures: ItemFailure[]): Promise<ItemFailure | undefined> {
    const { topic, partition } = lane;
    try {
      await this.kafka.send(topic, partition, chunk.map((o) => o.message), { acks: this.config.acks, timeoutMs: this.config.timeout, compression: this.config.compression });
      return undefined;
    } catch (err) {
      const decision = decideSendFailure(err as KafkaFailure, chunk.length);
      if (decision.action === 'split') {
        const half = Math.ceil(chunk.length / 2);
        const retry = await this.sendChunk(lane, chunk.slice(0, half), failures);
        if (!retry) return this.sendChunk(lane, chunk.slice(half), failures);
        for (const o of chunk.slice(half)) failures.push({ ...retry, index: o.index });
        return retry;
      }
      if (decision.action === 'reject') {
        for (const o of chunk) failures.push({ index: o.index, retriable: false, code: decision.code, reason: `${decision.reason} (topic ${topic})` });
        return undefined;
      }
      this.partitions.delete(topic);
      const failure = { index: 0, retriable: true, code: 'KAFKA_UNAVAILABLE', reason: `topic ${topic}: ${errorMessage(err)}` };
      for (const o of chunk) failures.push({ ...failure, index: o.index });
      return failure;
    }
  }

  /** Partition count of a topic (cached), creating the topic when it is missing and allowed to. */
  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitions.get(topic);
    if (cached?.count !== undefined) return cached.count;
    if (cached && Date.now() - cached.checkedAt < TOPIC_RECHECK_MS && !this.config.create_topics) throw missingTopic(topic);
    let count = await this.kafka.partitionCount(topic);
    if (count === undefined && this.config.create_topics) {
      await this.kafka.createTopic(topic, this.config.topic_partitions, this.config.topic_replication_factor);
      this.context.logger.info({ topic, partitions: this.config.topic_partitions }, `kafka: created topic ${topic}`);
      this.context.metrics.inc('kafka_topics_created_total', { output: this.context.id });
      count = await this.kafka.partitionCount(topic);
    }
    this.partitions.set(topic, { count, checkedAt: Date.now() });
    if (count === undefined) throw this.config.create_topics ? new LogshipError('KAFKA_UNAVAILABLE', `topic ${topic} was created but has no partitions yet`, { retriable: true }) : missingTopic(topic);
    return count;
  }
}

function missingTopic(topic: string): LogshipError {
  return new LogshipError('KAFKA_UNKNOWN_TOPIC', `topic ${topic} does not exist and create_topics is false — create it, or set create_topics: true`, { retriable: false });
}

/** Consecutive pieces of at most maxBytes (a single larger message makes a piece of its own). */
function* chunksOf(lane: Outgoing[], maxBytes: number): Generator<Outgoing[]> {
  let chunk: Outgoing[] = [];
  let bytes = 0;
  for (const o of lane) {
    if (chunk.length && bytes + o.bytes > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(o);
    bytes += o.bytes;
  }
  if (chunk.length) yield chunk;
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
