import { describe, expect, it } from 'vitest';
import { regexSafetyProblem } from '../../plugins/options/regex-safety.js';
import { PATTERNS, PRESET_RULES, type LineRules } from './presets.js';

const MiB = 1024 * 1024;

/** Lines built to make a pattern backtrack: a prefix, then one unit repeated up to the size. */
const ADVERSARIAL: [prefix: string, unit: string][] = [
  ['a', '('],
  ['main.main', '('],
  ['a(', ')('],
  ['a', '(x'],
  ['', ' '],
  ['x', ' '],
  ['', '\t'],
  ['', 'at '],
  ['', ' at'],
  ['', '\t... '],
  ['', ' ...'],
  ['', ' 1'],
  ['Caused', ' '],
  ['goroutine ', '1'],
  ['goroutine 1', ' ['],
  ['', 'a'],
  ['', '.'],
  ['', '/'],
  ['', '*'],
  ['', '-'],
  ['A', 'Error'],
  ['A', 'Error:'],
  ['a', '.b'],
  ['', 'created by'],
  ['', '[signal'],
  ['', '()'],
  ['', ')'],
  ['', '\u2028'],
  ['java.lang', '.a'],
  ['a', '$'],
  ['a: ', ' '],
  ['goroutine 1 ', '['],
  ['goroutine 1 [', ']'],
  ['Dec 06, 2026 9:54:40 AM', ' '],
  ['Traceback', ' '],
  ['  +', ' '],
  ['', 'error '],
];

function line(prefix: string, unit: string, size: number): string {
  return `${prefix}${unit.repeat(Math.ceil((size - prefix.length) / unit.length))}!`;
}

describe.each(Object.entries(PATTERNS))('multiline preset pattern %s', (_name, pattern) => {
  it('passes the regex safety check', () => {
    expect(regexSafetyProblem(pattern)).toBeUndefined();
  });
});

/** States of each preset's records, reached by real lines: a line is judged in each of them. */
const LEAD_INS: Record<keyof typeof PRESET_RULES, string[][]> = {
  python: [['plain'], ['ERROR:root:failed'], ['Traceback (most recent call last):'], ['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'ValueError: x'], ['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'ValueError: x', '', 'During handling of the above exception, another exception occurred:']],
  java: [['plain'], ['ERROR failed'], ['ERROR failed', ''], ['java.lang.IllegalStateException: x'], ['ERROR failed', 'java.lang.IllegalStateException: x', 'more'], ['java.lang.IllegalStateException: x', '\tat A.b(A.java:1)'], ['Dec 06, 2026 9:54:40 AM com.x.App main']],
  go: [['plain'], ['panic: x'], ['panic: x', '', 'goroutine 1 [running]:'], ['panic: x', '', 'goroutine 1 [running]:', 'main.main()', '']],
};

describe.each(Object.entries(PRESET_RULES))('multiline preset %s', (name, rules) => {
  it('takes under 2 s in all on 1 MiB lines built to make its patterns backtrack, in each state of a record', () => {
    const r = rules as LineRules<unknown>;
    const states = LEAD_INS[name as keyof typeof PRESET_RULES].map(([first, ...rest]) => rest.reduce((state, line) => r.next(state, line).state, r.first(first as string)));
    let total = 0;
    // 64 KiB first: a quadratic pattern fails there in seconds instead of running for minutes
    for (const size of [64 * 1024, MiB]) {
      for (const [prefix, unit] of ADVERSARIAL) {
        const text = line(prefix, unit, size);
        const started = performance.now();
        r.first(text);
        for (const state of states) r.next(state, text);
        total += performance.now() - started;
        expect(total, `after ${JSON.stringify(prefix)} + ${JSON.stringify(unit)} × ${text.length} characters`).toBeLessThan(2000);
      }
    }
  });
});

describe('go preset patterns', () => {
  const frame = new RegExp(PATTERNS.goFrame);
  const goroutine = new RegExp(PATTERNS.goGoroutine);

  it.each([
    'main.main()',
    'main.(*T).Method(0xc000010000, {0x4b6a20, 0x5})',
    'github.com/foo/bar-baz/v2.(*Server).Serve(0xc0001a2000, {0x7f3e2c, 0xc0000b6000})',
    'panic({0x45e260?, 0xc000012018?})',
    'runtime.gopark(...)',
    'main.main.func1()',
    'main.first[...]({0xc000012345, 0x3, 0x3}, 0x5)',
    'gopkg.in/yaml%2ev3.unmarshal(0x1)',
  ])('a frame: %j', (text) => {
    expect(frame.test(text)).toBe(true);
  });

  it.each(['goroutine 1 [running]:', 'goroutine 18 [chan receive, 2 minutes]:', 'goroutine 1 gp=0xc000002380 m=0 mp=0x5aa780 [running]:', 'goroutine 3 gp=0x2d1c642c6d20 m=nil [GC sweep wait]:'])('a goroutine: %j', (text) => {
    expect(goroutine.test(text)).toBe(true);
  });

  it.each(['panic: runtime error: index out of range', 'exit status 2', 'level=info msg=started', 'GET /healthz (200)', 'main.main() trailing', 'a(b', 'goroutine 1 [running]: trailing'])('neither: %j', (text) => {
    expect(frame.test(text) || goroutine.test(text)).toBe(false);
  });
});
