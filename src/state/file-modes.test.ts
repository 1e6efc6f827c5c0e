import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from './checkpoint-store.js';
import { lockStateDir } from './state-dir.js';

// with no umask to narrow them, the modes seen are the modes asked for
let umask: number;
beforeAll(() => {
  umask = process.umask(0);
});
afterAll(() => {
  process.umask(umask);
});

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('state files hold log positions and content: owner-only', () => {
  it('a state directory logship creates is 0700 (every level it creates), its lock file 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'modes-'));
    const dir = join(root, 'a', 'state');
    const unlock = lockStateDir(dir);
    try {
      expect(mode(join(root, 'a'))).toBe(0o700);
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'lock'))).toBe(0o600);
    } finally {
      unlock();
    }
  });

  it("a state directory the user made keeps the user's mode", () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'modes-')), 'state');
    mkdirSync(dir, { mode: 0o755 });
    lockStateDir(dir)();
    expect(mode(dir)).toBe(0o755);
  });

  it('the checkpoint file is written 0600, also over one an older version wrote 0644', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modes-'));
    const path = join(dir, 'checkpoints.json');
    writeFileSync(path, JSON.stringify({ version: 1, saved_at: new Date().toISOString(), entries: {} }));
    chmodSync(path, 0o644);
    const store = new CheckpointStore(dir);
    store.register('input:a', () => ({ offset: 1 }));
    store.flush();
    expect(mode(path)).toBe(0o600);
    // a temporary file a crash left behind under this process's name
    writeFileSync(`${path}.tmp-${process.pid}`, 'stale', { mode: 0o644 });
    store.flush();
    expect(mode(path)).toBe(0o600);
  });
});
