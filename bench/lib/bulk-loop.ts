import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

// The raw `_bulk` loop Elasticsearch numbers are compared with: plain node:http, keep-alive, N
// requests at a time, the answer read as a client must. It runs in a process of its own (so that
// its CPU is its own): bench/elasticsearch/reference.ts or bulk-file.ts, started and driven by
// bulk-reference.ts.

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface BulkBody {
  body: Buffer;
  docs: number;
}

export interface BulkOptions {
  url: URL;
  /** gzip bodies (timed, as the official client does it with compression: true). */
  gzip: boolean;
  /** gzip level; logship's elasticsearch output's default compression_level, 3, unless given. */
  gzipLevel?: number;
  inFlight: number;
  /** e.g. errors,items.*.status,items.*.error: a smaller answer. */
  filterPath?: string | undefined;
}

/**
 * Cuts action + document line pairs into bodies as logship's output cuts its batches: at most
 * `batchDocs` documents, a new body before `batchBytes` would be passed.
 */
export class BodyCutter {
  readonly bodies: BulkBody[] = [];
  bytes = 0;
  private parts: string[] = [];
  private partBytes = 0;

  constructor(
    private readonly batchDocs: number,
    private readonly batchBytes: number,
  ) {}

  /** One document: its action line and its source line, each with its newline. */
  add(pair: string): void {
    if (this.parts.length >= this.batchDocs || (this.parts.length > 0 && this.partBytes + pair.length > this.batchBytes)) this.flush();
    this.parts.push(pair);
    this.partBytes += pair.length;
  }

  finish(): BulkBody[] {
    this.flush();
    return this.bodies;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const body = Buffer.from(this.parts.join(''));
    this.bodies.push({ body, docs: this.parts.length });
    this.bytes += body.length;
    this.parts = [];
    this.partBytes = 0;
  }
}

function post(agent: http.Agent, options: BulkOptions, body: Buffer): Promise<{ status: number | undefined; encoding: string | undefined; body: Buffer }> {
  const headers: Record<string, string> = {
    'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
    accept: 'application/vnd.elasticsearch+json; compatible-with=8',
    'content-length': String(body.length),
  };
  if (options.gzip) {
    headers['content-encoding'] = 'gzip';
    headers['accept-encoding'] = 'gzip,deflate';
  }
  const path = options.filterPath ? `/_bulk?filter_path=${encodeURIComponent(options.filterPath)}` : '/_bulk';
  return new Promise((resolvePost, reject) => {
    const req = http.request({ host: options.url.hostname, port: options.url.port || 80, path, method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolvePost({ status: res.statusCode, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('bulk request timed out after 60 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export interface Sent {
  failedItems: number;
  sentBytes: number;
  requests: number;
  responseBytes: number;
}

/** Posts every body, `inFlight` at a time; throws on a non-200 answer. */
export async function sendBodies(bodies: readonly BulkBody[], options: BulkOptions): Promise<Sent> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.inFlight });
  const sent: Sent = { failedItems: 0, sentBytes: 0, requests: 0, responseBytes: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const { body: raw } = bodies[next++] as BulkBody;
      const body = options.gzip ? await gzipAsync(raw, { level: options.gzipLevel ?? 3 }) : raw;
      sent.sentBytes += body.length;
      sent.requests += 1;
      const res = await post(agent, options, body);
      const text = (res.encoding === 'gzip' ? await gunzipAsync(res.body) : res.body).toString();
      if (res.status !== 200) throw new Error(`bulk answered ${res.status}: ${text.slice(0, 300)}`);
      // every item's status, as logship's output reads them
      const parsed = JSON.parse(text) as { errors?: boolean; items: Record<string, { status: number }>[] };
      if (parsed.errors) for (const item of parsed.items) if ((Object.values(item)[0]?.status ?? 0) >= 300) sent.failedItems += 1;
      sent.responseBytes += text.length;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.inFlight }, worker));
  } finally {
    agent.destroy();
  }
  return sent;
}

const say = (obj: Record<string, unknown>): boolean => process.stdout.write(`${JSON.stringify(obj)}\n`);

/**
 * The reference process's side of the protocol with bulk-reference.ts, one JSON object per stdout
 * line: it builds every body (not timed) and prints {"ready":true,...}; on a line "go" on stdin
 * it sends them all and prints {"done":true,...}; it exits when stdin ends (so that the parent
 * reads its /proc numbers first).
 */
export async function serveBulkReference(build: () => BulkBody[] | Promise<BulkBody[]>, options: BulkOptions): Promise<void> {
  const tBuild = performance.now();
  const bodies = await build();
  say({ ready: true, bodies: bodies.length, bytes: bodies.reduce((n, b) => n + b.body.length, 0), buildMs: performance.now() - tBuild });
  const lines = createInterface({ input: process.stdin });
  let started = false;
  lines.on('line', (line: string) => {
    if (line.trim() !== 'go' || started) return;
    started = true;
    const t0 = performance.now();
    sendBodies(bodies, options).then(
      (sent) => say({ done: true, ms: performance.now() - t0, ...sent }),
      (err: unknown) => say({ done: true, error: String((err as Error).message ?? err), ms: performance.now() - t0 }),
    );
  });
  lines.on('close', () => process.exit(0));
}
