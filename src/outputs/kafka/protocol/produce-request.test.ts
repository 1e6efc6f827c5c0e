import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { produceRequest, PREPARED, type ProduceRequestArguments } from './produce-request.js';
import { encodeRecords } from './records.js';

// kafkajs's own Produce v3 request, freshly loaded from its file, is the reference.
const require = createRequire(import.meta.url);
const root = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src');
const v3File = path.join(root, 'protocol/requests/produce/v3/request.js');
delete require.cache[v3File];
const kafkajsRequest = require(v3File) as (args: object) => { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
const Long = require(path.join(root, 'utils/long.js')) as { fromValue(v: bigint): unknown };

const gzipCodec = async (codec: number, records: Buffer): Promise<Buffer> => (codec === 1 ? gzipSync(records) : records);

function messages(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i % 2}`, value: `{"n":${i},"text":"${'é'.repeat(i % 7)}"}`, headers: { source: 'main', stream: i % 2 ? 'stderr' : 'stdout' } }));
}

function requestArguments(compression: number, topicData: ProduceRequestArguments['topicData']): ProduceRequestArguments {
  return { acks: -1, timeout: 30_000, transactionalId: null, producerId: '4711', producerEpoch: 2, compression, topicData };
}

async function bothEncodings(args: ProduceRequestArguments): Promise<[Buffer, Buffer]> {
  const ours = (await produceRequest(gzipCodec)(args).encode()) as { buffer: Buffer };
  // kafkajs wants a Long producer id and builds its batch timestamps from Date.now(), as ours does
  const theirs = await kafkajsRequest({ ...args, producerId: Long.fromValue(4711n) }).encode();
  return [ours.buffer, theirs.buffer];
}

describe('Produce request', () => {
  // both encoders stamp batches with Date.now(): the same clock for both
  beforeEach(() => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_123);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['no compression', 0],
    ['gzip', 1],
  ])('%s: same bytes as kafkajs for plain messages (two topics, two partitions)', async (_name, compression) => {
    const args = requestArguments(compression, [
      { topic: 'logs.a', partitions: [{ partition: 0, firstSequence: 10, messages: messages(5, 'a') }, { partition: 3, firstSequence: 0, messages: messages(300, 'b') }] },
      { topic: 'logs.b', partitions: [{ partition: 1, firstSequence: 7, messages: messages(1, 'c') }] },
    ]);
    const [ours, theirs] = await bothEncodings(args);
    expect(ours.equals(theirs)).toBe(true);
  });

  it('takes prepared records in place of the placeholders: same bytes as kafkajs encoding the messages', async () => {
    const real = messages(40, 'p');
    const prepared = { count: real.length, codec: 1, records: gzipSync(encodeRecords(real)) };
    const placeholders = new Array(real.length).fill({ partition: 2, value: null, [PREPARED]: prepared });
    const ours = (await produceRequest(gzipCodec)(requestArguments(1, [{ topic: 't', partitions: [{ partition: 2, firstSequence: 99, messages: placeholders }] }])).encode()) as { buffer: Buffer };
    const theirs = await kafkajsRequest({ ...requestArguments(1, [{ topic: 't', partitions: [{ partition: 2, firstSequence: 99, messages: real }] }]), producerId: Long.fromValue(4711n) }).encode();
    expect(ours.buffer.equals(theirs.buffer)).toBe(true);
  });

  it.each([
    ['no compression', 0],
    ['gzip', 1],
  ])('in a transaction (%s): same bytes as kafkajs, transactional id and the batch\'s transactional bit included', async (_name, compression) => {
    const args = { ...requestArguments(compression, [{ topic: 'logs.a', partitions: [{ partition: 0, firstSequence: 3, messages: messages(25, 't') }] }]), transactionalId: 'logship-node-1-kafka_0' };
    const [ours, theirs] = await bothEncodings(args);
    expect(ours.equals(theirs)).toBe(true);
    // request: transactional id (int16 length + text) first; record batch attributes: bit 4 set
    expect(ours.readInt16BE(0)).toBe('logship-node-1-kafka_0'.length);
    const plain = (await produceRequest(gzipCodec)({ ...args, transactionalId: null }).encode()) as { buffer: Buffer };
    expect(ours.length - plain.buffer.length).toBe('logship-node-1-kafka_0'.length);
    // the first batch's attributes: after the request's fields, the topic and partition, and the batch's first 21 bytes
    const attributes = (request: Buffer, idBytes: number) => request.readInt16BE(idBytes + 2 + 4 + 4 + 2 + 'logs.a'.length + 4 + 4 + 4 + 21);
    expect(attributes(ours, 2 + 'logship-node-1-kafka_0'.length) & 0x10).toBe(0x10);
    expect(attributes(plain.buffer, 2) & 0x10).toBe(0);
    expect(attributes(ours, 2 + 'logship-node-1-kafka_0'.length) & 0x07).toBe(compression);
  });

  it('in a transaction: prepared records give the same bytes as kafkajs encoding the messages', async () => {
    const real = messages(40, 'p');
    const prepared = { count: real.length, codec: 1, records: gzipSync(encodeRecords(real)) };
    const placeholders = new Array(real.length).fill({ partition: 0, value: null, [PREPARED]: prepared });
    const transactional = (partitionMessages: unknown[]) => ({ ...requestArguments(1, [{ topic: 'logship-positions', partitions: [{ partition: 0, firstSequence: 12, messages: partitionMessages as never }] }]), transactionalId: 'tx' });
    const ours = (await produceRequest(gzipCodec)(transactional(placeholders)).encode()) as { buffer: Buffer };
    const theirs = await kafkajsRequest({ ...transactional(real), producerId: Long.fromValue(4711n) }).encode();
    expect(ours.buffer.equals(theirs.buffer)).toBe(true);
  });

  it('refuses prepared records that do not match the request', async () => {
    const prepared = { count: 3, codec: 1, records: Buffer.alloc(0) };
    const placeholders = new Array(2).fill({ partition: 0, value: null, [PREPARED]: prepared });
    await expect(produceRequest(gzipCodec)(requestArguments(1, [{ topic: 't', partitions: [{ partition: 0, messages: placeholders }] }])).encode()).rejects.toThrow(/do not match/);
  });

  it('is a Produce v3 request that expects a response unless acks is 0', () => {
    const request = produceRequest(gzipCodec)(requestArguments(0, []));
    expect([request.apiKey, request.apiVersion, request.apiName, request.expectResponse()]).toEqual([0, 3, 'Produce', true]);
    expect(produceRequest(gzipCodec)({ ...requestArguments(0, []), acks: 0 }).expectResponse()).toBe(false);
  });
});
