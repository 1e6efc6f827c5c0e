import { describe, expect, it } from 'vitest';
import { Ack, InFlight, type Outcome } from './ack.js';

describe('Ack', () => {
  it('settles once every output routed to has settled it, with the worst outcome', () => {
    const seen: Outcome[] = [];
    const ack = new Ack((o) => seen.push(o));
    ack.fork(3);
    ack.settle('delivered');
    ack.settle('dead_lettered');
    expect(seen).toEqual([]);
    ack.settle('delivered');
    expect(seen).toEqual(['dead_lettered']);
    ack.settle('delivered');
    expect(seen).toHaveLength(1);
  });

  it('settles at once as dropped when routed nowhere', () => {
    const seen: Outcome[] = [];
    new Ack((o) => seen.push(o)).fork(0);
    expect(seen).toEqual(['dropped']);
  });

  it('InFlight counts unsettled records and wakes idle() when the last settles', async () => {
    const inFlight = new InFlight();
    const acks = [new Ack(() => undefined), new Ack(() => undefined)];
    for (const ack of acks) inFlight.track(ack);
    acks[1]?.fork(2);
    let idle = false;
    void inFlight.idle().then(() => (idle = true));
    acks[0]?.settle('delivered');
    acks[1]?.settle('delivered');
    await Promise.resolve();
    expect(inFlight.size).toBe(1);
    expect(idle).toBe(false);
    acks[1]?.settle('dropped');
    await Promise.resolve();
    expect(inFlight.size).toBe(0);
    expect(idle).toBe(true);
  });
});
