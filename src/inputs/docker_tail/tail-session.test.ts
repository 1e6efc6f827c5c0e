import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import type { ContainerMeta } from '../../core/record.js';
import { containerMeta } from '../docker/container-meta.js';
import { TailSession, type FilePosition, type TailContext } from './tail-session.js';

const id = 'c'.repeat(64);
const meta = deepFreeze({ id, name: 'web', image: { name: 'img:1' }, labels: {} });
const FINGERPRINT = '0123456789abcdef0123456789abcdef';

function emitted(position: FilePosition, of: ContainerMeta = meta): PipelineEvent {
  const events: PipelineEvent[] = [];
  const sink = { offer: (e: PipelineEvent) => events.push(e) > 0, waitForSpace: async () => undefined };
  const ctx = { inputId: 'docker_tail_0', sink, host: deepFreeze({ name: 'h' }), maxLineBytes: 1 << 20, logger: createLogger('silent'), records: new Metrics().counter('r') } as unknown as TailContext;
  const session = new TailSession(id, '/var/log/app.log', of, undefined, ctx);
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

describe('docker_tail records of a pod', () => {
  it('carry the kubernetes field after host, as docker_logs records do; other containers none', () => {
    const labels = { 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'app' };
    const podMeta = containerMeta({ id, name: 'k8s_app_web-1', image: 'img:1', labels }, { inputId: 'docker_tail_0', inputType: 'docker_tail', logger: createLogger('silent') });
    const record = emitted({ inode: '42', offset: 7 }, podMeta).record;
    expect(record.kubernetes).toEqual({ namespace: 'shop', pod: { name: 'web-1', uid: 'u-1' }, container: { name: 'app' } });
    expect(Object.keys(record)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'kubernetes', 'log', 'exec']);
    expect(Object.keys(emitted({ inode: '42', offset: 7 }).record)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'log', 'exec']);
  });
});
