import { encodeRecordBatch, encodeRecords, type RecordInput } from './records.js';

/**
 * A Produce request (versions 3–7 share this layout) with logship's record batches, in the
 * shape kafkajs's connection sends: `encode()` returns something with `buffer` and `size()`.
 */

export const PREPARED = Symbol.for('logship.kafka.preparedRecords');

/** A partition's records, encoded and compressed ahead of the request. */
export interface PreparedRecords {
  count: number;
  codec: number;
  records: Buffer;
}

export interface ProduceMessage extends Partial<RecordInput> {
  [PREPARED]?: PreparedRecords;
}

export interface ProduceRequestArguments {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  /** -1, a kafkajs Long, or (after InitProducerId) a decimal string */
  producerId?: { value: bigint } | number | string;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence?: number; messages: ProduceMessage[] }> }>;
}

export type Compress = (codec: number, records: Buffer) => Promise<Buffer>;
/** kafkajs's connection takes only its own Encoder class for a request body. */
export type WrapBody = (body: Buffer) => unknown;

const plainBody: WrapBody = (body) => ({ buffer: body, size: () => body.length });

const PRODUCE_API_KEY = 0;

function producerIdOf(value: ProduceRequestArguments['producerId']): bigint {
  if (value === undefined) return -1n;
  return typeof value === 'object' ? value.value : BigInt(value);
}

function int16String(text: string | null | undefined): Buffer {
  if (text === null || text === undefined) return Buffer.from([0xff, 0xff]);
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function int32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeInt32BE(value, 0);
  return out;
}

/** The records section of one partition: the prepared one, or encoded now (a message kafkajs itself made). */
async function recordsOf(messages: ProduceMessage[], codec: number, compress: Compress): Promise<Buffer> {
  const prepared = messages[0]?.[PREPARED];
  if (!prepared) {
    const inputs = messages.map((m) => ({ key: m.key ?? null, value: m.value ?? null, headers: m.headers ?? {} }));
    return compress(codec, encodeRecords(inputs));
  }
  if (prepared.count !== messages.length || prepared.codec !== codec) {
    throw new Error(`kafka: prepared records do not match the request (${prepared.count} records, codec ${prepared.codec}; the request has ${messages.length}, codec ${codec})`);
  }
  return prepared.records;
}

export function produceRequest(compress: Compress, wrapBody: WrapBody = plainBody) {
  return (args: ProduceRequestArguments) => ({
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => args.acks !== 0,
    encode: async () => {
      const codec = (args.compression ?? 0) & 0x07;
      const producerId = producerIdOf(args.producerId);
      const parts: Buffer[] = [int16String(args.transactionalId), Buffer.allocUnsafe(6), int32(args.topicData.length)];
      parts[1]!.writeInt16BE(args.acks, 0);
      parts[1]!.writeInt32BE(args.timeout, 2);
      for (const { topic, partitions } of args.topicData) {
        parts.push(int16String(topic), int32(partitions.length));
        for (const { partition, firstSequence, messages } of partitions) {
          const now = Date.now();
          const batch = encodeRecordBatch(
            {
              codec,
              transactional: args.transactionalId !== null && args.transactionalId !== undefined,
              recordCount: messages.length,
              firstTimestamp: now,
              maxTimestamp: now,
              producerId,
              producerEpoch: args.producerEpoch ?? 0,
              firstSequence: firstSequence ?? 0,
            },
            await recordsOf(messages, codec, compress),
          );
          parts.push(int32(partition), int32(batch.length), batch);
        }
      }
      return wrapBody(Buffer.concat(parts));
    },
  });
}
