const LEVELS = ['info', 'info', 'info', 'debug', 'info', 'warn', 'info', 'error'];
const PATHS = ['items', 'users', 'orders', 'cart', 'search'];
const STATUS = [200, 200, 200, 200, 200, 200, 201, 304, 404, 500];

/**
 * Line n of made-up container c as a JSON application log line, e.g.
 * `{"n":17,"c":3,"level":"info","msg":"request served path=/api/orders/17 status=200 bytes=757 dur_ms=225"}`:
 * what real services print, and what compresses like real logs (about 20:1 in a gzip batch,
 * where padding compresses 50:1). Level, path, status, bytes and duration vary with (c, n).
 */
export function jsonLogLine(c: number, n: number): string {
  return `{"n":${n},"c":${c},"level":"${LEVELS[(n + c) % 8]}","msg":"request served path=/api/${PATHS[n % 5]}/${n % 1000} status=${STATUS[(n * 7 + c) % 10]} bytes=${128 + ((n * 37) % 4000)} dur_ms=${1 + ((n * 13 + c) % 250)}"}`;
}
