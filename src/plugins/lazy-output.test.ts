import { describe, expect, it } from 'vitest';
import { LogshipError } from '../core/errors.js';
import type { Output } from './types.js';
import { lazyOutput } from './lazy-output.js';

describe('lazyOutput', () => {
  it('starts loading at once, writes through the loaded output, closes it', async () => {
    const calls: string[] = [];
    const real: Output = { write: async (batch) => void calls.push(`write ${batch.length}`), close: async () => void calls.push('close') };
    let loads = 0;
    const output = lazyOutput(async () => {
      loads += 1;
      return real;
    });
    expect(loads).toBe(1);
    await output.write([]);
    await output.close();
    expect(calls).toEqual(['write 0', 'close']);
    expect(loads).toBe(1);
  });

  it('a failed load is a retriable error, and the next write loads again', async () => {
    let loads = 0;
    const output = lazyOutput(async () => {
      loads += 1;
      if (loads === 1) throw new Error('EACCES: /etc/ssl/client.key');
      return { write: async () => undefined, close: async () => undefined };
    });
    const error = await output.write([]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LogshipError);
    expect((error as LogshipError).retriable).toBe(true);
    expect((error as LogshipError).message).toMatch(/cannot start the output: EACCES/);
    await expect(output.write([])).resolves.toBeUndefined();
    expect(loads).toBe(2);
  });
});
