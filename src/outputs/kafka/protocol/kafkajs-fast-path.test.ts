import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import kafkajs from '../../../services/kafkajs.js';
import { gunzipSync } from 'node:zlib';
import { fastPath, prepareRecords } from './kafkajs-fast-path.js';
import { PREPARED, type ProduceMessage } from './produce-request.js';
import { encodeRecords } from './records.js';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(require.resolve('kafkajs/package.json')), 'src');

describe('kafkajs fast path', () => {
  it('is installed in kafkajs before kafkajs loads its producer', async () => {
    const Encoder = require(path.join(root, 'protocol/encoder.js')) as new () => object;
    expect(kafkajs.Kafka).toBeTypeOf('function');
    expect(fastPath).toEqual({ produceRequest: true, groupMessages: true });
    const produce = require(path.join(root, 'protocol/requests/produce/index.js')) as { protocol(a: { version: number }): (a: object) => { request: { apiVersion: number; encode: unknown } } };
    for (const version of [3, 5, 7]) {
      const { request } = produce.protocol({ version })({ acks: -1, timeout: 1000, compression: 0, topicData: [] });
      expect(request.apiVersion).toBe(version);
      expect(String(request.encode)).toContain('encodeRecordBatch');
      expect(await (request.encode as () => Promise<unknown>)()).toBeInstanceOf(Encoder);
    }
  });

  it('groups messages per partition in order', () => {
    const group = require(path.join(root, 'producer/groupMessagesPerPartition.js')) as (a: object) => Record<number, unknown[]>;
    const messages = [0, 1, 0, 2, 0].map((partition, i) => ({ partition, value: String(i) }));
    const grouped = group({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }: { message: { partition: number } }) => message.partition });
    expect(grouped).toEqual({ 0: [messages[0], messages[2], messages[4]], 1: [messages[1]], 2: [messages[3]] });
  });

  it('gzips records at the output\'s level: the same records, smaller at a higher level', async () => {
    const messages = Array.from({ length: 500 }, (_, n) => ({ key: `c${n % 4}`, value: `{"n":${n},"level":"info","msg":"request served path=/api/items/${n} status=200 bytes=${(n * 37) % 1000}"}`, headers: { stream: 'stdout' } }));
    const sizes: number[] = [];
    for (const level of [1, 9]) {
      const sendable = (await prepareRecords(messages, 0, 1, level)) as ProduceMessage[];
      const prepared = sendable[0]?.[PREPARED];
      expect(sendable).toHaveLength(500);
      expect(gunzipSync(prepared?.records as Buffer).equals(encodeRecords(messages))).toBe(true);
      sizes.push((prepared?.records as Buffer).length);
    }
    expect(sizes[1]).toBeLessThan(sizes[0] as number);
  });
});
