import { describe, expect, it } from 'vitest';
import { StreamCursor } from './stream-cursor.js';
import { ts } from './test-frames.js';

/** Feeds timestamps, returns which were taken as new. */
function feed(cursor: StreamCursor, stamps: string[]): string[] {
  return stamps.filter((s) => cursor.next(s) !== undefined);
}

describe('StreamCursor', () => {
  const A = ts(1, 100);
  const B = ts(1, 200);
  const C = ts(2, 0);

  it('counts messages that share the last timestamp', () => {
    const c = new StreamCursor();
    feed(c, [A, B, B, B]);
    expect(c.position).toEqual({ ts: B, count: 3 });
  });

  it.each([
    ['resume after the 2nd of 3 equal timestamps', { ts: B, count: 2 }, [A, B, B, B, C], [B, C]],
    ['resume after all equal timestamps', { ts: B, count: 3 }, [A, B, B, B, C], [C]],
    ['resume after the first of them', { ts: B, count: 1 }, [A, B, B, B, C], [B, B, C]],
    ['nothing new', { ts: C, count: 1 }, [A, B, C], []],
    ['older messages from an earlier since are dropped', { ts: A, count: 1 }, [A, A, B], [A, B]],
  ])('%s', (_name, position, replay, expectedNew) => {
    const c = new StreamCursor(position);
    expect(feed(c, replay)).toEqual(expectedNew);
  });

  it('reopen() skips exactly what was read, so a reopened stream continues seamlessly', () => {
    const c = new StreamCursor();
    expect(feed(c, [A, B, B])).toEqual([A, B, B]);
    c.reopen();
    expect(feed(c, [A, B, B, B, C])).toEqual([B, C]);
    expect(c.position).toEqual({ ts: C, count: 1 });
  });

  it('rewind() moves back before an unfinished line', () => {
    const c = new StreamCursor();
    feed(c, [A]);
    const before = c.position;
    feed(c, [B, B]);
    c.rewind(before);
    c.reopen();
    expect(feed(c, [A, B, B])).toEqual([B, B]);
  });
});
