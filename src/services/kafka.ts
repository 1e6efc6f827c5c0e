import kafkajs, { type Admin, type Producer, type SASLOptions } from './kafkajs.js';
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { protocolTypes, type KafkaErrorShape } from './kafka-error-types.js';
import { LogshipError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../core/error-codes.js';

const { Kafka, CompressionTypes, logLevel } = kafkajs;

export type KafkaCompression = 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'none';

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  ssl?: ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface ProducerOptions {
  idempotent: boolean;
  maxInFlight: number;
  /** Makes the producer transactional (exactly-once delivery): its id, and how long the broker lets a transaction stay open. */
  transactional?: { id: string; timeoutMs: number };
}

/** One Kafka transaction: its sends are visible to read_committed consumers once committed, never if aborted. */
export interface KafkaTransaction {
  send(topic: string, prepared: PreparedMessages, options: { acks: number; timeoutMs: number }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A message read back from a topic. */
export interface ConsumedRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** A message in the shape kafkajs's producer.send() takes. */
export interface SendableMessage {
  partition: number;
  value: string | Buffer | null;
  key?: string | Buffer | null;
  headers?: Record<string, string>;
}

/** One partition's messages, encoded and compressed (by the kafka output), ready for send(). */
export interface PreparedMessages {
  partition: number;
  codec: number;
  messages: SendableMessage[];
}

/** kafkajs's number for a compression codec. */
export function compressionCodec(compression: KafkaCompression): number {
  return COMPRESSION[compression];
}

const COMPRESSION: Record<KafkaCompression, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
  none: CompressionTypes.None,
};

/**
 * Kafka as the kafka output uses it: a producer, topic metadata and topic creation. kafkajs stays
 * behind this module; its own retries are kept short so that failures reach the pipeline's
 * backoff, metrics and logs instead of hiding inside the client.
 */
export class KafkaService {
  private readonly kafka: InstanceType<typeof Kafka>;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(
    connection: KafkaConnectionOptions,
    private readonly producerOptions: ProducerOptions,
    logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: connection.clientId,
      brokers: connection.brokers,
      ...(connection.ssl ? { ssl: connection.ssl } : {}),
      ...(connection.sasl ? { sasl: connection.sasl as SASLOptions } : {}),
      connectionTimeout: connection.connectionTimeoutMs,
      requestTimeout: connection.requestTimeoutMs,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.WARN,
      // the output reports failures once, with their outcome; kafkajs logs every attempt of every
      // request (including harmless ones while a new topic's leader is elected): debug only
      logCreator: () => ({ log }) => {
        logger.debug(`kafka client: ${String(log.message)}${log.error ? ` (${String(log.error)})` : ''}`);
      },
    });
  }

  /** Connects the producer once; a failed attempt is forgotten so the next call tries again. */
  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const transactional = this.producerOptions.transactional;
      const producer = this.kafka.producer({
        ...(transactional ? { transactionalId: transactional.id, transactionTimeout: transactional.timeoutMs } : {}),
        idempotent: this.producerOptions.idempotent || transactional !== undefined,
        maxInFlightRequests: this.producerOptions.maxInFlight,
        allowAutoTopicCreation: false,
        // the output picks every message's partition itself (so it can cut batches per partition)
        createPartitioner: () => ({ message }) => message.partition ?? 0,
        retry: { retries: this.producerOptions.idempotent ? 5 : 2, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    try {
      return await this.connecting;
    } catch (err) {
      throw toKafkaError(err, 'connect');
    } finally {
      this.connecting = undefined;
    }
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    try {
      await admin.connect();
    } catch (err) {
      throw toKafkaError(err, 'connect (admin)');
    }
    this.admin = admin;
    return admin;
  }

  /** Number of partitions of a topic, or undefined when the topic does not exist. */
  async partitionCount(topic: string): Promise<number | undefined> {
    const admin = await this.adminClient();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics[0]?.partitions.length ?? 0;
      return count > 0 ? count : undefined;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw toKafkaError(err, `metadata of topic ${topic}`);
    }
  }

  /** Creates a topic; one created meanwhile by someone else is fine. */
  async createTopic(topic: string, partitions: number, replicationFactor: number, configs: Record<string, string> = {}): Promise<void> {
    const admin = await this.adminClient();
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }], waitForLeaders: true });
    } catch (err) {
      const type = (err as { type?: string; errors?: Array<{ type?: string }> }).type ?? (err as { errors?: Array<{ type?: string }> }).errors?.[0]?.type;
      if (type === 'TOPIC_ALREADY_EXISTS') return;
      throw toKafkaError(err, `create topic ${topic}`);
    }
  }

  /** Sends prepared messages to their partition of a topic; resolves when the broker acknowledged them with `acks`. */
  async send(topic: string, prepared: PreparedMessages, options: { acks: number; timeoutMs: number }): Promise<void> {
    const producer = await this.connected();
    await producer.send({ topic, messages: prepared.messages, acks: options.acks, timeout: options.timeoutMs, compression: prepared.codec });
  }

  /**
   * Begins a transaction. The producer's first one registers its transactional id with the
   * broker (InitProducerId), which fences every older producer of that id and aborts what it left open.
   */
  async beginTransaction(): Promise<KafkaTransaction> {
    const producer = await this.connected();
    let transaction: Awaited<ReturnType<Producer['transaction']>>;
    try {
      transaction = await producer.transaction();
    } catch (err) {
      throw toKafkaError(err, 'begin a transaction');
    }
    return {
      send: async (topic, prepared, options) => {
        await transaction.send({ topic, messages: prepared.messages, acks: options.acks, timeout: options.timeoutMs, compression: prepared.codec });
      },
      commit: async () => {
        try {
          await transaction.commit();
        } catch (err) {
          throw toKafkaError(err, 'commit a transaction');
        }
      },
      abort: async () => {
        try {
          await transaction.abort();
        } catch (err) {
          throw toKafkaError(err, 'abort a transaction');
        }
      },
    };
  }

  /** Drops the producer: the next send or transaction connects a new one (for a transactional producer: registers again, fencing the old one). */
  async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /**
   * Reads a topic's committed records (read_committed) from the start, without joining a consumer
   * group of anyone else's (each read has its own, never committed): until `until` says a record
   * was the last one wanted, else to the end the topic had when the call began. Gives up when no
   * batch came for `idleTimeoutMs`.
   */
  async readTopic(topic: string, onRecord: (record: ConsumedRecord) => boolean | void, options: { idleTimeoutMs: number; until?: boolean }): Promise<void> {
    const admin = await this.adminClient();
    let ends: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    } catch (err) {
      throw toKafkaError(err, `offsets of topic ${topic}`);
    }
    if (ends.size === 0 && !options.until) return;
    const consumer = this.kafka.consumer({ groupId: `logship-read-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    let finish: (err?: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finish = (err) => (err === undefined ? resolve() : reject(err));
    });
    // it may fail while the consumer is still connecting: never an unhandled rejection
    done.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const idle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new LogshipError(ErrorCode.KAFKA_UNAVAILABLE, `kafka: reading topic ${topic}: nothing came for ${options.idleTimeoutMs} ms`, { retriable: true })), options.idleTimeoutMs);
    };
    idle();
    const reached = (partition: number, lastOffset: string): void => {
      idle();
      const end = ends.get(partition);
      if (end !== undefined && BigInt(lastOffset) + 1n >= end) ends.delete(partition);
      if (!options.until && ends.size === 0) finish();
    };
    // batches of only aborted records or transaction markers reach no handler, only this event
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset));
    consumer.on(consumer.events.CRASH, ({ payload }) => finish(payload.error));
    try {
      const started = (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              if (onRecord({ partition: batch.partition, key: message.key, value: message.value }) === true) finish();
            }
          },
        });
      })();
      await Promise.race([started.then(() => done), done]);
    } catch (err) {
      throw toKafkaError(err, `read topic ${topic}`);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
    this.producer = undefined;
    this.admin = undefined;
  }
}

/** Protocol errors that asking again will not change: the records they concern go to the dead letters. */
const PERMANENT: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: ErrorCode.KAFKA_NOT_AUTHORIZED,
  CLUSTER_AUTHORIZATION_FAILED: ErrorCode.KAFKA_NOT_AUTHORIZED,
  // e.g. "logs.web_1" when "logs.web.1" exists: Kafka refuses names that differ only by . and _
  INVALID_TOPIC_EXCEPTION: ErrorCode.KAFKA_INVALID_TOPIC,
  POLICY_VIOLATION: ErrorCode.KAFKA_POLICY_VIOLATION,
  INVALID_REPLICATION_FACTOR: ErrorCode.KAFKA_INVALID_TOPIC,
  INVALID_PARTITIONS: ErrorCode.KAFKA_INVALID_TOPIC,
  INVALID_CONFIG: ErrorCode.KAFKA_INVALID_TOPIC,
};

/**
 * Errors from anything but send(): connection and metadata problems are worth retrying; a refusal
 * that asking again will not change (a topic name Kafka does not accept, no authorisation) is not.
 */
export function toKafkaError(err: unknown, what: string): LogshipError {
  if (err instanceof LogshipError) return err;
  const e = err as KafkaErrorShape;
  const types = protocolTypes(e);
  const permanent = types.find((type) => PERMANENT[type]);
  const detail = types[0] ?? e.message ?? String(err);
  if (permanent) return new LogshipError(PERMANENT[permanent] as string, `kafka ${what}: ${permanent}${e.message && !e.message.includes(permanent) ? ` (${e.message})` : ''}`, { retriable: false, cause: err });
  if (e.name === 'KafkaJSSASLAuthenticationError') return new LogshipError(ErrorCode.KAFKA_AUTHENTICATION, `kafka ${what}: ${e.message ?? detail}`, { retriable: true, cause: err });
  return new LogshipError(ErrorCode.KAFKA_UNAVAILABLE, `kafka ${what}: ${e.message ?? detail}`, { retriable: true, cause: err });
}
