import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/pipeline/disk-buffer/spool-frame.js';
import { waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function spooled(message: string): string {
  const record = { '@timestamp': '2026-11-29T00:00:00.000000000Z', message, stream: 'stdout', source: 'main', tag: 'docker.main.web', container: { id: 'c', name: 'web', image: { name: 'i' }, labels: {} }, host: { name: 'h' } };
  return JSON.stringify({ record, origin: `c/stdout/${message}` });
}

describe('disk buffer spool at start', () => {
  it('a checksummed entry that is not a record does not stop the shipper: the entries around it are delivered, new records too', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const spool = join(dir, 'state', 'buffer', 'file_0');
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, '000000000001.spool'), Buffer.concat([spooled('before'), '{"record":null}', spooled('after')].map((p) => encodeFrame(Buffer.from(p)))));
    const shipper = Shipper.run(`api: { enabled: false }
inputs:
  - type: generator
    count: 1
outputs:
  - type: file
    path: ${out}
    buffer: { type: disk }
`, join(dir, 'state'));
    cleanups.push(() => shipper.stop());
    const records = await waitForRecords(out, (r) => r.length >= 3, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; shipper stderr:\n${shipper.stderr}`);
    });
    expect(records.slice(0, 2).map((r) => r.message)).toEqual(['before', 'after']);
    expect(records).toHaveLength(3);
    // before, the replayed null record stopped the shipper right after its batch was written
    await new Promise((r) => setTimeout(r, 1000));
    expect(shipper.process.exitCode).toBeNull();
    expect(shipper.stderr).toMatch(/spool entry in 000000000001\.spool at byte \d+ is not a record/);
  });
});
