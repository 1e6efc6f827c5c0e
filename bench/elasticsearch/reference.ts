// The reference client of bench/elasticsearch (see README.md): the kit's plain `_bulk` loop
// (bench/lib/bulk-loop.ts: node:http, keep-alive, N requests at a time) on the documents logship's
// generator produces. Spawned by run.ts (through reference.mjs, which compiles this file as
// bench/lib/launch.mjs does); not meant to be run by hand, but it can be:
//
//   node bench/elasticsearch/reference.mjs --url http://127.0.0.1:9200 --index bench-es-x --records 1000 < /dev/null
//
// Protocol with run.ts: serveBulkReference's (bench/lib/bulk-loop.ts).
// The documents are byte for byte what logship's generator → elasticsearch output sends for the
// same sequence numbers (index action with the deterministic _id, the same record JSON), except
// for the @timestamp digits and the index name.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { BodyCutter, serveBulkReference, type BulkBody } from '../lib/bulk-loop.js';

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

// ---------------------------------------------------------------------------------------------
// the bodies: what logship's elasticsearch output builds for generator records (recordToJson field
// order; action {"index":{"_index":…,"_id":sha1(origin) base64url}}), cut like its chunksOf()

function buildBodies(): BulkBody[] {
  const inputId = values['input-id'] as string;
  const container = JSON.stringify({ id: `generator-${inputId}-0`, name: 'generator-0', image: { name: 'logship/generator' }, labels: {} });
  const host = JSON.stringify({ name: values['host-name'] });
  const index = JSON.stringify(indexName);
  const padding = 'x'.repeat(messageBytes);
  const base = Date.now();
  const cutter = new BodyCutter(Number(values['batch-docs']), Number(values['batch-bytes']));
  for (let n = 1; n <= records; n++) {
    const prefix = `${n} `;
    const message = prefix.length >= messageBytes ? prefix.trimEnd() : prefix + padding.slice(prefix.length);
    // ~4 µs apart with nine fractional digits, like the generator's nowTimestamp()
    const ns = n * 4_321;
    const ms = base + Math.floor(ns / 1e6);
    const sub = String(ns % 1e6).padStart(6, '0');
    const timestamp = `${new Date(ms).toISOString().slice(0, 23)}${sub}Z`;
    const id = createHash('sha1').update(`${inputId}/${n}`).digest('base64url');
    cutter.add(`{"index":{"_index":${index},"_id":"${id}"}}\n{"@timestamp":"${timestamp}","message":${JSON.stringify(message)},"stream":"stdout","source":"main","tag":"generator.generator-0","container":${container},"host":${host}}\n`);
  }
  return cutter.finish();
}

await serveBulkReference(buildBodies, { url: new URL(values.url as string), gzip: values.gzip === true, inFlight: Number(values['in-flight']), filterPath: values['filter-path'] });
