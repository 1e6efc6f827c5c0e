import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, uniqueLabel } from '../helpers/docker-cli.js';
import { readRecords, waitForLineCount } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

/**
 * Real programs, real rotation: nginx (Debian's nginx-light) logging every request of a Python
 * client to /var/log/nginx/access.log, rotated by Debian's real logrotate, followed by docker_tail.
 * Each test compares the request numbers shipped with those on disk at the end (every access.log*
 * file, compressed ones unpacked): each on-disk line exactly once in the output, and no other.
 */
const IMAGE = 'logship-test/debian:1';
const ACCESS_LOG = '/var/log/nginx/access.log';
const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

const NGINX_SITE = 'server { listen 127.0.0.1:80 default_server; location / { return 204; } }';

/** Requests /req/1 … /req/N at a steady rate over one keep-alive connection, retrying a request whose connection was closed. */
const CLIENT = `
import http.client, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
conn = http.client.HTTPConnection('127.0.0.1', 80, timeout=10)
start = time.monotonic()
for i in range(1, n + 1):
    for attempt in range(20):
        try:
            conn.request('GET', f'/req/{i}')
            conn.getresponse().read()
            break
        except (OSError, http.client.HTTPException):
            conn.close()
            time.sleep(0.05)
    ahead = start + i / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
open('/tmp/client.done', 'w').write(str(n))
`;

function logrotateConfig(options: string[]): string {
  return [`${ACCESS_LOG} {`, '  rotate 50', '  missingok', ...options.map((o) => `  ${o}`), '}'].join('\n');
}

const CREATE = ['create 0640 root root', 'postrotate', '  nginx -s reopen', 'endscript'];

function pipeline(out: string): string {
  return `inputs:\n  - type: docker_tail\n    include:\n      labels: ["${label}"]\n    paths: ["${ACCESS_LOG}"]\noutputs:\n  - type: file\n    path: ${out}\n`;
}

interface Nginx {
  id: string;
  rotate(): Promise<void>;
  requests(n: number, perSecond: number): Promise<void>;
  clientDone(): Promise<boolean>;
  onDisk(): Promise<number[]>;
}

/** A Debian container running nginx, with a logrotate configuration for its access log. */
async function nginx(rotation: string[]): Promise<Nginx> {
  const script = [
    `printf '%s\\n' "$SITE" > /etc/nginx/sites-enabled/default`,
    `printf '%s\\n' "$ROTATE" > /etc/logrotate.d/access`,
    `printf '%s\\n' "$CLIENT" > /client.py`,
    'nginx',
    'exec sleep infinity',
  ].join(' && ');
  const id = (
    await docker('run', '-d', '--network', 'none', '--label', label, '-e', `SITE=${NGINX_SITE}`, '-e', `ROTATE=${logrotateConfig(rotation)}`, '-e', `CLIENT=${CLIENT}`, IMAGE, 'sh', '-c', script)
  ).trim();
  cleanups.push(() => docker('rm', '-f', id));
  // nginx answers once its access log exists
  for (let i = 0; i < 100 && !(await docker('exec', id, 'test', '-f', ACCESS_LOG).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    id,
    rotate: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await docker('exec', id, 'logrotate', '-f', '-s', '/tmp/logrotate.status', '/etc/logrotate.d/access');
          return;
        } catch (err) {
          // dateext names a file by the second: a second rotation within the same second is refused
          if (attempt > 3 || !String(err).includes('already exists')) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    },
    requests: async (n, perSecond) => {
      await docker('exec', '-d', id, 'python3', '/client.py', String(n), String(perSecond));
    },
    clientDone: () => docker('exec', id, 'test', '-f', '/tmp/client.done').then(() => true, () => false),
    onDisk: async () => {
      const text = await docker('exec', id, 'sh', '-c', 'cd /var/log/nginx && for f in access.log*; do case $f in *.gz) zcat "$f" ;; *) cat "$f" ;; esac; done');
      return requestNumbers(text.split('\n'));
    },
  };
}

function requestNumbers(lines: string[]): number[] {
  const numbers: number[] = [];
  for (const line of lines) {
    const m = / "GET \/req\/(\d+) HTTP/.exec(line);
    if (m) numbers.push(Number(m[1]));
  }
  return numbers.sort((a, b) => a - b);
}

/** Numbers seen more than once, and numbers of `expected` not seen, in `seen`. */
function compare(seen: number[], expected: number[]): { missing: number[]; doubled: number[]; extra: number[] } {
  const counts = new Map<number, number>();
  for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
  const wanted = new Set(expected);
  return {
    missing: expected.filter((n) => !counts.has(n)).slice(0, 20),
    doubled: [...counts].filter(([, c]) => c > 1).map(([n]) => n).slice(0, 20),
    extra: [...counts.keys()].filter((n) => !wanted.has(n)).slice(0, 20),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Run {
  readonly out: string;
  readonly stateDir: string;
  shipper: Shipper;

  constructor() {
    const dir = tempDir();
    this.out = join(dir, 'out.jsonl');
    this.stateDir = join(dir, 'state');
    this.shipper = Shipper.run(pipeline(this.out), this.stateDir);
    cleanups.push(() => this.shipper.stop());
  }

  async restart(): Promise<void> {
    this.shipper = Shipper.run(pipeline(this.out), this.stateDir);
    cleanups.push(() => this.shipper.stop());
    await this.shipper.ready();
  }

  async kill9(): Promise<void> {
    this.shipper.kill('SIGKILL');
    await this.shipper.exit();
  }

  async stop(): Promise<void> {
    await this.shipper.stop();
  }

  reached(lines: number, timeoutMs = 90_000): Promise<number> {
    return waitForLineCount(this.out, lines, timeoutMs);
  }

  /** Waits for the client to finish and the output to stop growing; then each on-disk request must have been shipped once. */
  async expectOnDiskShippedOnce(server: Nginx, total: number): Promise<{ onDisk: number; shipped: number }> {
    for (let i = 0; i < 600 && !(await server.clientDone()); i++) await sleep(200);
    const onDisk = await server.onDisk();
    await this.reached(onDisk.length, 60_000);
    await sleep(2500);
    const shipped = requestNumbers(readRecords(this.out).map((r) => r.message));
    const problems = compare(shipped, onDisk);
    if (problems.missing.length || problems.doubled.length || problems.extra.length) {
      // what a failure needs to be understood: the files as they are, and what the shipper said
      console.log(`${shipped.length} shipped, ${onDisk.length} on disk\n${await docker('exec', server.id, 'ls', '-li', '--full-time', '/var/log/nginx')}\n${this.shipper.stderr.slice(-3000)}`);
    }
    expect(problems).toEqual({ missing: [], doubled: [], extra: [] });
    expect(shipped).toHaveLength(onDisk.length);
    expect(onDisk.length).toBeLessThanOrEqual(total);
    return { onDisk: onDisk.length, shipped: shipped.length };
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

describe('docker_tail with nginx and the real logrotate', () => {
  it('create + reopen: 30,000 requests, 3 rotations (one while the shipper is down), two kill -9 — every request once', async () => {
    const server = await nginx(CREATE);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(30_000, 1000);
    await run.reached(5_000);
    await server.rotate();
    await run.reached(10_000);
    await run.kill9();
    await server.rotate();
    await sleep(1000);
    await run.restart();
    await run.reached(20_000);
    await server.rotate();
    await run.reached(25_000);
    await run.kill9();
    await sleep(1000);
    await run.restart();
    await run.expectOnDiskShippedOnce(server, 30_000);
    expect(await server.onDisk()).toEqual(range(30_000));
  });

  it('two rotations while the shipper is stopped, then one just before a kill -9 and one while it is down — the middle files are read', async () => {
    const server = await nginx(CREATE);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(12_000, 1000);
    await run.reached(3_000);
    await run.stop();
    await sleep(700);
    await server.rotate();
    await sleep(700);
    await server.rotate();
    await sleep(700);
    await run.restart();
    await run.reached(7_000);
    await server.rotate();
    await run.kill9();
    await sleep(700);
    await server.rotate();
    await sleep(700);
    await run.restart();
    await run.expectOnDiskShippedOnce(server, 12_000);
    expect(await server.onDisk()).toEqual(range(12_000));
  });

  it('dateext (one file per rotation, named by date and second): rotations while running and two while down', async () => {
    const server = await nginx(['dateext', 'dateformat -%Y%m%d-%s', ...CREATE]);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(10_000, 1000);
    await run.reached(2_000);
    await server.rotate();
    await run.reached(4_000);
    await run.kill9();
    await sleep(1100);
    await server.rotate();
    await sleep(1100);
    await server.rotate();
    await run.restart();
    await run.reached(7_000);
    await server.rotate();
    await run.expectOnDiskShippedOnce(server, 10_000);
    expect(await server.onDisk()).toEqual(range(10_000));
  });

  it('compress + delaycompress: four rotations, one while the shipper is down — every request once', async () => {
    const server = await nginx(['compress', 'delaycompress', ...CREATE]);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(10_000, 1000);
    for (const at of [1_500, 3_000, 4_500]) {
      await run.reached(at);
      await server.rotate();
    }
    await run.reached(6_000);
    await run.kill9();
    await server.rotate();
    await run.restart();
    await run.expectOnDiskShippedOnce(server, 10_000);
    expect(await server.onDisk()).toEqual(range(10_000));
    // the rotations left compressed files behind: the test saw real compression
    expect(await docker('exec', server.id, 'sh', '-c', 'ls /var/log/nginx/')).toMatch(/access\.log\.2\.gz/);
  });

  it('compress without delaycompress: the checkpointed file is compressed while the shipper is down, twice — found by its fingerprint, every request once', async () => {
    const server = await nginx(['compress', ...CREATE]);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(8_000, 1000);
    await run.reached(1_500);
    await server.rotate();
    await run.reached(3_000);
    await run.kill9();
    await server.rotate();
    await sleep(500);
    await server.rotate();
    await run.restart();
    await run.reached(6_000);
    await server.rotate();
    await run.expectOnDiskShippedOnce(server, 8_000);
    expect(await server.onDisk()).toEqual(range(8_000));
    expect(await docker('exec', server.id, 'sh', '-c', 'ls /var/log/nginx/')).not.toMatch(/access\.log\.1\n/);
  });

  it('copytruncate with a kill -9 and a rotation while the shipper is down: the rest is read from the copy', async () => {
    const server = await nginx(['copytruncate']);
    const run = new Run();
    await run.shipper.ready();
    await server.requests(6_000, 1000);
    await run.reached(2_000);
    await server.rotate();
    await run.reached(3_000);
    await run.kill9();
    await sleep(300);
    await server.rotate();
    await run.restart();
    await run.expectOnDiskShippedOnce(server, 6_000);
  });

  it('copytruncate at 400 requests/s, 8 rotations: every line still on disk is shipped once; logrotate itself loses only what comes between its copy and its truncate', async () => {
    const server = await nginx(['copytruncate']);
    const run = new Run();
    await run.shipper.ready();
    const total = 10_000;
    await server.requests(total, 400);
    for (let i = 0; i < 8; i++) {
      await sleep(2300);
      await server.rotate();
    }
    const { onDisk } = await run.expectOnDiskShippedOnce(server, total);
    const lostByLogrotate = total - onDisk;
    console.log(`copytruncate: ${total} requests, ${onDisk} on disk after 8 rotations (logrotate lost ${lostByLogrotate}), all ${onDisk} shipped once`);
    // between copy and truncate logrotate takes milliseconds: at 400/s a handful of lines per rotation at most
    expect(lostByLogrotate).toBeLessThanOrEqual(8 * 20);
  });
});
