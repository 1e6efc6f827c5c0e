// The reference client of bench/elasticsearch (see README.md): a plain Node loop posting NDJSON
// `_bulk` bodies with node:http (keep-alive), N requests at a time. Spawned by run.ts (through
// reference.mjs, which compiles this file as bench/lib/launch.mjs does); not meant
// to be run by hand, but it can be:
//
//   node bench/elasticsearch/reference.mjs --url http://127.0.0.1:9200 --index bench-es-x --records 1000 < /dev/null
//
// Protocol with run.ts, one JSON object per stdout line:
//   1. it builds every body (not timed) and prints {"ready":true,...};
//   2. it waits for a line "go" on stdin, sends everything and prints {"done":true,...};
//   3. it exits when stdin ends (so that run.ts can read its /proc numbers first).
// The documents are byte for byte what logship's generator → elasticsearch output sends for the
// same sequence numbers (index action with the deterministic _id, the same record JSON), except
// for the @timestamp digits and the index name.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:9200' },
    index: { type: 'string' },
    records: { type: 'string', default: '1000000' },
    'message-bytes': { type: 'string', default: '200' },
    'batch-docs': { type: 'string', default: '5000' },
    'batch-bytes': { type: 'string', default: '5000000' },
    'in-flight': { type: 'string', default: '4' },
    gzip: { type: 'boolean', default: false },
    // e.g. errors,items.*.status,items.*.error: a smaller answer (what a client needs of it)
    'filter-path': { type: 'string' },
    'input-id': { type: 'string', default: 'generator_0' },
    'host-name': { type: 'string', default: process.env.NODE_NAME ?? hostname() },
  },
  strict: true,
});
if (!values.index) {
  process.stderr.write('reference.mjs: --index is required\n');
  process.exit(2);
}
const indexName = values.index;
const records = Number(values.records);
const messageBytes = Number(values['message-bytes']);
const batchDocs = Number(values['batch-docs']);
const batchBytes = Number(values['batch-bytes']);
const inFlight = Number(values['in-flight']);
const url = new URL(values.url as string);
const bulkPath = values['filter-path'] ? `/_bulk?filter_path=${encodeURIComponent(values['filter-path'])}` : '/_bulk';
const say = (obj: Record<string, unknown>): boolean => process.stdout.write(`${JSON.stringify(obj)}\n`);

// ---------------------------------------------------------------------------------------------
// the bodies: what logship's elasticsearch output builds for generator records (recordToJson field
// order; action {"index":{"_index":…,"_id":sha1(origin) base64url}}), cut like its chunksOf():
// at most batch-docs documents, a new body before batch-bytes would be passed

function buildBodies(): { bodies: { body: Buffer; docs: number }[]; bytes: number } {
  const inputId = values['input-id'] as string;
  const container = JSON.stringify({ id: `generator-${inputId}-0`, name: 'generator-0', image: { name: 'logship/generator' }, labels: {} });
  const host = JSON.stringify({ name: values['host-name'] });
  const index = JSON.stringify(indexName);
  const padding = 'x'.repeat(messageBytes);
  const base = Date.now();
  const bodies: { body: Buffer; docs: number }[] = [];
  let docs = 0;
  let bytes = 0;
  let parts: string[] = [];
  let n = 0;
  const flush = () => {
    if (parts.length === 0) return;
    const body = Buffer.from(parts.join(''));
    bodies.push({ body, docs: parts.length });
    bytes += body.length;
    parts = [];
    docs = 0;
  };
  let pieceBytes = 0;
  for (n = 1; n <= records; n++) {
    const prefix = `${n} `;
    const message = prefix.length >= messageBytes ? prefix.trimEnd() : prefix + padding.slice(prefix.length);
    // ~4 µs apart with nine fractional digits, like the generator's nowTimestamp()
    const ns = n * 4_321;
    const ms = base + Math.floor(ns / 1e6);
    const sub = String(ns % 1e6).padStart(6, '0');
    const timestamp = `${new Date(ms).toISOString().slice(0, 23)}${sub}Z`;
    const id = createHash('sha1').update(`${inputId}/${n}`).digest('base64url');
    const line = `{"index":{"_index":${index},"_id":"${id}"}}\n{"@timestamp":"${timestamp}","message":${JSON.stringify(message)},"stream":"stdout","source":"main","tag":"generator.generator-0","container":${container},"host":${host}}\n`;
    if (docs >= batchDocs || (docs > 0 && pieceBytes + line.length > batchBytes)) {
      flush();
      pieceBytes = 0;
    }
    parts.push(line);
    docs += 1;
    pieceBytes += line.length;
  }
  flush();
  return { bodies, bytes };
}

// ---------------------------------------------------------------------------------------------
// sending

const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });

function post(body: Buffer): Promise<{ status: number | undefined; encoding: string | undefined; body: Buffer }> {
  const headers: Record<string, string> = {
    'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
    accept: 'application/vnd.elasticsearch+json; compatible-with=8',
    'content-length': String(body.length),
  };
  if (values.gzip) {
    // as the official client with compression: true
    headers['content-encoding'] = 'gzip';
    headers['accept-encoding'] = 'gzip,deflate';
  }
  return new Promise((resolvePost, reject) => {
    const req = http.request({ host: url.hostname, port: url.port || 80, path: bulkPath, method: 'POST', headers, agent }, (res) => {
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

async function send(bodies: { body: Buffer; docs: number }[]): Promise<{ failedItems: number; sentBytes: number; requests: number; responseBytes: number }> {
  let next = 0;
  let failedItems = 0;
  let sentBytes = 0;
  let requests = 0;
  let responseBytes = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const { body: raw } = bodies[next++] as { body: Buffer };
      const body = values.gzip ? await gzipAsync(raw) : raw;
      sentBytes += body.length;
      requests += 1;
      const res = await post(body);
      const text = (res.encoding === 'gzip' ? await gunzipAsync(res.body) : res.body).toString();
      if (res.status !== 200) throw new Error(`bulk answered ${res.status}: ${text.slice(0, 300)}`);
      // read the answer as a client must (every item's status), like logship's output does
      const parsed = JSON.parse(text) as { errors?: boolean; items: Record<string, { status: number }>[] };
      if (parsed.errors) for (const item of parsed.items) if ((Object.values(item)[0]?.status ?? 0) >= 300) failedItems += 1;
      responseBytes += text.length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { failedItems, sentBytes, requests, responseBytes };
}

// ---------------------------------------------------------------------------------------------

const tBuild = performance.now();
const { bodies, bytes } = buildBodies();
say({ ready: true, bodies: bodies.length, bytes, buildMs: performance.now() - tBuild });

const lines = createInterface({ input: process.stdin });
let started = false;
lines.on('line', async (line: string) => {
  if (line.trim() !== 'go' || started) return;
  started = true;
  const t0 = performance.now();
  try {
    const r = await send(bodies);
    say({ done: true, ms: performance.now() - t0, ...r });
  } catch (err) {
    say({ done: true, error: String((err as Error).message ?? err), ms: performance.now() - t0 });
  }
  agent.destroy();
});
lines.on('close', () => process.exit(0));
