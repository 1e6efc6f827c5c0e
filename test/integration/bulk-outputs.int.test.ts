import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/record.js';
import { docker, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { ELASTICSEARCH_NODE, OPENSEARCH_NODE, type Doc, type SearchNode } from '../helpers/es-cli.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const RUN = label.split('=')[1] as string;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

async function startShipper(yaml: string, stateDir: string): Promise<Shipper> {
  const shipper = Shipper.run(yaml, stateDir);
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  return shipper;
}

async function container(name: string, script: string): Promise<string> {
  const id = await runContainer({ label, name, script: `${script}; sleep 3600` });
  cleanups.push(() => docker('rm', '-f', id));
  return id;
}

/** Which numbers are present how often ("out N" messages). */
function audit(docs: Doc[], n: number): { missing: number; duplicated: number; versionsAbove1: number } {
  const seen = new Map<number, number>();
  for (const d of docs) {
    const number = Number(/^out (\d+)$/.exec(d._source.message)?.[1]);
    seen.set(number, (seen.get(number) ?? 0) + 1);
  }
  let missing = 0;
  let duplicated = 0;
  for (let i = 1; i <= n; i += 1) {
    const times = seen.get(i) ?? 0;
    if (times === 0) missing += 1;
    if (times > 1) duplicated += 1;
  }
  return { missing, duplicated, versionsAbove1: docs.filter((d) => (d._version ?? 1) > 1).length };
}

/**
 * The elasticsearch and opensearch outputs share their bulk engine (src/plugins/bulk): the same
 * acceptance tests, each against its real node.
 */
describe.each([ELASTICSEARCH_NODE, OPENSEARCH_NODE])('$type output against a real node', (node: SearchNode) => {
  const { type } = node;
  const es = node.call.bind(node);
  const count = node.count.bind(node);
  const waitForCount = node.waitForCount.bind(node);
  const allDocs = node.allDocs.bind(node);
  // each node gets its own container and index names
  const run = `${type.slice(0, 2)}-${RUN}`;
  beforeAll(() => node.require());
  afterAll(async () => {
    await es('DELETE', `/logs-*${run}*`).catch(() => undefined);
  });

  function esPipeline(options = ''): string {
    return `inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
outputs:
  - type: ${type}
    match: "docker.**"
    hosts: ["${node.url}"]
    index: "logs-{container.name}"
${options.replace(/^/gm, '    ')}
`;
  }

  it('the acceptance pipeline: 100,000 lines of two containers, _count exactly 100,000, every number once, @timestamp as date_nanos', async () => {
    const dir = tempDir();
    await startShipper(esPipeline(), join(dir, 'state'));
    const names = [`ea-${run}-a`, `ea-${run}-b`];
    for (const name of names) await container(name, numberedScript(50_000));
    for (const name of names) {
      expect(await waitForCount(`logs-${name}`, 50_000)).toBe(50_000);
      const docs = await allDocs(`logs-${name}`);
      expect(audit(docs, 50_000)).toMatchObject({ missing: 0, duplicated: 0 });
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect((await count(`logs-${names[0]}`)) + (await count(`logs-${names[1]}`))).toBe(100_000);
    const mapping = await es<Record<string, { mappings: { properties: Record<string, { type: string }> } }>>('GET', `/logs-${names[0]}/_mapping`);
    expect(mapping[`logs-${names[0]}`]?.mappings.properties['@timestamp']?.type).toBe('date_nanos');
    const one = await es<{ hits: { hits: Array<{ _source: LogRecord }> } }>('POST', `/logs-${names[0]}/_search`, { size: 1, query: { match: { message: 'out 7' } } });
    expect(one.hits.hits[0]?._source).toMatchObject({ message: 'out 7', source: 'main', stream: 'stdout', tag: `docker.main.${names[0]}`, container: { name: names[0] } });
    expect(one.hits.hits[0]?._source['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('the node stopped for 30 s mid-run and restarted: exactly every line once', async () => {
    const dir = tempDir();
    const shipper = await startShipper(esPipeline(), join(dir, 'state'));
    const name = `eo-${run}`;
    const lines = 50_000;
    await container(name, numberedScript(lines, { pauseEvery: 100, pauseUs: 100_000 }));
    await waitForCount(`logs-${name}`, 2_000, 60_000);
    await node.down();
    try {
      await expect(node.require()).rejects.toThrow(/node answers/);
      await new Promise((r) => setTimeout(r, 30_000));
      expect(shipper.stderr).toMatch(/output failing for \d+ records, retrying with backoff/);
    } finally {
      await node.up();
    }
    expect(await waitForCount(`logs-${name}`, lines, 180_000)).toBe(lines);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await count(`logs-${name}`)).toBe(lines);
    expect(audit(await allDocs(`logs-${name}`), lines)).toMatchObject({ missing: 0, duplicated: 0 });
  });

  it('kill -9 of the shipper mid-run: exactly every line once after the restart', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const name = `ek-${run}`;
    const shipper = Shipper.run(esPipeline(), stateDir);
    await shipper.ready();
    await container(name, numberedScript(30_000, { pauseEvery: 1000, pauseUs: 50_000 }));
    await waitForCount(`logs-${name}`, 8_000, 60_000);
    shipper.kill('SIGKILL');
    await shipper.exit();
    await startShipper(esPipeline(), stateDir);
    expect(await waitForCount(`logs-${name}`, 30_000)).toBe(30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const docs = await allDocs(`logs-${name}`);
    const result = audit(docs, 30_000);
    console.log(`${type} after kill -9: ${result.versionsAbove1} documents written twice (overwritten in place)`);
    expect(result).toMatchObject({ missing: 0, duplicated: 0 });
    expect(docs).toHaveLength(30_000);
  });

  it('a mapping conflict: the conflicting documents go to the dead-letter file with the reason; all others are indexed', async () => {
    const dir = tempDir();
    const name = `em-${run}`;
    // the index maps "message" as a number: container lines that are numbers are indexed, the
    // others conflict with the mapping (400 document_parsing_exception)
    await es('PUT', `/logs-${name}`, { mappings: { properties: { message: { type: 'long' } } } });
    await startShipper(esPipeline(), join(dir, 'state'));
    await container(name, 'i=1; while [ $i -le 100 ]; do echo "$i"; [ $((i % 10)) -eq 0 ] && echo "not a number $i"; i=$((i+1)); done');
    expect(await waitForCount(`logs-${name}`, 100, 60_000)).toBe(100);
    await new Promise((r) => setTimeout(r, 2000));
    const deadLetters = readFileSync(join(dir, 'state', 'dead-letter', `${type}_0.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; reason: string; record: LogRecord });
    expect(deadLetters.map((d) => d.record.message).sort()).toEqual(Array.from({ length: 10 }, (_, k) => `not a number ${(k + 1) * 10}`).sort());
    expect(deadLetters.every((d) => d.code === 'ES_MAPPING_REJECTED' && /400 (document_parsing_exception|mapper_parsing_exception)/.test(d.reason))).toBe(true);
    expect(await count(`logs-${name}`)).toBe(100);
  });

  it('a mapping conflict with dead_letter_index: the refused documents are stored there as sent (labels de-dotted), with the reason', async () => {
    const dir = tempDir();
    const name = `ed-${run}`;
    const deadLetterIndex = `logs-dlq-${run}`;
    await es('PUT', `/logs-${name}`, { mappings: { properties: { message: { type: 'long' } } } });
    await startShipper(esPipeline(`dead_letter_index: "${deadLetterIndex}"`), join(dir, 'state'));
    await container(name, 'i=1; while [ $i -le 50 ]; do echo "$i"; [ $((i % 10)) -eq 0 ] && echo "not \\"a\\" number $i"; i=$((i+1)); done');
    expect(await waitForCount(`logs-${name}`, 50, 60_000)).toBe(50);
    expect(await waitForCount(deadLetterIndex, 5, 60_000)).toBe(5);
    const found = await es<{ hits: { hits: Array<{ _source: { output: string; error: { code: string; reason: string }; document: string } }> } }>('POST', `/${deadLetterIndex}/_search`, { size: 100 });
    const stored = found.hits.hits.map((h) => h._source);
    expect(stored.every((d) => d.output === `${type}_0` && d.error.code === 'ES_MAPPING_REJECTED' && /400/.test(d.error.reason))).toBe(true);
    const documents = stored.map((d) => JSON.parse(d.document) as LogRecord);
    expect(documents.map((d) => d.message).sort()).toEqual(Array.from({ length: 5 }, (_, k) => `not "a" number ${(k + 1) * 10}`).sort());
    const labelKey = label.split('=')[0] as string;
    expect(documents.every((d) => d.container.labels[labelKey.replace(/\./g, '_')] === RUN && !(labelKey in d.container.labels))).toBe(true);
    // nothing went to the dead-letter file
    expect(() => readFileSync(join(dir, 'state', 'dead-letter', `${type}_0.jsonl`), 'utf8')).toThrow();
  });

  it('429 rejections from the node: only the rejected items are sent again, nothing is lost', async () => {
    const dir = tempDir();
    const blocked = `eb-${run}-blocked`;
    const open = `eb-${run}-open`;
    const shipper = await startShipper(esPipeline(), join(dir, 'state'));
    await container(open, numberedScript(20_000, { pauseEvery: 200, pauseUs: 100_000 }));
    await container(blocked, numberedScript(20_000, { pauseEvery: 200, pauseUs: 100_000 }));
    await waitForCount(`logs-${blocked}`, 1_000, 60_000);
    // a read-only block answers every write to this index with 429 cluster_block_exception
    await es('PUT', `/logs-${blocked}/_settings`, { 'index.blocks.read_only_allow_delete': true });
    try {
      await new Promise((r) => setTimeout(r, 6_000));
      expect(shipper.stderr).toMatch(/ES_ITEM_429/);
    } finally {
      await es('PUT', `/logs-${blocked}/_settings`, { 'index.blocks.read_only_allow_delete': null });
    }
    for (const name of [open, blocked]) {
      expect(await waitForCount(`logs-${name}`, 20_000, 120_000)).toBe(20_000);
      const docs = await allDocs(`logs-${name}`);
      // the open index's documents shared bulk requests with rejected ones: never resent (version 1)
      expect(audit(docs, 20_000)).toEqual({ missing: 0, duplicated: 0, versionsAbove1: 0 });
    }
  });
});

describe('opensearch output against a node with a write queue of one', () => {
  it('real 429s (rejected_execution_exception, items and whole requests) are sent again: every line once', async () => {
    const node = OPENSEARCH_NODE;
    await node.require();
    const settings = await node.call<{ nodes: Record<string, { thread_pool: { write: { queue_size: number } } }> }>('GET', '/_nodes/_local/thread_pool');
    const queue = Object.values(settings.nodes)[0]?.thread_pool.write.queue_size;
    if (queue !== 1) throw new Error(`the OpenSearch node's write queue holds ${queue}, not 1: start it as scripts/test-all.sh does (OPENSEARCH_WRITE_QUEUE_SIZE=1 OPENSEARCH_WRITE_THREADS=1 scripts/opensearch-up.sh)`);
    const dir = tempDir();
    const names = [`oq-${RUN}-a`, `oq-${RUN}-b`];
    const yaml = `inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
outputs:
  - type: opensearch
    match: "docker.main.oq-*"
    hosts: ["${node.url}"]
    index: "logs-{container.name}"
    batch_max_records: 500
    linger: 50ms
    max_in_flight: 8
`;
    const shipper = await startShipper(yaml, join(dir, 'state'));
    for (const name of names) await container(name, numberedScript(20_000));
    for (const name of names) {
      expect(await node.waitForCount(`logs-${name}`, 20_000, 120_000)).toBe(20_000);
      expect(audit(await node.allDocs(`logs-${name}`), 20_000)).toMatchObject({ missing: 0, duplicated: 0 });
    }
    expect(shipper.stderr).toMatch(/ES_(ITEM|HTTP)_429/);
    await node.call('DELETE', `/logs-oq-${RUN}-*`).catch(() => undefined);
  });
});
