import { Module, createRequire } from 'node:module';
import path from 'node:path';
import { encodeRecords, type RecordInput } from './kafka-records.js';
import { PREPARED, produceRequest, type PreparedRecords, type ProduceMessage } from './kafka-produce-request.js';

/**
 * kafkajs builds a small Buffer per record, header and varint, groups messages per partition in
 * quadratic time, and encodes inside its per-broker lock, so nothing else is encoded while a
 * request is on the wire (what that cost: bench/kafka/README.md). This module puts
 * two of kafkajs's internal files in its CommonJS module cache before kafkajs loads them:
 *
 * - the Produce request (v3, which v4–v7 extend) with logship's record-batch encoder
 *   (kafka-records.ts), which takes records that were encoded and compressed *before* kafkajs
 *   got them (prepareRecords);
 * - grouping messages per partition, in linear time.
 *
 * kafkajs keeps connections, metadata, idempotence (producer id, epoch, sequence numbers),
 * retries and responses. Tied to the kafkajs version pinned in package.json; the unit tests
 * compare the bytes with kafkajs's own encoder and check that the swap took effect.
 */

const require = createRequire(import.meta.url);
const KAFKAJS_SRC = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src');
const file = (relative: string): string => path.join(KAFKAJS_SRC, relative);

const FILES = {
  produceRequest: file('protocol/requests/produce/v3/request.js'),
  groupMessages: file('producer/groupMessagesPerPartition.js'),
  sendMessages: file('producer/sendMessages.js'),
  compression: file('protocol/message/compression/index.js'),
  encoder: file('protocol/encoder.js'),
};

type KafkajsEncoder = new (size?: number) => { writeBuffer(buffer: Buffer): unknown };

function kafkajsEncoder(body: Buffer): unknown {
  const Encoder = require(FILES.encoder) as KafkajsEncoder;
  const encoder = new Encoder(body.length);
  encoder.writeBuffer(body);
  return encoder;
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
}

/** Compresses an encoded records section with the codec kafkajs has registered for `codec`. */
async function compress(codec: number, records: Buffer): Promise<Buffer> {
  if (codec === 0) return records;
  const { lookupCodec } = require(FILES.compression) as { lookupCodec(type: number): Codec | null };
  const implementation = lookupCodec(codec);
  if (!implementation) throw new Error(`kafka: no codec registered for compression type ${codec}`);
  return implementation.compress({ buffer: records });
}

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: ProduceMessage }) => number;

function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: { topic: string; partitionMetadata: unknown[]; messages: ProduceMessage[]; partitioner: Partitioner }) {
  const grouped: Record<number, ProduceMessage[]> = {};
  if (partitionMetadata.length === 0) return grouped;
  for (const message of messages) (grouped[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return grouped;
}

function preload(filename: string, exports: unknown): void {
  const module = new Module(filename);
  module.filename = filename;
  module.loaded = true;
  module.exports = exports;
  require.cache[filename] = module;
}

/** A message in the shape kafkajs's producer.send() takes. */
export interface SendableMessage {
  partition: number;
  value: string | Buffer | null;
  key?: string | Buffer | null;
  headers?: Record<string, string>;
}

/** What the swap achieved, for the logs and the tests. */
export const fastPath = { produceRequest: false, groupMessages: false };

function install(): void {
  if (!require.cache[FILES.produceRequest]) {
    preload(FILES.produceRequest, produceRequest(compress, kafkajsEncoder));
    fastPath.produceRequest = true;
  }
  if (!require.cache[FILES.sendMessages]) {
    preload(FILES.groupMessages, groupMessagesPerPartition);
    fastPath.groupMessages = true;
  }
}

install();

/**
 * Encodes and compresses one partition's messages now, and returns what to hand to kafkajs in
 * their place: as many entries as messages (kafkajs counts them for the sequence numbers), all
 * the same object, pointing at the prepared records.
 */
export async function prepareRecords(messages: readonly RecordInput[], partition: number, codec: number): Promise<SendableMessage[]> {
  const prepared: PreparedRecords = { count: messages.length, codec, records: await compress(codec, encodeRecords(messages)) };
  if (!fastPath.produceRequest) return messages.map((m) => ({ ...m, partition }));
  const placeholder = { partition, value: null, [PREPARED]: prepared };
  return new Array<SendableMessage>(messages.length).fill(placeholder);
}
