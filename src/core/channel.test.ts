import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';

describe('Channel', () => {
  it('reports full by records and by bytes, and frees space as items are taken', async () => {
    const c = new Channel<number>(3, 100);
    expect(c.offer(1, 10)).toBe(true);
    expect(c.offer(2, 10)).toBe(true);
    expect(c.offer(3, 10)).toBe(false);
    let woke = false;
    const waiting = c.waitForSpace().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    expect(await c.take(2)).toEqual([1, 2]);
    await waiting;
    expect(woke).toBe(true);
    expect(c.offer(4, 95)).toBe(false);
    expect(c.byteSize).toBe(105);
  });

  it('take() waits for items and returns [] once closed and drained', async () => {
    const c = new Channel<string>(10, 1000);
    const taking = c.take(5);
    c.offer('a', 1);
    expect(await taking).toEqual(['a']);
    c.offer('b', 1);
    c.close();
    expect(await c.take(5)).toEqual(['b']);
    expect(await c.take(5)).toEqual([]);
  });

  it('put() waits for room', async () => {
    const c = new Channel<number>(1, 1000);
    await c.put(1, 1);
    let done = false;
    const putting = c.put(2, 1).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    await c.take(1);
    await putting;
    expect(await c.take(1)).toEqual([2]);
  });

  it('requeue() puts items back in front, in order, counting their bytes', async () => {
    const channel = new Channel<string>(10, 1000);
    channel.offer('c', 1);
    channel.offer('d', 1);
    const [first] = await channel.take(1);
    expect(first).toBe('c');
    channel.requeue(['a', 'b', 'c'], () => 10);
    expect(channel.length).toBe(4);
    expect(channel.byteSize).toBe(31);
    expect(await channel.take(10)).toEqual(['a', 'b', 'c', 'd']);
    expect(channel.byteSize).toBe(0);
  });
});
