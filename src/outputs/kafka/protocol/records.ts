import type { EncodedRecord } from '../../../core/record.js';
import { boundedMemo } from '../../../core/bounded-memo.js';
import { crc32c } from '../../../core/crc32c.js';

/** One message as the record encoder takes it: strings are written as UTF-8. */
export interface RecordInput {
  key: string | Buffer | null;
  /** An EncodedRecord is the record's ready-made JSON, written straight into the batch. */
  value: string | Buffer | EncodedRecord | null;
  headers: Record<string, string>;
  /** UTF-8 size of the value when the caller already knows it (saves measuring it again). */
  valueBytes?: number;
}

const MAGIC = 2;
/** attributes(2) lastOffsetDelta(4) firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2) firstSequence(4) records(4) */
const CRC_COVERED_HEADER = 40;
/** firstOffset(8) length(4) partitionLeaderEpoch(4) magic(1) crc(4) */
const BATCH_PREFIX = 21;

function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function varintSize(value: number): number {
  let v = zigzag(value);
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  let v = zigzag(value);
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[at++] = v;
  return at;
}

/** Header names are few and repeat in every record. */
const headerNameBytes = boundedMemo((name) => Buffer.byteLength(name), 1000);

/**
 * Frozen headers objects are shared by many records (the kafka output makes one per container and
 * stream): their encoded section (count, then each name and value) is made once.
 */
const sharedHeaderSections = new WeakMap<Record<string, string>, Buffer>();

function sharedHeaderSection(headers: Record<string, string>): Buffer {
  let section = sharedHeaderSections.get(headers);
  if (section === undefined) {
    const names = Object.keys(headers);
    let bytes = varintSize(names.length);
    for (const name of names) bytes += varintSize(headerNameBytes(name)) + headerNameBytes(name) + varintSize(Buffer.byteLength(headers[name]!)) + Buffer.byteLength(headers[name]!);
    section = Buffer.allocUnsafe(bytes);
    let at = writeVarint(section, 0, names.length);
    for (const name of names) {
      at = writeVarint(section, at, headerNameBytes(name));
      at = writeBytes(section, at, name, headerNameBytes(name));
      const valueLength = Buffer.byteLength(headers[name]!);
      at = writeVarint(section, at, valueLength);
      at = writeBytes(section, at, headers[name]!, valueLength);
    }
    sharedHeaderSections.set(headers, section);
  }
  return section;
}

function byteLength(data: string | Buffer | EncodedRecord): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  return Buffer.isBuffer(data) ? data.length : data.jsonBytes;
}

function writeBytes(buffer: Buffer, at: number, data: string | Buffer | EncodedRecord, length: number): number {
  if (typeof data === 'string') buffer.write(data, at, length, 'utf8');
  else if (Buffer.isBuffer(data)) data.copy(buffer, at);
  else if (data.writeJson(buffer, at) !== at + length) throw new Error('a ready-made record JSON wrote another length than it announced');
  return at + length;
}

/** The value as kafkajs takes it (its own encoder, when logship's is not installed). */
export function plainValue(value: RecordInput['value']): string | Buffer | null {
  if (value === null || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  const buffer = Buffer.allocUnsafe(value.jsonBytes);
  value.writeJson(buffer, 0);
  return buffer;
}

/**
 * The records section of a Kafka record batch (message format v2), uncompressed: each record's
 * length, attributes, timestamp delta (0: the batch's timestamp), offset delta, key, value and
 * headers. Written into one buffer sized up front, because this runs once per shipped line.
 */
export function encodeRecords(messages: readonly RecordInput[]): Buffer {
  const keyLengths = new Int32Array(messages.length);
  const valueLengths = new Int32Array(messages.length);
  const bodyLengths = new Int32Array(messages.length);
  const headerCounts = new Int32Array(messages.length);
  // header value sizes in record order, measured once for the layout and reused when writing
  const headerValueLengths: number[] = [];
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const keyLength = m.key === null ? -1 : byteLength(m.key);
    const valueLength = m.value === null ? -1 : (m.valueBytes ?? byteLength(m.value));
    let body = 1 + 1 + varintSize(i) + varintSize(keyLength) + Math.max(keyLength, 0) + varintSize(valueLength) + Math.max(valueLength, 0);
    keyLengths[i] = keyLength;
    valueLengths[i] = valueLength;
    if (Object.isFrozen(m.headers)) {
      body += sharedHeaderSection(m.headers).length;
      bodyLengths[i] = body;
      total += varintSize(body) + body;
      continue;
    }
    let headerCount = 0;
    for (const name in m.headers) {
      const nameLength = headerNameBytes(name);
      const headerValueLength = Buffer.byteLength(m.headers[name]!);
      headerValueLengths.push(headerValueLength);
      body += varintSize(nameLength) + nameLength + varintSize(headerValueLength) + headerValueLength;
      headerCount++;
    }
    body += varintSize(headerCount);
    headerCounts[i] = headerCount;
    bodyLengths[i] = body;
    total += varintSize(body) + body;
  }
  const buffer = Buffer.allocUnsafe(total);
  let at = 0;
  let header = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    at = writeVarint(buffer, at, bodyLengths[i]!);
    buffer[at++] = 0; // attributes: none are defined for records
    buffer[at++] = 0; // timestamp delta 0 (zigzag varint)
    at = writeVarint(buffer, at, i);
    at = writeVarint(buffer, at, keyLengths[i]!);
    if (m.key !== null) at = writeBytes(buffer, at, m.key, keyLengths[i]!);
    at = writeVarint(buffer, at, valueLengths[i]!);
    if (m.value !== null) at = writeBytes(buffer, at, m.value, valueLengths[i]!);
    if (Object.isFrozen(m.headers)) {
      const section = sharedHeaderSection(m.headers);
      buffer.set(section, at);
      at += section.length;
      continue;
    }
    at = writeVarint(buffer, at, headerCounts[i]!);
    for (const name in m.headers) {
      const value = m.headers[name]!;
      const nameLength = headerNameBytes(name);
      at = writeVarint(buffer, at, nameLength);
      at = writeBytes(buffer, at, name, nameLength);
      const valueLength = headerValueLengths[header++]!;
      at = writeVarint(buffer, at, valueLength);
      at = writeBytes(buffer, at, value, valueLength);
    }
  }
  if (at !== total) throw new Error(`kafka record encoding wrote ${at} of ${total} bytes`);
  return buffer;
}

export interface BatchHeader {
  /** Kafka's codec id in the low three bits of the attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  codec: number;
  transactional: boolean;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
}

/** A whole record batch around an already encoded (and possibly compressed) records section. */
export function encodeRecordBatch(header: BatchHeader, records: Buffer): Buffer {
  const batch = Buffer.allocUnsafe(BATCH_PREFIX + CRC_COVERED_HEADER + records.length);
  batch.writeBigInt64BE(0n, 0); // first offset: the broker assigns offsets
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(0, 12); // partition leader epoch
  batch.writeInt8(MAGIC, 16);
  let at = BATCH_PREFIX;
  batch.writeInt16BE((header.codec & 0x07) | (header.transactional ? 0x10 : 0), at);
  batch.writeInt32BE(header.recordCount - 1, at + 2);
  batch.writeBigInt64BE(BigInt(header.firstTimestamp), at + 6);
  batch.writeBigInt64BE(BigInt(header.maxTimestamp), at + 14);
  batch.writeBigInt64BE(header.producerId, at + 22);
  batch.writeInt16BE(header.producerEpoch, at + 30);
  batch.writeInt32BE(header.firstSequence, at + 32);
  batch.writeInt32BE(header.recordCount, at + 36);
  at += CRC_COVERED_HEADER;
  records.copy(batch, at);
  batch.writeUInt32BE(crc32c(batch.subarray(BATCH_PREFIX)), 17);
  return batch;
}
