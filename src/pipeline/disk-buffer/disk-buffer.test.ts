import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Ack, type Outcome } from '../../core/ack.js';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { CheckpointStore } from '../../state/checkpoint-store.js';
import { DiskBuffer, type WhenFull } from './disk-buffer.js';
import { encodeFrame } from './spool-frame.js';

const open: DiskBuffer[] = [];
afterEach(() => {
  for (const buffer of open.splice(0)) buffer.close();
});

function event(n: number, outcomes: Map<number, Outcome>, pad = 0): PipelineEvent {
  const record = { '@timestamp': '2026-11-29T00:00:00.000000000Z', message: `line ${n}${'x'.repeat(pad)}`, stream: 'stdout' as const, source: 'main' as const, tag: 't', container: { id: 'c', name: 'n', image: { name: 'i' }, labels: {} }, host: { name: 'h' } };
  return { record, ack: new Ack((o) => outcomes.set(n, o)), bytes: 10, origin: `c/stdout/${n}` };
}

function buffer(stateDir: string, options: { maxBytes?: number; whenFull?: WhenFull } = {}) {
  const checkpoints = new CheckpointStore(stateDir);
  const metrics = new Metrics();
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
  const b = new DiskBuffer({
    id: 'out', dir: join(stateDir, 'spool'), maxBytes: options.maxBytes ?? 10 * 1024 * 1024, whenFull: options.whenFull ?? 'block',
    checkpoints, logger, metrics, replayRecords: 50,
  });
  open.push(b);
  const controller = new AbortController();
  const reading = b.runReader(controller.signal);
  return { b, checkpoints, metrics, logged, controller, reading };
}

/** Takes `count` records from the replay, settling each as delivered unless told not to. */
async function drain(b: DiskBuffer, count: number, settle = true): Promise<string[]> {
  const messages: string[] = [];
  while (messages.length < count) {
    for (const e of await b.replay.take(count - messages.length)) {
      messages.push(e.record.message);
      if (settle) e.ack.settle('delivered');
    }
  }
  return messages;
}

const signal = new AbortController().signal;
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe('DiskBuffer', () => {
  it('acknowledges records once they are on disk and replays them in order; delivered segments are deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const { b, metrics } = buffer(dir);
    const outcomes = new Map<number, Outcome>();
    await b.append(Array.from({ length: 100 }, (_, n) => event(n + 1, outcomes)), signal);
    expect(outcomes.size).toBe(100);
    expect([...outcomes.values()].every((o) => o === 'delivered')).toBe(true);
    expect(metrics.get('buffer_written_total', { output: 'out' })).toBe(100);
    expect(await drain(b, 100)).toEqual(numbers(1, 100));
    const replayed = await b.replay.poll(1);
    expect(replayed).toEqual([]);
  });

  it('after a restart, replays from the last settled record (nothing settled is sent again, nothing unsettled is lost)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const first = buffer(dir);
    const outcomes = new Map<number, Outcome>();
    await first.b.append(Array.from({ length: 100 }, (_, n) => event(n + 1, outcomes)), signal);
    expect(await drain(first.b, 40)).toEqual(numbers(1, 40));
    // read but never settled: the output had them in flight when the shipper died
    await drain(first.b, 10, false);
    first.checkpoints.flush();
    first.controller.abort();
    first.b.close();
    open.splice(open.indexOf(first.b), 1);

    const second = buffer(dir);
    expect(await drain(second.b, 60)).toEqual(numbers(41, 100));
  });

  it('a torn last entry (crash in the middle of a write) is skipped and counted; every complete entry is replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const first = buffer(dir);
    await first.b.append(Array.from({ length: 20 }, (_, n) => event(n + 1, new Map())), signal);
    first.checkpoints.flush();
    first.controller.abort();
    first.b.close();
    open.splice(open.indexOf(first.b), 1);
    const segment = join(dir, 'spool', readdirSync(join(dir, 'spool')).sort()[0]!);
    const size = readFileSync(segment).length;
    truncateSync(segment, size - 5);

    const second = buffer(dir);
    expect(await drain(second.b, 19)).toEqual(numbers(1, 19));
    for (let i = 0; i < 50 && second.metrics.get('buffer_corrupt_total', { output: 'out' }) === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(second.metrics.get('buffer_corrupt_total', { output: 'out' })).toBe(1);
    expect(second.logged.join('')).toMatch(/damaged spool entry in \d{12}\.spool at byte \d+ \(entry cut short \(torn write\)\); skipping the rest of that segment/);
    // the buffer keeps working after it
    await second.b.append([event(21, new Map())], signal);
    expect(await drain(second.b, 1)).toEqual(['line 21']);
  });

  it('a damaged entry (bad checksum) ends its segment; the next segment is read as usual', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const first = buffer(dir);
    await first.b.append(Array.from({ length: 10 }, (_, n) => event(n + 1, new Map())), signal);
    first.controller.abort();
    first.b.close();
    open.splice(open.indexOf(first.b), 1);
    const segment = join(dir, 'spool', readdirSync(join(dir, 'spool')).sort()[0]!);
    const bytes = readFileSync(segment);
    const entry = bytes.length / 10;
    const at = Math.floor(4.5 * entry); // inside the fifth entry
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(segment, bytes);

    const second = buffer(dir);
    await second.b.append([event(11, new Map())], signal);
    expect(await drain(second.b, 5)).toEqual([...numbers(1, 4), 'line 11']);
    expect(second.metrics.get('buffer_corrupt_total', { output: 'out' })).toBe(1);
  });

  it('when full, drop_newest drops and counts; block waits until delivered records free space', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const dropping = buffer(dir, { maxBytes: 64 * 1024, whenFull: 'drop_newest' });
    const outcomes = new Map<number, Outcome>();
    for (let n = 0; n < 100; n += 1) await dropping.b.append([event(n, outcomes, 1000)], signal);
    const dropped = [...outcomes.values()].filter((o) => o === 'dropped').length;
    expect(dropped).toBeGreaterThan(0);
    expect(dropping.metrics.get('buffer_dropped_total', { output: 'out' })).toBe(dropped);
    expect(dropping.b.usedBytes).toBeLessThanOrEqual(64 * 1024);

    const blockDir = mkdtempSync(join(tmpdir(), 'spool-'));
    const blocking = buffer(blockDir, { maxBytes: 64 * 1024 });
    const blockOutcomes = new Map<number, Outcome>();
    let appended = 0;
    const writer = (async () => {
      for (let n = 0; n < 200; n += 1) {
        await blocking.b.append([event(n, blockOutcomes, 1000)], signal);
        appended += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    expect(appended).toBeLessThan(200);
    expect(blocking.metrics.get('buffer_full_waits_total', { output: 'out' })).toBeGreaterThan(0);
    const delivered = await drain(blocking.b, 200);
    await writer;
    expect(delivered).toEqual(Array.from({ length: 200 }, (_, n) => `line ${n}${'x'.repeat(1000)}`));
    expect([...blockOutcomes.values()].every((o) => o === 'delivered')).toBe(true);
  });

  it('a checksummed entry that is not a record is moved aside, counted and logged once per segment; replay goes on with the next entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spool = join(dir, 'spool');
    mkdirSync(spool);
    const good = (n: number) => JSON.stringify({ record: event(n, new Map()).record, origin: `c/stdout/${n}` });
    const bad = ['{"record":null}', '{"record":[1]}', '"record"', 'not JSON', '{"record":{"tag":5}}', '{"record":{},"origin":{"x":1}}'];
    const first = [good(1), bad[0]!, good(2), bad[1]!, bad[2]!, good(3)];
    const second = [bad[3]!, good(4), bad[4]!, bad[5]!, good(5)];
    writeFileSync(join(spool, '000000000001.spool'), Buffer.concat(first.map((p) => encodeFrame(Buffer.from(p)))));
    writeFileSync(join(spool, '000000000002.spool'), Buffer.concat(second.map((p) => encodeFrame(Buffer.from(p)))));

    const { b, metrics, logged, checkpoints } = buffer(dir);
    expect(await drain(b, 5)).toEqual(numbers(1, 5));
    expect(metrics.get('buffer_invalid_entries_total', { output: 'out' })).toBe(6);
    expect(metrics.get('buffer_corrupt_total', { output: 'out' })).toBe(0);
    const lines = logged.filter((l) => l.includes('not a record'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/000000000001\.spool at byte \d+/);
    expect(lines[1]).toMatch(/000000000002\.spool at byte 0\b/);
    const aside = readFileSync(join(spool, 'corrupt.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { segment: string; offset: number; reason: string; entry: string });
    expect(aside.map((a) => a.entry)).toEqual(bad);
    expect(aside[0]).toMatchObject({ output: 'out', segment: '000000000001.spool', offset: encodeFrame(Buffer.from(first[0]!)).length });
    // the entries moved aside count as settled: the spool is freed and a restart does not meet them again
    checkpoints.flush();
    expect(checkpoints.restore('buffer:out')).toMatchObject({ segment: expect.any(Number) });
    await b.append([event(6, new Map())], signal);
    expect(await drain(b, 1)).toEqual(['line 6']);
    expect(existsSync(join(spool, '000000000001.spool'))).toBe(false);
  });

  it('spool folders it creates are 0700, segments and the file of entries moved aside 0600', async () => {
    const umask = process.umask(0);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'spool-'));
      const nested = join(dir, 'buffer', 'out');
      const options = { id: 'out', dir: nested, maxBytes: 1024 * 1024, whenFull: 'block' as const, logger: pino({ level: 'silent' }), metrics: new Metrics(), replayRecords: 10 };
      new DiskBuffer({ ...options, checkpoints: new CheckpointStore(dir) }).close();
      expect(statSync(join(dir, 'buffer')).mode & 0o777).toBe(0o700);
      expect(statSync(nested).mode & 0o777).toBe(0o700);
      writeFileSync(join(nested, '000000000000.spool'), encodeFrame(Buffer.from('{"record":null}')), { mode: 0o600 });
      const b = new DiskBuffer({ ...options, checkpoints: new CheckpointStore(dir) });
      open.push(b);
      void b.runReader(signal);
      await b.append([event(1, new Map())], signal);
      expect(await drain(b, 1)).toEqual(['line 1']);
      const segments = readdirSync(nested).filter((n) => n.endsWith('.spool'));
      expect(segments.length).toBeGreaterThan(0);
      for (const name of segments) expect(statSync(join(nested, name)).mode & 0o777).toBe(0o600);
      expect(statSync(join(nested, 'corrupt.jsonl')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });
});
