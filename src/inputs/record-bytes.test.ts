import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../core/record.js';
import { deepFreeze } from '../core/record-json.js';
import { ContainerLines } from './docker_logs/container-lines.js';
import type { FollowerContext } from './docker_logs/follower-context.js';
import { parseJsonFileEntry } from './docker_logs/json-file/json-file-entry.js';
import { ExecSession, type ExecContext } from './docker_exec/exec-session.js';
import { TailSession, type TailContext } from './docker_tail/tail-session.js';
import { containerMetaBytes } from './docker/container-meta.js';

/**
 * Queues are bounded in bytes by what each record says it takes. A record's container metadata
 * (labels included) is written out with every record, so it is counted in every record.
 */
const id = 'c'.repeat(64);
const meta = deepFreeze({ id, name: 'web', image: { name: 'img:1' }, labels: { big: 'x'.repeat(60_000) } });
const metrics = new Metrics();
const logger = createLogger('silent');

function collector(): { events: PipelineEvent[]; sink: { offer: (e: PipelineEvent) => boolean; waitForSpace: () => Promise<void> } } {
  const events: PipelineEvent[] = [];
  return { events, sink: { offer: (e) => events.push(e) > 0, waitForSpace: async () => undefined } };
}

describe('a record counts its container metadata in its queue bytes', () => {
  it('docker_logs', () => {
    const { events, sink } = collector();
    const counter = () => metrics.counter('x');
    const ctx = {
      inputId: 'docker_logs_0', host: deepFreeze({ name: 'h' }), maxLineBytes: 1 << 20, logger, metrics, sink,
      counters: { records: counter(), bytes: counter(), repeatedSkipped: counter(), truncated: counter() },
    } as unknown as FollowerContext;
    const lines = new ContainerLines(id, ctx, undefined);
    lines.describe(meta, 'docker.main.web');
    const entry = Buffer.from('{"log":"short\\n","stream":"stdout","time":"2026-11-29T06:40:00.123456789Z"}');
    lines.push(parseJsonFileEntry(entry, false) as NonNullable<ReturnType<typeof parseJsonFileEntry>>, { dev: 1, ino: 2, first: 'x', order: 0 }, entry.length + 1, entry.length + 1);
    expect(events).toHaveLength(1);
    expect(events[0]?.bytes).toBeGreaterThanOrEqual(containerMetaBytes(meta) + 'short'.length);
  });

  it('docker_tail', () => {
    const { events, sink } = collector();
    const ctx = { sink, host: deepFreeze({ name: 'h' }), maxLineBytes: 1 << 20, logger, records: metrics.counter('y') } as unknown as TailContext;
    const session = new TailSession(id, '/var/log/app.log', meta, undefined, ctx);
    (session as unknown as { emit(text: string, position: { inode: string; offset: number }): boolean }).emit('short', { inode: '1', offset: 6 });
    expect(events).toHaveLength(1);
    expect(events[0]?.bytes).toBeGreaterThanOrEqual(containerMetaBytes(meta) + 'short'.length);
  });

  it('docker_exec', () => {
    const { events, sink } = collector();
    const ctx = { sink, host: deepFreeze({ name: 'h' }), logger, metrics, records: metrics.counter('z'), inputId: 'docker_exec_0', config: { command: ['true'] } } as unknown as ExecContext;
    const session = new ExecSession(id, meta, undefined, ctx) as unknown as { record(text: string, stream: string): LogRecord; emit(record: LogRecord): boolean };
    session.emit(session.record('short', 'stdout'));
    expect(events).toHaveLength(1);
    expect(events[0]?.bytes).toBeGreaterThanOrEqual(containerMetaBytes(meta) + 'short'.length);
  });
});
