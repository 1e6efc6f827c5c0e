import { describe, expect, it } from 'vitest';
import { Ack, type Outcome } from './ack.js';

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
});
