import { describe, expect, it } from 'vitest';
import { LaneOrder } from './lane-order.js';

/** A send that records its name when it runs and resolves when told to. */
function gate(log: string[], name: string, needsRetry = false) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    send: async () => {
      log.push(name);
      await opened;
      return needsRetry;
    },
  };
}

describe('LaneOrder', () => {
  it('runs sends of one lane in call order, other lanes independently', async () => {
    const order = new LaneOrder();
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    const results = [order.run('a', false, a1.send), order.run('a', false, a2.send), order.run('b', false, b1.send)];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a1', 'b1']);
    a1.open();
    await results[0];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a1', 'b1', 'a2']);
    a2.open();
    b1.open();
    expect(await Promise.all(results)).toEqual(['sent', 'sent', 'sent']);
  });

  it('holds back later first attempts while the lane owes a retry; retries in batch order pay it back', async () => {
    const order = new LaneOrder();
    const sent: string[] = [];
    const send = (name: string, needsRetry: boolean) => async () => {
      sent.push(name);
      return needsRetry;
    };
    expect(await order.run('p', false, send('batch1', true))).toBe('failed');
    expect(await order.run('p', false, send('batch2', false))).toBe('held');
    expect(order.owed('p')).toBe(2);
    expect(await order.run('p', true, send('batch1 retry', false))).toBe('sent');
    // batch 3 arrives before batch 2's retry: it must not overtake batch 2
    expect(await order.run('p', false, send('batch3', false))).toBe('held');
    expect(await order.run('p', true, send('batch2 retry', false))).toBe('sent');
    expect(await order.run('p', true, send('batch3 retry', false))).toBe('sent');
    expect(order.owed('p')).toBe(0);
    expect(await order.run('p', false, send('batch4', false))).toBe('sent');
    expect(sent).toEqual(['batch1', 'batch1 retry', 'batch2 retry', 'batch3 retry', 'batch4']);
  });

  it('a retry that fails again keeps the debt; a send that throws counts as failed', async () => {
    const order = new LaneOrder();
    await expect(order.run('p', false, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(order.owed('p')).toBe(1);
    expect(await order.run('p', true, async () => true)).toBe('failed');
    expect(order.owed('p')).toBe(1);
    expect(await order.run('p', true, async () => false)).toBe('sent');
    expect(order.owed('p')).toBe(0);
  });
});
