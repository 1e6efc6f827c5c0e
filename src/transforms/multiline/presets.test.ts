import { describe, expect, it } from 'vitest';
import { regexSafetyProblem } from '../../config/regex-safety.js';
import { PRESETS } from './index.js';

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
];

function line(prefix: string, unit: string, size: number): string {
  return `${prefix}${unit.repeat(Math.ceil((size - prefix.length) / unit.length))}!`;
}

describe.each(Object.entries(PRESETS))('multiline preset %s', (_name, pattern) => {
  it('passes the regex safety check', () => {
    expect(regexSafetyProblem(pattern)).toBeUndefined();
  });

  it('takes under 1 s in all on 1 MiB lines built to make it backtrack', () => {
    const re = new RegExp(pattern);
    let total = 0;
    // 64 KiB first: a quadratic pattern fails there in seconds instead of running for minutes
    for (const size of [64 * 1024, MiB]) {
      for (const [prefix, unit] of ADVERSARIAL) {
        const text = line(prefix, unit, size);
        const started = performance.now();
        re.test(text);
        total += performance.now() - started;
        expect(total, `after ${JSON.stringify(prefix)} + ${JSON.stringify(unit)} × ${text.length} characters`).toBeLessThan(1000);
      }
    }
  });
});

describe('go preset', () => {
  const go = new RegExp(PRESETS.go);

  it.each([
    'goroutine 1 [running]:',
    'goroutine 18 [chan receive, 2 minutes]:',
    'main.main()',
    'main.(*T).Method(0xc000010000, {0x4b6a20, 0x5})',
    'github.com/foo/bar-baz/v2.(*Server).Serve(0xc0001a2000, {0x7f3e2c, 0xc0000b6000})',
    'panic({0x45e260?, 0xc000012018?})',
    'runtime.gopark(...)',
    'main.main.func1()',
    '\t/src/main.go:12 +0x1d',
    '\t/usr/local/go/src/runtime/proc.go:250 +0x1c5',
    '',
    'created by main.main in goroutine 1',
    'created by net/http.(*Server).Serve',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47b4e2]',
  ])('continues on %j', (text) => {
    expect(go.test(text)).toBe(true);
  });

  it.each(['panic: runtime error: index out of range', 'exit status 2', 'level=info msg=started', 'GET /healthz (200)', 'main.main() trailing', 'a(b'])('starts a new record on %j', (text) => {
    expect(go.test(text)).toBe(false);
  });
});
