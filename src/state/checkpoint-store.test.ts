import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from './checkpoint-store.js';

describe('CheckpointStore', () => {
  it('restores what the previous run saved, or the live state of a registered instance, as a copy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const before = new CheckpointStore(dir);
    before.register('input:a', () => ({ offset: 10 }));
    before.flush();

    const store = new CheckpointStore(dir);
    expect(store.restore('input:a')).toEqual({ offset: 10 });
    const live = { offset: 25 };
    store.register('input:a', () => live);
    // a successor started by a reload continues where the running instance is, not where the file was
    const restored = store.restore<{ offset: number }>('input:a');
    expect(restored).toEqual({ offset: 25 });
    restored!.offset = 99;
    expect(live.offset).toBe(25);
    expect(store.restore('input:none')).toBeUndefined();
  });

  it('a periodic flush writes nothing while no snapshot changed, and writes as soon as one did', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const store = new CheckpointStore(dir);
    const live = { offset: 1 };
    store.register('input:a', () => live);
    const file = join(dir, 'checkpoints.json');
    store.flush(true);
    const first = readFileSync(file, 'utf8');
    const until = Date.now() + 5;
    while (Date.now() < until); // a later saved_at, were it written again
    store.flush(true);
    expect(readFileSync(file, 'utf8')).toBe(first);
    live.offset = 2;
    store.flush(true);
    const state = JSON.parse(readFileSync(file, 'utf8')) as { saved_at: string; entries: Record<string, unknown> };
    expect(state.entries).toEqual({ 'input:a': { offset: 2 } });
    expect(state.saved_at > (JSON.parse(first) as { saved_at: string }).saved_at).toBe(true);
    // an explicit flush (stop, start) always writes
    const later = Date.now() + 5;
    while (Date.now() < later);
    store.flush();
    expect(readFileSync(file, 'utf8')).not.toBe(JSON.stringify(state));
  });
});
