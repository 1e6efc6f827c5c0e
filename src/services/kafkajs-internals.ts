import { Module, createRequire } from 'node:module';
import path from 'node:path';

/**
 * kafkajs's internal files that logship replaces in its CommonJS module cache (the Kafka output's
 * fast path, src/outputs/kafka/protocol/kafkajs-fast-path.ts, says why), and the internals the
 * replacements use. Tied to the kafkajs version pinned in package.json.
 *
 * - grouping messages per partition, in linear time: kafkajs's producer takes this file when it
 *   loads, so this module is imported before kafkajs (services/kafkajs.ts imports it first);
 * - the Produce request (v3, which v4–v7 extend): kafkajs requires it at its first send, so the
 *   output installs its own (installProduceRequest) any time before that.
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

/** What the swap achieved, for the logs and the tests. */
export const fastPath = { produceRequest: false, groupMessages: false };

type KafkajsEncoder = new (size?: number) => { writeBuffer(buffer: Buffer): unknown };

/** A request body as kafkajs's own Encoder, which its connection writes to the socket. */
export function kafkajsEncoder(body: Buffer): unknown {
  const Encoder = require(FILES.encoder) as KafkajsEncoder;
  const encoder = new Encoder(body.length);
  encoder.writeBuffer(body);
  return encoder;
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
}

/** Compresses an encoded records section with the codec kafkajs has registered for `codec`. */
export async function compressWithKafkajs(codec: number, records: Buffer): Promise<Buffer> {
  if (codec === 0) return records;
  const { lookupCodec } = require(FILES.compression) as { lookupCodec(type: number): Codec | null };
  const implementation = lookupCodec(codec);
  if (!implementation) throw new Error(`kafka: no codec registered for compression type ${codec}`);
  return implementation.compress({ buffer: records });
}

type Partitioner<M> = (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;

function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: { topic: string; partitionMetadata: unknown[]; messages: M[]; partitioner: Partitioner<M> }) {
  const grouped: Record<number, M[]> = {};
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

/** Replaces kafkajs's Produce request (v3–v7) unless kafkajs has already loaded its own. */
export function installProduceRequest(request: unknown): void {
  if (require.cache[FILES.produceRequest]) return;
  preload(FILES.produceRequest, request);
  fastPath.produceRequest = true;
}

if (!require.cache[FILES.sendMessages]) {
  preload(FILES.groupMessages, groupMessagesPerPartition);
  fastPath.groupMessages = true;
}
