// The lines the benchmark's containers print: JSON application log lines such as
//   {"n":17,"c":3,"level":"info","msg":"request served path=/api/orders/17 status=200 bytes=757 dur_ms=225"}
// where c is the container's index and n the line's number in it (from 1). Docker's json-file
// driver stores their quotes escaped, so logship's fast path for lines without escapes does not
// apply: these cost what real JSON logs cost. Level, path, status, bytes and duration vary with
// (c, n) deterministically, so the check can rebuild every line and compare it whole.

import { jsonLogLine } from '../../src/inputs/generator/log-line.js';

// pasted into the python producer below; jsonLogLine holds the same
const LEVELS = ['info', 'info', 'info', 'debug', 'info', 'warn', 'info', 'error'];
const PATHS = ['items', 'users', 'orders', 'cart', 'search'];
const STATUS = [200, 200, 200, 200, 200, 200, 201, 304, 404, 500];

/** Line n of container c, without its newline: what every record's message must be (the generator input's json_log messages, the same lines). */
export const lineText = jsonLogLine;

/** (c, n) of a line as lineText writes it, or undefined. */
export function lineKey(text: string): { c: number; n: number } | undefined {
  const m = /^\{"n":(\d+),"c":(\d+),/.exec(text);
  return m ? { n: Number(m[1]), c: Number(m[2]) } : undefined;
}

// The producer, in python3 (logship-test/debian:1): the same lines as lineText (the constants are
// pasted in from above). With a rate it writes the lines due every 50 ms in one write and flushes
// (-u), so that the rate is smooth, not a burst a second; without one (rate 0) it writes them as
// fast as it can. Either way exactly `total` lines, then it sleeps: the container stays running,
// since a shipper's first start skips containers that had already exited (history).
const PRODUCER = `import sys, time
L = ${JSON.stringify(LEVELS)}
P = ${JSON.stringify(PATHS)}
S = ${JSON.stringify(STATUS)}
def line(c, n):
    return '{"n":%d,"c":%d,"level":"%s","msg":"request served path=/api/%s/%d status=%d bytes=%d dur_ms=%d"}\\n' % (n, c, L[(n + c) % 8], P[n % 5], n % 1000, S[(n * 7 + c) % 10], 128 + (n * 37) % 4000, 1 + (n * 13 + c) % 250)
c, rate, total = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
out = sys.stdout
written = 0
t0 = time.monotonic()
while written < total:
    due = total if rate <= 0 else min(total, int(rate * (time.monotonic() - t0)) + 1)
    while written < due:
        upto = min(due, written + 2000)
        out.write(''.join(line(c, n) for n in range(written + 1, upto + 1)))
        written = upto
    out.flush()
    if written < total:
        time.sleep(0.05)
while True:
    time.sleep(86400)
`;

/** The command of a container printing `total` lines at `rate` lines/s (0: as fast as it can). */
export function producerCommand(c: number, rate: number, total: number): string[] {
  return ['python3', '-u', '-c', PRODUCER, String(c), String(rate), String(total)];
}

/** An idle container: it prints nothing, ever. */
export const IDLE_COMMAND = ['sleep', '100000'];
