// A reference `_bulk` client (bulk-loop.ts) for documents a benchmark has written: posts an NDJSON
// file of action + source line pairs, cut into bodies as logship's output cuts its batches.
// Started by a benchmark through BulkReference (bulk-reference.ts) with BULK_FILE_PROGRAM:
//
//   node bench/lib/bulk-file.mjs --url http://127.0.0.1:9200 --ndjson FILE [--gzip] < /dev/null

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BodyCutter, serveBulkReference, type BulkBody } from './bulk-loop.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:9200' },
    ndjson: { type: 'string' },
    'batch-docs': { type: 'string', default: '5000' },
    'batch-bytes': { type: 'string', default: '5000000' },
    'in-flight': { type: 'string', default: '4' },
    gzip: { type: 'boolean', default: false },
  },
  strict: true,
});
if (!values.ndjson) {
  process.stderr.write('bulk-file.mjs: --ndjson is required\n');
  process.exit(2);
}

async function readBodies(path: string): Promise<BulkBody[]> {
  const cutter = new BodyCutter(Number(values['batch-docs']), Number(values['batch-bytes']));
  let action: string | undefined;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (!line) continue;
    if (action === undefined) {
      action = line;
      continue;
    }
    cutter.add(`${action}\n${line}\n`);
    action = undefined;
  }
  return cutter.finish();
}

await serveBulkReference(() => readBodies(values.ndjson as string), { url: new URL(values.url as string), gzip: values.gzip === true, inFlight: Number(values['in-flight']) });
