import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDocs, es, requireElasticsearch } from '../helpers/es-cli.js';
import { BUSYBOX, docker, removeContainersWithLabel } from '../helpers/docker-cli.js';
import { consumeAll, requireKafka } from '../helpers/kafka-cli.js';
import { readRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';
import { idOf, ID_PATTERN, roundLines, type FuzzLine } from '../fuzz/hostile-lines.js';

/**
 * Hostile container output through every transform and every output, against the real Docker
 * engine, Kafka (behind a disk buffer) and Elasticsearch: rounds of generated lines until
 * FUZZ_SECONDS (60 by default) have passed. After each round, every output must hold every normal
 * line exactly once, and every hostile line exactly once as delivered or dead-lettered (by that
 * output, or by the transforms). The seed is printed; FUZZ_SEED picks another.
 */
/** Fixed in the test suite, so that a failure there replays as it is; FUZZ_SEED explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const BUDGET_MS = Number(process.env.FUZZ_SECONDS ?? 60) * 1000;
const LINES_PER_ROUND = Number(process.env.FUZZ_LINES ?? 240);
const OUTPUTS = ['file_0', 'stdout_0', 'kafka_0', 'elasticsearch_0'] as const;
type OutputId = (typeof OUTPUTS)[number];
/** Round numbers of the sampled container's lines start here, so that their ids differ from the others'. */
const SAMPLED_ROUNDS = 100_000;

const run = randomUUID().slice(0, 8);
const label = `logship.fuzz=${run}`;
const topic = `fuzz-${run}`;
const index = `fuzz-${run}`;
const state = tempDir('logship-fuzz-state-');
const outPath = join(tempDir('logship-fuzz-out-'), 'out.jsonl');
let shipper: Shipper;

const pipeline = `
inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
    max_line_bytes: 4MiB
transforms:
  - type: multiline
    preset: java
  - type: json
    timestamp_field: ts
  - type: modify
    copy: { wrong.container: container, wrong.@timestamp: "@timestamp", wrong.host: host, wrong.source: source, wrong.stream: stream, wrong.log: log, wrong.exec: exec, wrong.tag: tag, wrong.labels: container.labels }
  - type: regex
    pattern: '^\\{"fuzz":"(?<kind>[hn])-'
    target: rx
  - type: logfmt
    target: lf
  - type: grep
    exclude: { level: "^never-this$", container.name: "^never$", wrong: "^never$" }
  - type: throttle
    rate: 1000000
  - type: dedot
    fields: [container.labels, _parsed, v, wrong]
  - type: retag
    match: "docker.main.fuzz-sampled-*"
    tag: "fuzz.sampled.{level}"
  - type: sample
    match: "fuzz.sampled.**"
    rate: 2
outputs:
  - type: file
    id: file_0
    path: ${outPath}
  - type: stdout
    id: stdout_0
    format: human
  - type: kafka
    id: kafka_0
    brokers: ["127.0.0.1:9092"]
    topic: ${topic}
    buffer: { type: disk, max_bytes: 256MiB }
  - type: elasticsearch
    id: elasticsearch_0
    hosts: ["http://127.0.0.1:9200"]
    index: ${index}
    install_template: false
`;

/** Prints the lines in a new container: written into it with docker cp (NUL and invalid UTF-8 kept), then cat. */
async function printInContainer(lines: FuzzLine[], name: string): Promise<void> {
  const file = join(tempDir('logship-fuzz-lines-'), 'lines');
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l.bytes, Buffer.from('\n')])));
  const id = (await docker('create', '--network', 'none', '--label', label, '--name', name, BUSYBOX, 'cat', '/lines')).trim();
  await docker('cp', file, `${id}:/lines`);
  await docker('start', id);
}

/** Ids an output holds, with how often: delivered, and dead-lettered by it. */
interface Seen {
  delivered: Map<string, number>;
  deadLettered: Map<string, number>;
}

function countInto(map: Map<string, number>, id: string | undefined): void {
  if (id) map.set(id, (map.get(id) ?? 0) + 1);
}

function deadLetters(name: string): Map<string, number> {
  const counts = new Map<string, number>();
  const path = join(state, 'dead-letter', `${name}.jsonl`);
  if (!existsSync(path)) return counts;
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) countInto(counts, idOf((JSON.parse(line) as { record: unknown }).record));
  return counts;
}

async function delivered(output: OutputId): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (output === 'file_0') for (const record of readRecords(outPath)) countInto(counts, idOf(record));
  if (output === 'stdout_0') for (const line of shipper.stdout.split('\n')) countInto(counts, ID_PATTERN.exec(line)?.[1]);
  if (output === 'kafka_0') for (const m of await consumeAll(topic).catch(() => [])) countInto(counts, idOf(JSON.parse(m.payload)));
  if (output === 'elasticsearch_0') for (const doc of await allDocs(index)) countInto(counts, idOf(doc._source));
  return counts;
}

async function seen(output: OutputId): Promise<Seen> {
  return { delivered: await delivered(output), deadLettered: deadLetters(output) };
}

/** Problems with one output's account of the lines: what is missing, doubled, or a normal line not delivered. */
function problems(lines: FuzzLine[], output: OutputId, s: Seen, byTransforms: Map<string, number>): string[] {
  const found: string[] = [];
  for (const line of lines) {
    const d = s.delivered.get(line.id) ?? 0;
    const dl = (s.deadLettered.get(line.id) ?? 0) + (byTransforms.get(line.id) ?? 0);
    if (!line.hostile && (d !== 1 || dl !== 0)) found.push(`${output}: normal line ${line.id} delivered ${d}×, dead-lettered ${dl}×`);
    if (line.hostile && d + dl !== 1) found.push(`${output}: hostile line ${line.id} (${line.kind}) delivered ${d}×, dead-lettered ${dl}×`);
  }
  return found;
}

describe('fuzz: hostile container output through every transform and output', () => {
  beforeAll(async () => {
    requireKafka();
    await requireElasticsearch();
    // the normal lines' fields are mapped up front: hostile shapes must not decide them
    await es('PUT', `/${index}`, {
      settings: { 'index.mapping.total_fields.limit': 20_000, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date_nanos' }, message: { type: 'text' }, fuzz: { type: 'keyword' }, level: { type: 'keyword' }, msg: { type: 'text' },
          stream: { type: 'keyword' }, source: { type: 'keyword' }, tag: { type: 'keyword' },
          container: { properties: { id: { type: 'keyword' }, name: { type: 'keyword' }, image: { properties: { name: { type: 'keyword' } } }, labels: { type: 'object', dynamic: false } } },
          host: { properties: { name: { type: 'keyword' } } },
          rx: { type: 'object', dynamic: false }, lf: { type: 'object', dynamic: false },
        },
      },
    });
    console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED}), budget ${BUDGET_MS / 1000} s, ${LINES_PER_ROUND} lines a round`);
    shipper = Shipper.run(pipeline, state);
    await shipper.ready();
  });

  afterAll(async () => {
    await shipper?.stop();
    await removeContainersWithLabel(label);
    await es('DELETE', `/${index}`).catch(() => undefined);
  });

  it('keeps delivering normal lines; each hostile line is delivered or dead-lettered exactly once, in every output', async () => {
    const started = Date.now();
    const all: FuzzLine[] = [];
    const sampledLines: FuzzLine[] = [];
    let round = 0;
    const kinds = new Map<string, number>();
    do {
      round += 1;
      const lines = roundLines(SEED, round, LINES_PER_ROUND);
      all.push(...lines);
      for (const l of lines) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
      await printInContainer(lines, `fuzz-${run}-${round}`);
      // a container whose lines go through retag and sample as well (sample keeps one in two)
      const sampled = roundLines(SEED + 1, SAMPLED_ROUNDS + round, 40);
      sampledLines.push(...sampled);
      await printInContainer(sampled, `fuzz-sampled-${run}-${round}`);

      const deadline = Date.now() + 120_000;
      let found: string[] = [];
      for (;;) {
        const byTransforms = deadLetters('transforms');
        found = [];
        for (const output of OUTPUTS) {
          const s = await seen(output);
          found.push(...problems(all, output, s, byTransforms));
          // sample drops one in two of these: each of the others at most once
          for (const line of sampledLines) {
            const times = (s.delivered.get(line.id) ?? 0) + (s.deadLettered.get(line.id) ?? 0) + (byTransforms.get(line.id) ?? 0);
            if (times > 1) found.push(`${output}: sampled line ${line.id} (${line.kind}) ${times}×`);
          }
        }
        if (found.length === 0 || Date.now() > deadline) break;
        if (shipper.process.exitCode !== null) throw new Error(`the shipper exited (${shipper.process.exitCode}): ${shipper.stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(found.slice(0, 20), `seed ${SEED}, round ${round}`).toEqual([]);
    } while (Date.now() - started < BUDGET_MS);

    expect(shipper.process.exitCode).toBeNull();
    // stderr holds logship's JSON log lines only: nothing a container printed breaks them
    for (const line of shipper.stderr.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
    const hostile = all.filter((l) => l.hostile).length;
    console.log(`fuzz seed ${SEED}: ${round} rounds, ${all.length} lines (${hostile} hostile: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}) in ${Math.round((Date.now() - started) / 1000)} s`);
  }, BUDGET_MS + 240_000);
});
