import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecordBatch, encodeRecords, type RecordInput } from './records.js';

// kafkajs's own encoder, loaded from its files (this test never installs logship's hook), is the
// reference: logship's batches must be byte-for-byte what kafkajs would have sent.
const require = createRequire(import.meta.url);
const root = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src');
const kafkajsRecord = require(path.join(root, 'protocol/recordBatch/record/v0/index.js')) as (r: object) => unknown;
const { RecordBatch: kafkajsBatch } = require(path.join(root, 'protocol/recordBatch/v0/index.js')) as { RecordBatch(a: object): Promise<{ buffer: Buffer }> };
const Long = require(path.join(root, 'utils/long.js')) as { fromValue(v: bigint): unknown };
const decodeBatch = require(path.join(root, 'protocol/recordBatch/v0/decoder.js')) as (d: unknown) => Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string }> }>;
const Decoder = require(path.join(root, 'protocol/decoder.js')) as new (b: Buffer) => unknown;

const header = { codec: 0, transactional: false, firstTimestamp: 1_764_000_000_123, maxTimestamp: 1_764_000_000_123, producerId: 4711n, producerEpoch: 3, firstSequence: 123_456 };

async function kafkajsBytes(messages: RecordInput[]): Promise<Buffer> {
  const records = messages.map((m, i) => kafkajsRecord({ ...m, offsetDelta: i, timestampDelta: 0 }));
  const batch = await kafkajsBatch({
    records,
    compression: 0,
    firstTimestamp: header.firstTimestamp,
    maxTimestamp: header.maxTimestamp,
    producerId: Long.fromValue(header.producerId),
    producerEpoch: header.producerEpoch,
    firstSequence: header.firstSequence,
    lastOffsetDelta: records.length - 1,
  });
  return batch.buffer;
}

function logshipBytes(messages: RecordInput[]): Buffer {
  return encodeRecordBatch({ ...header, recordCount: messages.length }, encodeRecords(messages));
}

const cases: Array<[string, RecordInput[]]> = [
  ['one small record', [{ key: 'abc', value: 'hello', headers: {} }]],
  ['null key, headers', [{ key: null, value: '{"a":1}', headers: { source: 'main', stream: 'stdout', 'container.name': 'web-1' } }]],
  ['null value (tombstone)', [{ key: 'k', value: null, headers: {} }]],
  ['multi-byte UTF-8 in key, value and headers', [{ key: 'clé', value: 'żółć ☃ 🚀', headers: { 'näme': 'välue' } }]],
  ['a value needing a 3-byte length varint', [{ key: 'k', value: 'x'.repeat(70_000), headers: { h: '' } }]],
  ['Buffers as key and value', [{ key: Buffer.from([0, 1, 2, 255]), value: Buffer.from('raw'), headers: {} }]],
  [
    '300 records (offset deltas past one varint byte)',
    Array.from({ length: 300 }, (_, i) => ({ key: `container-${i % 3}`, value: `${i} ${'y'.repeat(i % 50)}`, headers: { n: String(i) } })),
  ],
];

describe('kafka record batches', () => {
  it.each(cases)('%s: same bytes as kafkajs', async (_name, messages) => {
    expect(logshipBytes(messages).equals(await kafkajsBytes(messages))).toBe(true);
  });

  it('kafkajs decodes them back to the same records', async () => {
    const messages = cases[6]![1];
    const decoded = await decodeBatch(new Decoder(logshipBytes(messages)));
    expect(decoded.records).toHaveLength(300);
    decoded.records.forEach((record, i) => {
      expect(record.key?.toString()).toBe(messages[i]!.key);
      expect(record.value?.toString()).toBe(messages[i]!.value);
      expect(record.headers['n']?.toString()).toBe(String(i));
    });
  });

  it('sets the codec and transactional bits and the record count around a compressed section', () => {
    const records = Buffer.from('compressed bytes');
    const batch = encodeRecordBatch({ ...header, codec: 1, transactional: true, recordCount: 7 }, records);
    expect(batch.readInt16BE(21)).toBe(0x11);
    expect(batch.readInt32BE(23)).toBe(6); // last offset delta
    expect(batch.readInt32BE(57)).toBe(7);
    expect(batch.subarray(61).equals(records)).toBe(true);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
  });
});

describe('encodeRecords with ready-made JSON values', () => {
  it('writes an EncodedRecord value byte for byte as the same JSON given as a string', () => {
    const texts = ['{"message":"plain"}', '{"message":"caf\u00e9 \\"quoted\\" \u{1F600}"}', '{}'];
    const encoded = texts.map((text) => {
      const bytes = Buffer.from(text);
      return { jsonBytes: bytes.length, writeJson: (target: Buffer, offset: number) => offset + bytes.copy(target, offset) };
    });
    const asStrings = texts.map((value, i): RecordInput => ({ key: i === 1 ? null : `k${i}`, value, headers: { stream: 'stdout' } }));
    const asEncoded = encoded.map((value, i): RecordInput => ({ key: i === 1 ? null : `k${i}`, value, headers: { stream: 'stdout' } }));
    expect(encodeRecords(asEncoded).equals(encodeRecords(asStrings))).toBe(true);
  });

  it('refuses a ready-made JSON that writes another length than it announced, instead of a corrupt batch', () => {
    const liar = { jsonBytes: 10, writeJson: (target: Buffer, offset: number) => offset + target.write('{}', offset) };
    expect(() => encodeRecords([{ key: null, value: liar, headers: {} }])).toThrow(/another length/);
  });
});

describe('encodeRecords with shared headers', () => {
  it('writes a frozen (shared) headers object byte for byte as the same headers in a fresh object', () => {
    const shared = Object.freeze({ source: 'main', stream: 'stdout', 'container.name': 'wéb', '': '' });
    const messages = (headers: () => Record<string, string>): RecordInput[] =>
      Array.from({ length: 300 }, (_, n) => ({ key: n % 3 ? `k${n}` : null, value: `value ${n} ✓`, headers: n % 5 ? headers() : { other: String(n) } }));
    const fresh = encodeRecords(messages(() => ({ ...shared })));
    expect(encodeRecords(messages(() => shared)).equals(fresh)).toBe(true);
    // and again, from the remembered section
    expect(encodeRecords(messages(() => shared)).equals(fresh)).toBe(true);
  });
});
