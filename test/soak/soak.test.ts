/**
 * Soak: two containers write numbered lines to stdout and to a file inside themselves; logship
 * ships both to Kafka and Elasticsearch, each behind a disk buffer, while it is killed with
 * kill -9 five times at random moments and Kafka and Elasticsearch are each stopped for 20 s.
 * At the end every number must be in Kafka (duplicates counted) and in Elasticsearch exactly once.
 *
 * Short form in CI (SOAK_SECONDS, default 90 s of writing); scripts/soak.sh runs it for longer.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { allDocs, es, esScript, requireElasticsearch } from '../helpers/es-cli.js';
import { consumeAll, kafkaScript, requireKafka } from '../helpers/kafka-cli.js';
import { peakRssMiB } from '../helpers/process-stats.js';
import { Shipper, tempDir } from '../helpers/shipper.js';
import { auditNumbers, randomMoments, type Audit } from './audit.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 90);
const KILLS = Number(process.env.SOAK_KILLS ?? 5);
const OUTAGE_MS = 20_000;
/** Loop iterations per second per container; each writes one stdout line and one file line. */
const RATE = Number(process.env.SOAK_RATE ?? 250);
const CONTAINERS = 2;
const N = SECONDS * RATE;

const label = uniqueLabel();
const run = (label.split('=')[1] as string).toLowerCase();
const topic = `soak-${run}`;
const index = `soak-${run}`;

beforeAll(async () => {
  requireKafka();
  await requireElasticsearch();
});
let shipper: Shipper | undefined;
afterAll(async () => {
  shipper?.kill('SIGKILL');
  await removeContainersWithLabel(label);
  await es('DELETE', `/${index}`).catch(() => undefined);
});

function pipeline(): string {
  return `api: { enabled: false }
inputs:
  - type: docker_logs
    id: main
    include: { labels: ["${label}"] }
  - type: docker_tail
    id: files
    include: { labels: ["${label}"] }
    paths: [/var/log/app.log]
outputs:
  - type: kafka
    id: kafka
    brokers: ["127.0.0.1:9092"]
    topic: ${topic}
    buffer: { type: disk, max_bytes: 256MiB }
  - type: elasticsearch
    id: es
    hosts: ["http://127.0.0.1:9200"]
    index: ${index}
    buffer: { type: disk, max_bytes: 256MiB }
`;
}

/** c<K> out <n> on stdout and c<K> file <n> into /var/log/app.log, RATE per second, then idle. */
function writerScript(k: number): string {
  const pauseEvery = Math.max(1, Math.round(RATE / 10));
  return `i=1; : > /var/log/app.log; while [ $i -le ${N} ]; do echo "c${k} out $i"; echo "c${k} file $i" >> /var/log/app.log; [ $((i % ${pauseEvery})) -eq 0 ] && usleep 100000; i=$((i+1)); done; echo done > /tmp/done; sleep 100000`;
}

async function allWritersDone(ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const done = await docker('exec', id, 'cat', '/tmp/done').catch(() => '');
    if (!done.includes('done')) return false;
  }
  return true;
}

describe('soak: kill -9 five times, Kafka and Elasticsearch each down for 20 s', () => {
  it(`every number arrives (${CONTAINERS} containers × stdout and a file × ${N} lines)`, { timeout: (SECONDS + 600) * 1000 }, async () => {
    const dir = tempDir('logship-soak-');
    const file = join(dir, 'pipeline.yaml');
    const stateDir = join(dir, 'state');
    writeFileSync(file, pipeline());
    const events: string[] = [];
    const started = Date.now();
    const note = (what: string): void => {
      events.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${what}`);
    };
    let peakRss = 0;
    shipper = new Shipper(['run', file, '--state-dir', stateDir]);
    await shipper.ready();
    const rssTimer = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, peakRssMiB(shipper?.process.pid as number));
      } catch {
        // between a kill and the restart
      }
    }, 250);

    const ids: string[] = [];
    for (let k = 1; k <= CONTAINERS; k += 1) ids.push(await runContainer({ label, name: `soak-${k}-${run.slice(-6)}`, script: writerScript(k) }));
    note(`${CONTAINERS} writers started, ${N} lines per stream each`);

    const windowMs = SECONDS * 1000;
    const outages = (async () => {
      await sleep(windowMs * 0.15);
      note('kafka: stopping');
      await kafkaScript('kafka-down.sh');
      await sleep(OUTAGE_MS);
      await kafkaScript('kafka-up.sh');
      note('kafka: back');
      await sleep(Math.max(0, started + windowMs * 0.55 - Date.now()));
      note('elasticsearch: stopping');
      await esScript('elasticsearch-down.sh');
      await sleep(OUTAGE_MS);
      await esScript('elasticsearch-up.sh');
      note('elasticsearch: back');
    })();
    let restarts = 0;
    for (const at of randomMoments(KILLS, 3000, windowMs - 3000, 4000)) {
      await sleep(Math.max(0, started + at - Date.now()));
      const killed: Shipper = shipper;
      killed.kill('SIGKILL');
      await killed.exit();
      note(`kill -9 #${restarts + 1} (pid ${killed.process.pid})`);
      await sleep(500);
      shipper = new Shipper(['run', file, '--state-dir', stateDir]);
      await shipper.waitForLog('logship started', 60_000);
      restarts += 1;
    }
    await outages;
    while (!(await allWritersDone(ids))) await sleep(1000);
    note('writers done');

    // wait until both destinations hold every line (or time runs out), then audit
    const expected = CONTAINERS * 2 * N;
    let kafkaAudit: Audit | undefined;
    let esAudit: Audit | undefined;
    const deadline = Date.now() + 300_000;
    for (;;) {
      kafkaAudit = auditNumbers((await consumeAll(topic)).map((m) => (JSON.parse(m.payload) as { message: string }).message), CONTAINERS, N);
      esAudit = auditNumbers((await allDocs(index)).map((d) => d._source.message), CONTAINERS, N);
      if ((kafkaAudit.missing === 0 && esAudit.missing === 0) || Date.now() > deadline) break;
      await sleep(3000);
    }
    note('audit');
    const stopCode = await (shipper as Shipper).stop();
    clearInterval(rssTimer);

    console.log(
      [
        '',
        `soak: ${SECONDS} s of writing, ${expected} lines, ${restarts} kill -9, Kafka and Elasticsearch each down ${OUTAGE_MS / 1000} s`,
        ...events,
        '',
        '| destination | lines expected | present | missing | duplicated lines | extra copies |',
        '| --- | --- | --- | --- | --- | --- |',
        `| Kafka | ${expected} | ${kafkaAudit.present} | ${kafkaAudit.missing} | ${kafkaAudit.duplicated} | ${kafkaAudit.extraCopies} |`,
        `| Elasticsearch | ${expected} | ${esAudit.present} | ${esAudit.missing} | ${esAudit.duplicated} | ${esAudit.extraCopies} |`,
        '',
        `peak RSS of a shipper process: ${peakRss.toFixed(0)} MiB`,
      ].join('\n'),
    );
    expect(restarts).toBe(KILLS);
    expect(kafkaAudit.unexpected).toEqual([]);
    expect(kafkaAudit.missing).toBe(0);
    expect(esAudit.unexpected).toEqual([]);
    expect(esAudit.missing).toBe(0);
    expect(esAudit.extraCopies).toBe(0);
    expect(stopCode).toBe(0);
    // bounded: queues and batches are capped; a leak over five restarts and two outages would show
    expect(peakRss).toBeLessThan(1024);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
