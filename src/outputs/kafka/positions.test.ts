import { describe, expect, it } from 'vitest';
import { CommittedPositions, ownerValue, parsePositionsRecord, positionKey, positionValue, PositionsOfTransaction } from './positions.js';

const id = 'logship-node-1-kafka_0';

describe('positions topic records', () => {
  it('round-trips a position and an owner claim of this transactional id', () => {
    const key = positionKey(id, 'docker_logs_0/abc/stdout');
    expect(parsePositionsRecord(id, key, positionValue({ at: '2026-12-06T19:00:00.123456789Z', n: 3 }))).toEqual({ kind: 'position', source: 'docker_logs_0/abc/stdout', at: '2026-12-06T19:00:00.123456789Z', n: 3 });
    const owner = { instance: 'u-1', started: '2026-12-06T19:00:00.000Z', pid: 42 };
    expect(parsePositionsRecord(id, id, ownerValue(owner))).toEqual({ kind: 'owner', ...owner });
  });

  it.each([
    ['another id', positionKey('logship-node-2-kafka_0', 's'), '{"at":"","n":1}'],
    ['an id that only starts like ours', `${id}x/s`, '{"at":"","n":1}'],
    ['a tombstone', positionKey(id, 's'), null],
    ['no key', null, '{"at":"","n":1}'],
    ['an empty source', `${id}/`, '{"at":"","n":1}'],
    ['not JSON', positionKey(id, 's'), '{"at":'],
    ['JSON null', positionKey(id, 's'), 'null'],
    ['n not a number', positionKey(id, 's'), '{"at":"","n":"1"}'],
    ['an owner without pid', id, '{"instance":"u","started":"t"}'],
  ])('ignores %s', (_what, key, value) => {
    expect(parsePositionsRecord(id, key, value)).toBeUndefined();
  });

  it('covers records at or before the committed position of their source only', () => {
    const committed = new CommittedPositions();
    committed.advance('s', { at: 't2', n: 5 });
    committed.advance('s', { at: 't1', n: 9 });
    expect(committed.covers({ source: 's', at: 't2', n: 5 })).toBe(true);
    expect(committed.covers({ source: 's', at: 't1', n: 99 })).toBe(true);
    expect(committed.covers({ source: 's', at: 't2', n: 6 })).toBe(false);
    expect(committed.covers({ source: 'other', at: 't0', n: 0 })).toBe(false);
  });

  it('keeps the last position per source of a transaction', () => {
    const a = new PositionsOfTransaction();
    a.add({ source: 's', at: '', n: 3 });
    a.add({ source: 's', at: '', n: 2 });
    const b = new PositionsOfTransaction();
    b.add({ source: 's', at: '', n: 7 });
    b.add({ source: 'r', at: 'x', n: 1 });
    a.merge(b);
    expect([...a.last.values()]).toEqual([{ source: 's', at: '', n: 7 }, { source: 'r', at: 'x', n: 1 }]);
  });
});
