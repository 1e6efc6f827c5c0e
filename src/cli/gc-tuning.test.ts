import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GC_FLAGS, tuneGarbageCollection } from './gc-tuning.js';

describe('tuneGarbageCollection', () => {
  it('sets every flag when the user set none, and leaves alone each one the user set', () => {
    expect(tuneGarbageCollection([], '', {})).toEqual([...GC_FLAGS]);
    expect(tuneGarbageCollection(['--heap-growing-percent=80'], '', {})).toEqual(['--semi-space-growth-factor=1']);
    expect(tuneGarbageCollection([], '--max-old-space-size=192 --semi_space_growth_factor=2', {})).toEqual(['--heap-growing-percent=30']);
    expect(tuneGarbageCollection([], '', { LOGSHIP_GC: 'node-defaults' })).toEqual([]);
  });

  it('its flags are V8 flags that take effect at run time: the young generation no longer grows under allocation', () => {
    // a fresh process: this one's young generation has grown already (V8 ignores a misspelt flag silently)
    const script = `
      const v8 = require('node:v8');
      for (const flag of JSON.parse(process.argv[1])) v8.setFlagsFromString(flag);
      let keep = [];
      let largest = 0;
      for (let i = 0; i < 600000; i += 1) {
        keep.push({ text: 'line ' + i, n: i });
        if (keep.length > 50000) keep = keep.slice(25000);
        if (i % 1000 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
      }
      process.stdout.write(String(largest));`;
    const largest = (flags: readonly string[]) => Number(execFileSync(process.execPath, ['-e', script, JSON.stringify(flags)], { encoding: 'utf8' }));
    const MiB = 1024 * 1024;
    expect(largest([])).toBeGreaterThanOrEqual(8 * MiB);
    expect(largest(GC_FLAGS)).toBeLessThanOrEqual(2 * MiB);
  });
});
