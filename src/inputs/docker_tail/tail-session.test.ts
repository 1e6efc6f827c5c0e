import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import { TailSession, type FilePosition, type TailContext } from './tail-session.js';

const id = 'c'.repeat(64);
const meta = deepFreeze({ id, name: 'web', image: { name: 'img:1' }, labels: {} });
const FINGERPRINT = '0123456789abcdef0123456789abcdef';

function emitted(position: FilePosition): PipelineEvent {
  const events: PipelineEvent[] = [];
  const sink = { offer: (e: PipelineEvent) => events.push(e) > 0, waitForSpace: async () => undefined };
  const ctx = { inputId: 'docker_tail_0', sink, host: deepFreeze({ name: 'h' }), maxLineBytes: 1 << 20, logger: createLogger('silent'), records: new Metrics().counter('r') } as unknown as TailContext;
  const session = new TailSession(id, '/var/log/app.log', meta, undefined, ctx);
  (session as unknown as { emit(text: string, position: FilePosition): boolean }).emit('line', position);
  return events[0] as PipelineEvent;
}

describe('docker_tail record positions (what exactly-once outputs compare)', () => {
  it('a line of a file known by inode and first 64 bytes: the byte after it, per input, container, path, inode and fingerprint', () => {
    const event = emitted({ inode: '42', offset: 5000, fingerprint: FINGERPRINT });
    expect(event.position).toEqual({ source: `docker_tail_0/${id}//var/log/app.log/42/${FINGERPRINT}`, at: '', n: 5000 });
    expect(event.origin).toBe(`${id}//var/log/app.log/42/5000`);
  });

  it.each([
    ['before the file has 64 bytes', { inode: '42', offset: 7, fingerprint: '-' }],
    ['with no fingerprint yet', { inode: '42', offset: 7 }],
    ['of an unknown inode', { inode: null, offset: 7, fingerprint: FINGERPRINT }],
  ])('no position %s: a copy-truncated file could not be told apart, so such lines are never skipped as replays', (_what, position) => {
    expect(emitted(position as FilePosition).position).toBeUndefined();
  });
});
