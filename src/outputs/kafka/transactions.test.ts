import { describe, expect, it } from 'vitest';
import type { KafkaTransaction } from '../../services/kafka.js';
import { PositionsOfTransaction } from './positions.js';
import { TransactionSchedule, type OpenTransaction, type TransactionPort } from './transactions.js';

/** Records what the schedule asks of Kafka; `failCommit` makes the next commits throw. */
function port() {
  const log: string[] = [];
  let begun = 0;
  const state = { failCommit: 0, failBegin: 0, committed: [] as Array<Array<[string, number]>> };
  const fake: TransactionPort = {
    begin: async () => {
      begun += 1;
      const n = begun;
      log.push(`begin ${n}`);
      if (state.failBegin > 0) {
        state.failBegin -= 1;
        throw new Error('broker down');
      }
      return { send: async () => undefined, commit: async () => undefined, abort: async () => undefined, n } as unknown as KafkaTransaction;
    },
    commit: async (transaction, positions) => {
      const n = (transaction as unknown as { n: number }).n;
      if (state.failCommit > 0) {
        state.failCommit -= 1;
        throw new Error('commit failed');
      }
      log.push(`commit ${n}`);
      state.committed.push([...positions.last.values()].map((p) => [p.source, p.n]));
    },
    aborted: () => {
      log.push('aborted');
    },
  };
  return { fake, log, state };
}

function positions(...entries: Array<[string, number]>): PositionsOfTransaction {
  const p = new PositionsOfTransaction();
  for (const [source, n] of entries) p.add({ source, at: '', n });
  return p;
}

const joined = (t: OpenTransaction | 'held'): OpenTransaction => {
  if (t === 'held') throw new Error('held');
  return t;
};

describe('transaction schedule (exactly-once)', () => {
  it('puts two writes in one transaction and commits as soon as both sent, with the last position per source', async () => {
    const { fake, log, state } = port();
    const schedule = new TransactionSchedule(fake, 60_000, 2);
    const started = Date.now();
    const a = joined(await schedule.join(false));
    const b = joined(await schedule.join(false));
    expect(b).toBe(a);
    const outcomes = await Promise.all([schedule.leave(a, positions(['s', 3], ['r', 1]), false), schedule.leave(b, positions(['s', 9]), false)]);
    expect(outcomes).toEqual(['committed', 'committed']);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(log).toEqual(['begin 1', 'commit 1']);
    expect(state.committed).toEqual([[['s', 9], ['r', 1]]]);
  });

  it('commits a lone write after the interval', async () => {
    const { fake, log } = port();
    const schedule = new TransactionSchedule(fake, 50, 2);
    const started = Date.now();
    const a = joined(await schedule.join(false));
    expect(await schedule.leave(a, positions(['s', 1]), false)).toBe('committed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(log).toEqual(['begin 1', 'commit 1']);
  });

  it('starts the next transaction for a write that comes while one is closing', async () => {
    const { fake, log } = port();
    const schedule = new TransactionSchedule(fake, 20, 2);
    const a = joined(await schedule.join(false));
    const first = schedule.leave(a, positions(['s', 1]), false);
    await new Promise((r) => setTimeout(r, 40));
    const b = joined(await schedule.join(false));
    expect(b).not.toBe(a);
    expect(await first).toBe('committed');
    expect(await schedule.leave(b, positions(['s', 2]), false)).toBe('committed');
    expect(log).toEqual(['begin 1', 'commit 1', 'begin 2', 'commit 2']);
  });

  it('aborts the whole transaction when one member failed, holds later first attempts, lets the retries through in order', async () => {
    const { fake, log, state } = port();
    const schedule = new TransactionSchedule(fake, 60_000, 2);
    const a = joined(await schedule.join(false));
    const b = joined(await schedule.join(false));
    const outcomes = await Promise.all([schedule.leave(a, positions(['s', 1]), false), schedule.leave(b, undefined, true)]);
    expect(outcomes).toEqual(['aborted', 'aborted']);
    expect(schedule.debts).toBe(2);
    // a later batch's first attempt may not commit before the records it follows
    expect(await schedule.join(false)).toBe('held');
    expect(schedule.debts).toBe(3);
    for (let retry = 0; retry < 3; retry++) {
      const t = joined(await schedule.join(true));
      await new Promise((r) => setTimeout(r, 0));
      const second = joined(await schedule.join(true));
      // a second retry can only come once the first settled (the runner's rule): here it joins the same one
      expect(second).toBe(t);
      await Promise.all([schedule.leave(t, positions(['s', retry]), false), schedule.leave(second, undefined, false)]);
      if (schedule.debts === 0) break;
    }
    expect(schedule.debts).toBe(0);
    expect(joined(await schedule.join(false))).toBeDefined();
    expect(log.filter((l) => l === 'aborted')).toHaveLength(1);
    expect(state.committed.length).toBeGreaterThan(0);
  });

  it('a first attempt that waited for a full transaction which then aborted is held back, not sent ahead of the records it follows', async () => {
    const { fake, log } = port();
    const schedule = new TransactionSchedule(fake, 60_000, 2);
    const a = joined(await schedule.join(false));
    const b = joined(await schedule.join(false));
    // the third write waits: the transaction is full
    const third = schedule.join(false);
    const outcomes = Promise.all([schedule.leave(a, positions(['s', 1]), false), schedule.leave(b, undefined, true)]);
    expect(await third).toBe('held');
    expect(await outcomes).toEqual(['aborted', 'aborted']);
    expect(schedule.debts).toBe(3);
    expect(log).toEqual(['begin 1', 'aborted']);
  });

  it('a commit that fails is an abort: the members hear it, the port is told once', async () => {
    const { fake, log, state } = port();
    state.failCommit = 1;
    const schedule = new TransactionSchedule(fake, 10, 2);
    const a = joined(await schedule.join(false));
    expect(await schedule.leave(a, positions(['s', 1]), false)).toBe('aborted');
    expect(a.failure).toBeInstanceOf(Error);
    expect(log).toEqual(['begin 1', 'aborted']);
  });

  it('a transaction that could not begin aborts', async () => {
    const { fake, log, state } = port();
    state.failBegin = 1;
    const schedule = new TransactionSchedule(fake, 10, 2);
    const a = joined(await schedule.join(false));
    await expect(a.kafka).rejects.toThrow('broker down');
    expect(await schedule.leave(a, undefined, true)).toBe('aborted');
    expect(log).toEqual(['begin 1', 'aborted']);
  });

  it('idle() ends the open transaction without waiting for the interval', async () => {
    const { fake, log } = port();
    const schedule = new TransactionSchedule(fake, 60_000, 2);
    const a = joined(await schedule.join(false));
    const outcome = schedule.leave(a, positions(['s', 1]), false);
    const started = Date.now();
    await schedule.idle();
    expect(await outcome).toBe('committed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(log).toEqual(['begin 1', 'commit 1']);
  });

  it('writes that sent nothing pay or owe like the others', () => {
    const { fake } = port();
    const schedule = new TransactionSchedule(fake, 10, 2);
    schedule.settledWithoutSending(false, false);
    schedule.settledWithoutSending(false, false);
    expect(schedule.debts).toBe(2);
    schedule.settledWithoutSending(true, true);
    expect(schedule.debts).toBe(1);
    schedule.settledWithoutSending(false, true);
    expect(schedule.debts).toBe(1);
  });
});
