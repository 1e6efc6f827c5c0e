import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { compressionCodec, type KafkaCompression, type PreparedMessages, type SendableMessage } from '../../../services/kafka.js';
import { compressWithKafkajs, fastPath, installProduceRequest, kafkajsEncoder } from '../../../services/kafkajs-internals.js';
import { registerKafkaCodec } from './codecs.js';
import { encodeRecords, plainValue, type RecordInput } from './records.js';
import { PREPARED, produceRequest, type PreparedRecords } from './produce-request.js';

/**
 * kafkajs builds a small Buffer per record, header and varint, groups messages per partition in
 * quadratic time, and encodes inside its per-broker lock, so nothing else is encoded while a
 * request is on the wire (what that cost: bench/kafka/README.md). The output puts two
 * of kafkajs's internal files in its CommonJS module cache (src/services/kafkajs-internals.ts):
 *
 * - the Produce request (v3, which v4–v7 extend) with logship's record-batch encoder
 *   (records.ts), which takes records that were encoded and compressed *before* kafkajs
 *   got them (prepareRecords); installed when this module loads, before the output's first send;
 * - grouping messages per partition, in linear time (installed before kafkajs loads).
 *
 * kafkajs keeps connections, metadata, idempotence (producer id, epoch, sequence numbers),
 * retries and responses. Tied to the kafkajs version pinned in package.json; the unit tests
 * compare the bytes with kafkajs's own encoder and check that the swap took effect.
 */
installProduceRequest(produceRequest(compressWithKafkajs, kafkajsEncoder));

export { fastPath };

const gzipAsync = promisify(gzip);
/** Kafka's codec id of gzip. */
const GZIP = 1;

/** Compresses encoded records: gzip at the output's level (kafkajs knows only zlib's default, 6), other codecs through kafkajs. */
function compress(codec: number, records: Buffer, gzipLevel: number): Promise<Buffer> {
  return codec === GZIP ? gzipAsync(records, { level: gzipLevel }) : compressWithKafkajs(codec, records);
}

/**
 * Encodes and compresses one partition's messages now, and returns what to hand to kafkajs in
 * their place: as many entries as messages (kafkajs counts them for the sequence numbers), all
 * the same object, pointing at the prepared records.
 */
export async function prepareRecords(messages: readonly RecordInput[], partition: number, codec: number, gzipLevel = 6): Promise<SendableMessage[]> {
  const prepared: PreparedRecords = { count: messages.length, codec, records: await compress(codec, encodeRecords(messages), gzipLevel) };
  if (!fastPath.produceRequest) return messages.map((m) => ({ ...m, value: plainValue(m.value), partition }));
  const placeholder = { partition, value: null, [PREPARED]: prepared };
  return new Array<SendableMessage>(messages.length).fill(placeholder);
}

/**
 * Encodes and compresses one partition's messages for KafkaService.send(). Separate from sending
 * so that the next request can be prepared while kafkajs holds its broker lock for the one in flight.
 */
export async function prepareMessages(partition: number, messages: readonly RecordInput[], compression: KafkaCompression, gzipLevel?: number): Promise<PreparedMessages> {
  await registerKafkaCodec(compression);
  const codec = compressionCodec(compression);
  return { partition, codec, messages: await prepareRecords(messages, partition, codec, gzipLevel) };
}
