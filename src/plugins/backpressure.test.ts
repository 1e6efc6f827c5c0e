import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import { Backpressure } from './backpressure.js';

/** A sink with room for `room` events until release() is called. */
function sink(room: number) {
  let release: () => void = () => undefined;
  const offered: PipelineEvent[] = [];
  return {
    offered,
    release: () => release(),
    sink: {
      offer: (event: PipelineEvent) => offered.push(event) <= room,
      waitForSpace: () => new Promise<void>((resolve) => (release = () => ((room = Infinity), resolve()))),
    },
  };
}

const event = {} as PipelineEvent;

describe('Backpressure', () => {
  it('pauses a piped stream when push finds no room, resumes it when the sink has room, counts the pause once', async () => {
    const metrics = new Metrics();
    const s = sink(1);
    const backpressure = new Backpressure(s.sink, { id: 'in_0', metrics });
    const stream = new PassThrough();
    const chunks: string[] = [];
    backpressure.pipe(stream, (chunk) => {
      chunks.push(chunk.toString());
      return backpressure.offer(event);
    });
    stream.write('a');
    stream.write('b');
    await new Promise((r) => setImmediate(r));
    expect(stream.isPaused()).toBe(true);
    expect(metrics.get('input_paused_total', { input: 'in_0' })).toBe(1);
    stream.write('c');
    await new Promise((r) => setImmediate(r));
    expect(chunks).toEqual(['a', 'b']);
    s.release();
    await new Promise((r) => setImmediate(r));
    expect(stream.isPaused()).toBe(false);
    expect(chunks).toEqual(['a', 'b', 'c']);
    expect(metrics.get('input_paused_total', { input: 'in_0' })).toBe(1);
  });

  it('a source that reads for itself waits for room, and the pause is counted', async () => {
    const metrics = new Metrics();
    const s = sink(0);
    const backpressure = new Backpressure(s.sink, { id: 'in_1', metrics });
    expect(backpressure.offer(event)).toBe(false);
    let resumed = false;
    const waiting = backpressure.waitForRoom().then(() => (resumed = true));
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false);
    s.release();
    await waiting;
    expect(metrics.get('input_paused_total', { input: 'in_1' })).toBe(1);
  });
});
