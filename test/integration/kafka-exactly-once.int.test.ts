import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { KAFKA, kafkaScript, requireKafka } from '../helpers/kafka-cli.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const exec = promisify(execFile);
const label = uniqueLabel();
const run = label.split('=')[1] as string;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

/** A Kafka 4 broker of this file's own, restarted in the middle of a run without disturbing the other tests' broker. */
const KAFKA_4 = { KAFKA_PORT: '19199', KAFKA_VERSION: '4.0.0' };
const BROKER_4 = '127.0.0.1:19199';

beforeAll(async () => {
  requireKafka();
  await kafkaScript('kafka-up.sh', KAFKA_4);
  requireKafka(BROKER_4);
}, 240_000);
afterAll(() => kafkaScript('kafka-down.sh', KAFKA_4), 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scenario {
  /** Unique per test: topic, positions topic and container labels. */
  name: string;
  broker: string;
  delivery: 'exactly_once' | 'at_least_once';
  /** Host name: the transactional id is made of it and the output id. */
  host?: string;
  outputOptions?: string;
}

function pipeline(s: Scenario): string {
  return `host_name: ${s.host ?? `host-${s.name}`}
api: { address: "127.0.0.1:0" }
inputs:
  - type: docker_logs
    include: { labels: ["${label}-${s.name}-logs"] }
  - type: docker_tail
    include: { labels: ["${label}-${s.name}-tail"] }
    paths: ["/var/log/app.log"]
outputs:
  - type: kafka
    brokers: ["${s.broker}"]
    topic: "eo-${s.name}"
    delivery: ${s.delivery}
    positions_topic: "positions-${s.name}"
${(s.outputOptions ?? '').replace(/^/gm, '    ')}
`;
}

/** Containers printing "line 1".."line N": half to stdout (docker_logs), half to /var/log/app.log (docker_tail); paced so kills land mid-stream. */
async function startContainers(s: Scenario, containers: number, lines: number, linesPerTenthOfSecond = 500): Promise<string[]> {
  const ids: string[] = [];
  for (let c = 0; c < containers; c++) {
    const toFile = c % 2 === 1;
    const target = toFile ? ' >> /var/log/app.log' : '';
    const script = `${toFile ? 'touch /var/log/app.log; ' : ''}i=1; while [ $i -le ${lines} ]; do echo "line $i"${target}; [ $((i % ${linesPerTenthOfSecond})) -eq 0 ] && usleep 100000; i=$((i+1)); done; sleep 3600`;
    const id = await runContainer({ label: `${label}-${s.name}-${toFile ? 'tail' : 'logs'}`, script });
    cleanups.push(() => docker('rm', '-f', id));
    ids.push(id);
  }
  return ids;
}

/** Every value a read_committed consumer (kcat) sees in the topic, in offset order (one partition). */
async function committedValues(topic: string, broker: string): Promise<string[]> {
  const { stdout } = await exec('kcat', ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%s\n'], { maxBuffer: 1024 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean);
}

/** Per container: numbers missing, numbers seen more than once, and first arrivals out of order. */
function audit(values: string[], ids: string[], lines: number): { missing: number; duplicates: number; outOfOrder: number; foreign: number } {
  const seen = new Map(ids.map((id) => [id, new Uint8Array(lines + 1)]));
  const last = new Map(ids.map((id) => [id, 0]));
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  for (const value of values) {
    const record = JSON.parse(value) as { message: string; container: { id: string } };
    const counts = seen.get(record.container.id);
    const n = Number(/^line (\d+)$/.exec(record.message)?.[1]);
    if (!counts || !(n >= 1 && n <= lines)) {
      foreign += 1;
      continue;
    }
    if (counts[n]! > 0) duplicates += 1;
    else {
      if (n < last.get(record.container.id)!) outOfOrder += 1;
      last.set(record.container.id, n);
    }
    counts[n] = Math.min(255, counts[n]! + 1);
  }
  let missing = 0;
  for (const counts of seen.values()) for (let n = 1; n <= lines; n++) if (counts[n] === 0) missing += 1;
  return { missing, duplicates, outOfOrder, foreign };
}

async function waitForCommitted(topic: string, broker: string, count: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await committedValues(topic, broker);
    if (values.length >= count) return values;
    if (Date.now() > deadline) throw new Error(`${topic}: ${values.length} of ${count} records committed after ${timeoutMs} ms`);
    await sleep(1000);
  }
}

/**
 * Runs the scenario with `kills` kill -9s of the shipper at random moments (0.3–2 s after each
 * start), restarting the broker once halfway when `brokerRestart`; returns what a read_committed
 * consumer sees once every line is in (and a little longer, for late duplicates).
 */
async function crashRun(s: Scenario, options: { containers: number; lines: number; kills: number; brokerRestart?: typeof KAFKA_4 }) {
  const stateDir = join(tempDir(), 'state');
  const yaml = pipeline(s);
  let shipper = Shipper.run(yaml, stateDir);
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  const ids = await startContainers(s, options.containers, options.lines);
  for (let kill = 1; kill <= options.kills; kill++) {
    await sleep(300 + Math.random() * 1700);
    if (options.brokerRestart && kill === Math.ceil(options.kills / 2)) {
      await kafkaScript('kafka-down.sh', options.brokerRestart);
      await sleep(2000);
      await kafkaScript('kafka-up.sh', options.brokerRestart);
    }
    shipper.kill('SIGKILL');
    await shipper.exit();
    shipper = Shipper.run(yaml, stateDir);
    await shipper.ready();
  }
  const total = options.containers * options.lines;
  await waitForCommitted(`eo-${s.name}`, s.broker, total, 180_000);
  await sleep(3000);
  const values = await committedValues(`eo-${s.name}`, s.broker);
  expect(await shipper.stop()).toBe(0);
  const result = audit(values, ids, options.lines);
  process.stdout.write(`${s.delivery}, ${options.kills} kills${options.brokerRestart ? ' and a broker restart' : ''}: ${values.length} records read_committed for ${options.containers * options.lines} lines, ${JSON.stringify(result)}\n`);
  return { shipper, ids, values, result };
}

describe('kafka output, delivery: exactly_once', () => {
  it('200,000 lines from 4 containers (docker_logs and docker_tail), kill -9 ×20 and a broker restart: a read_committed consumer sees each line once, in order (Kafka 4.0)', async () => {
    const s: Scenario = { name: `x4-${run}`, broker: BROKER_4, delivery: 'exactly_once' };
    const { values, result } = await crashRun(s, { containers: 4, lines: 50_000, kills: 20, brokerRestart: KAFKA_4 });
    expect(result).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(values).toHaveLength(200_000);
  }, 600_000);

  it('the same crashes with the default at-least-once delivery leave duplicates (the audit above can fail)', async () => {
    const s: Scenario = { name: `al-${run}`, broker: KAFKA, delivery: 'at_least_once' };
    const { result } = await crashRun(s, { containers: 4, lines: 10_000, kills: 5 });
    expect(result.missing).toBe(0);
    expect(result.duplicates).toBeGreaterThan(0);
  }, 300_000);

  it('Kafka 3.9: kill -9 ×5 with a disk buffer: each line once', async () => {
    const s: Scenario = { name: `xb-${run}`, broker: KAFKA, delivery: 'exactly_once', outputOptions: 'buffer: { type: disk, max_bytes: 64MiB }' };
    const { values, result } = await crashRun(s, { containers: 2, lines: 20_000, kills: 5 });
    expect(result).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(values).toHaveLength(40_000);
  }, 300_000);

  it('docker_tail: a file copy-truncated in place that starts again with the same 64-byte header: the lines after the truncation are not taken for replays', async () => {
    const s: Scenario = { name: `ct-${run}`, broker: KAFKA, delivery: 'exactly_once' };
    const shipper = Shipper.run(pipeline(s), join(tempDir(), 'state'));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const header = 'printf "#Software: logship-test 1.0 -- a header line longer than sixty-four bytes\\n" >> /var/log/app.log';
    const lines = (from: number, to: number) => `i=${from}; while [ $i -le ${to} ]; do echo "line $i" >> /var/log/app.log; i=$((i+1)); done`;
    // after the truncation the file stays short for 2 s: a file that grows back past the old offset
    // before the wrapper looks cannot be told from the old one (at-least-once misreads it too)
    const script = `${header}; ${lines(1, 3000)}; sleep 4; : > /var/log/app.log; ${header}; ${lines(3001, 3010)}; sleep 2; ${lines(3011, 6000)}; sleep 3600`;
    const id = await runContainer({ label: `${label}-${s.name}-tail`, script });
    cleanups.push(() => docker('rm', '-f', id));
    const values = await waitForCommitted(`eo-${s.name}`, s.broker, 6002, 60_000).catch(async () => committedValues(`eo-${s.name}`, s.broker));
    await sleep(2000);
    expect(audit(await committedValues(`eo-${s.name}`, s.broker), [id], 6000)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0, foreign: 2 });
    expect(values.length).toBeGreaterThanOrEqual(6002);
  }, 120_000);

  it('reloads that change the output while lines flow: it commits before handing over, each line once', async () => {
    const s: Scenario = { name: `r-${run}`, broker: KAFKA, delivery: 'exactly_once' };
    const dir = tempDir();
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, pipeline(s));
    const shipper = new Shipper(['run', file, '--state-dir', join(dir, 'state')]);
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const ids = await startContainers(s, 2, 20_000, 200);
    const restarts = () => shipper.stderr.match(/reload: output kafka_0 restarted with its new configuration/g)?.length ?? 0;
    for (const [i, interval] of [50, 500, 100].entries()) {
      await sleep(1500);
      writeFileSync(file, pipeline({ ...s, outputOptions: `transaction_interval: ${interval}` }));
      shipper.kill('SIGHUP');
      for (const deadline = Date.now() + 30_000; restarts() <= i; await sleep(100)) if (Date.now() > deadline) throw new Error(`reload ${i + 1} did not restart the output:\n${shipper.stderr}`);
    }
    await waitForCommitted(`eo-${s.name}`, s.broker, 40_000, 120_000);
    await sleep(3000);
    expect(audit(await committedValues(`eo-${s.name}`, s.broker), ids, 20_000)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(shipper.stderr.match(/reload: output kafka_0 restarted with its new configuration/g)).toHaveLength(3);
    expect(shipper.log().problems.filter((p) => /fenced|took over/.test(p))).toEqual([]);
  }, 300_000);

  it('two shippers on the same host and output: the older one is fenced and says so, nothing is doubled', async () => {
    const s: Scenario = { name: `f-${run}`, broker: KAFKA, delivery: 'exactly_once' };
    const yaml = pipeline(s);
    const older = Shipper.run(yaml, join(tempDir(), 'state'));
    cleanups.push(() => older.stop());
    await older.ready();
    // 1,000 lines a second each: still printing when the second shipper starts
    const ids = await startContainers(s, 2, 20_000, 100);
    // (a read_committed kcat only ends once no transaction is open: it cannot tell progress while lines flow)
    await sleep(3000);
    const newer = Shipper.run(yaml, join(tempDir(), 'state'));
    cleanups.push(() => newer.stop());
    await newer.ready();
    await older.waitForLog('took over transactional id', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\nthe newer one's log:\n${newer.stderr}`);
    });
    expect(older.process.exitCode).toBeNull();
    const values = await waitForCommitted(`eo-${s.name}`, s.broker, 40_000, 120_000);
    await sleep(3000);
    expect(audit(await committedValues(`eo-${s.name}`, s.broker), ids, 20_000)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(values.length).toBeGreaterThanOrEqual(40_000);
    expect(newer.log().problems.filter((p) => p.includes('took over'))).toEqual([]);
  }, 300_000);
});
