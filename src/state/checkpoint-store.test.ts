import { mkdtempSync } from 'node:fs';
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
});
