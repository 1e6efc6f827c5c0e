import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/record.js';
import { docker, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { KAFKA, consumeAll, messageCount, kafkaScript, requireKafka, waitForMessages, type ConsumedMessage } from '../helpers/kafka-cli.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const run = label.split('=')[1] as string;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));
beforeAll(() => requireKafka());

function kafkaPipeline(options = '', broker = KAFKA): string {
  return `inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
outputs:
  - type: kafka
    match: "docker.**"
    brokers: ["${broker}"]
    topic: "logs.{container.name}"
${options.replace(/^/gm, '    ')}
`;
}

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

async function waitForMessageCount(topic: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await messageCount(topic).catch(() => 0)) < count) {
    if (Date.now() > deadline) throw new Error(`topic ${topic} has fewer than ${count} messages after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Per container: which numbers arrived how often, and whether first arrivals kept their order. */
function audit(messages: ConsumedMessage[], n: number): { missing: number; duplicates: number; outOfOrder: number } {
  const ordered = [...messages].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const seen = new Map<number, number>();
  let last = 0;
  let outOfOrder = 0;
  for (const m of ordered) {
    const number = Number(/^out (\d+)$/.exec((JSON.parse(m.payload) as LogRecord).message)?.[1]);
    const times = seen.get(number) ?? 0;
    seen.set(number, times + 1);
    if (times === 0) {
      if (number < last) outOfOrder += 1;
      last = number;
    }
  }
  let missing = 0;
  let duplicates = 0;
  for (let i = 1; i <= n; i += 1) {
    const times = seen.get(i) ?? 0;
    if (times === 0) missing += 1;
    else duplicates += times - 1;
  }
  return { missing, duplicates, outOfOrder };
}

describe('kafka output against a real broker', () => {
  it('the acceptance pipeline: 100,000 lines of two containers, each exactly once, in order, keyed by container ID, with headers', async () => {
    const dir = tempDir();
    await startShipper(kafkaPipeline(), join(dir, 'state'));
    const a = await container(`ka-${run}-a`, numberedScript(50_000));
    const b = await container(`ka-${run}-b`, numberedScript(50_000));
    for (const [id, name] of [[a, `ka-${run}-a`], [b, `ka-${run}-b`]] as const) {
      const messages = await waitForMessages(`logs.${name}`, 50_000, 120_000);
      expect(audit(messages, 50_000)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0 });
      expect(messages).toHaveLength(50_000);
      expect(messages.every((m) => m.key === id)).toBe(true);
      expect(messages[0]?.headers).toEqual({ source: 'main', stream: 'stdout', 'container.name': name });
      const record = JSON.parse(messages[0]?.payload as string) as LogRecord;
      expect(record).toMatchObject({ message: 'out 1', source: 'main', stream: 'stdout', tag: `docker.main.${name}`, container: { id, name } });
    }
  });

  it('broker stopped for 30 s mid-run and restarted: no line lost, duplicates counted', async () => {
    const dir = tempDir();
    const shipper = await startShipper(kafkaPipeline(), join(dir, 'state'));
    const name = `ko-${run}`;
    const lines = 50_000;
    // about 50 s of writing: the outage falls in the middle, whatever the broker's shutdown takes
    await container(name, numberedScript(lines, { pauseEvery: 100, pauseUs: 100_000 }));
    await waitForMessageCount(`logs.${name}`, 2_000, 60_000);
    await kafkaScript('kafka-down.sh');
    try {
      expect(() => requireKafka()).toThrow(/no Kafka broker answers/);
      await new Promise((r) => setTimeout(r, 30_000));
      expect(shipper.stderr, shipper.stderr.slice(-3000)).toMatch(/output failing for \d+ records, retrying with backoff/);
    } finally {
      await kafkaScript('kafka-up.sh');
    }
    const messages = await waitForMessages(`logs.${name}`, lines, 120_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const result = audit(await consumeAll(`logs.${name}`), lines);
    console.log(`kafka outage of 30 s: ${messages.length} messages for ${lines} lines, ${result.duplicates} duplicates`);
    expect(result.missing).toBe(0);
    expect(result.outOfOrder).toBe(0);
    // resent at most what was in flight when the broker went away: one batch
    expect(result.duplicates).toBeLessThanOrEqual(10_000);
    await shipper.waitForLog('output recovered', 10_000);
  });

  it('kill -9 of the shipper mid-run: no line lost after the restart', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const name = `kk-${run}`;
    let shipper = Shipper.run(kafkaPipeline(), stateDir);
    await shipper.ready();
    await container(name, numberedScript(30_000, { pauseEvery: 1000, pauseUs: 50_000 }));
    await waitForMessageCount(`logs.${name}`, 8_000, 60_000);
    shipper.kill('SIGKILL');
    await shipper.exit();
    shipper = await startShipper(kafkaPipeline(), stateDir);
    await waitForMessages(`logs.${name}`, 30_000, 120_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const result = audit(await consumeAll(`logs.${name}`), 30_000);
    console.log(`kafka after kill -9: ${result.duplicates} duplicates`);
    expect(result.missing).toBe(0);
    expect(result.outOfOrder).toBe(0);
  });

  it("a record larger than the topic's max.message.bytes goes to the dead-letter file with the reason; the rest is delivered", async () => {
    const dir = tempDir();
    const name = `kd-${run}`;
    const admin = new kafkajs.Kafka({ brokers: [KAFKA], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: `logs.${name}`, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '100000' }] }] });
    await admin.disconnect();
    await startShipper(kafkaPipeline('compression: none'), join(dir, 'state'));
    // 200 KB of base64 noise between out 500 and out 501: over the topic's limit even compressed
    await container(name, `${numberedScript(500)}; head -c 150000 /dev/urandom | base64 | tr -d '\\n'; echo; i=501; while [ $i -le 1000 ]; do echo "out $i"; i=$((i+1)); done`);
    const messages = await waitForMessages(`logs.${name}`, 1000, 60_000);
    expect(audit(messages, 1000)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0 });
    const deadLetterFile = join(dir, 'state', 'dead-letter', 'kafka_0.jsonl');
    await new Promise((r) => setTimeout(r, 1000));
    expect(existsSync(deadLetterFile)).toBe(true);
    const deadLetters = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; reason: string; record: LogRecord });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.code).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(deadLetters[0]?.reason).toMatch(/message size limit/);
    expect(deadLetters[0]?.record.message.length).toBe(200_000);
  });

  it('SASL PLAIN and SCRAM-SHA-512 against the broker\'s SASL listener; a wrong password is retried and said, not fatal', async () => {
    for (const mechanism of ['plain', 'scram-sha-512']) {
      const dir = tempDir();
      const name = `ks-${mechanism}-${run}`;
      const sasl = `sasl: { mechanism: ${mechanism}, username: logship, password: logship-secret }`;
      const shipper = await startShipper(kafkaPipeline(sasl, '127.0.0.1:9094'), join(dir, 'state'));
      await container(name, numberedScript(200));
      expect(audit(await waitForMessages(`logs.${name}`, 200, 60_000), 200)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0 });
      await shipper.stop();
    }
    const dir = tempDir();
    const name = `ksw-${run}`;
    const shipper = await startShipper(kafkaPipeline('sasl: { mechanism: plain, username: logship, password: wrong }', '127.0.0.1:9094'), join(dir, 'state'));
    await container(name, numberedScript(10));
    await shipper.waitForLog('output failing', 30_000);
    expect(shipper.stderr).toMatch(/SASL|[Aa]uthentication/);
    expect(shipper.process.exitCode).toBeNull();
  });

  it('an unreachable broker at start is retried with backoff, not fatal; delivery starts once it answers', async () => {
    const dir = tempDir();
    const name = `ku-${run}`;
    // nothing listens on 19099 until the test starts a broker there
    const broker = '127.0.0.1:19099';
    const shipper = await startShipper(kafkaPipeline('', broker), join(dir, 'state'));
    await container(name, numberedScript(100));
    await shipper.waitForLog('output failing', 30_000);
    expect(shipper.process.exitCode).toBeNull();
    await kafkaScript('kafka-up.sh', { KAFKA_PORT: '19099', KAFKA_VERSION: '4.0.0' });
    cleanups.push(() => kafkaScript('kafka-down.sh', { KAFKA_PORT: '19099', KAFKA_VERSION: '4.0.0' }));
    // a Kafka 4 broker: kafkajs's protocol versions are all still served
    const messages = await waitForMessages(`logs.${name}`, 100, 120_000, broker);
    expect(audit(messages, 100)).toEqual({ missing: 0, duplicates: 0, outOfOrder: 0 });
    await shipper.waitForLog('output recovered', 10_000);
  });

  it('disk buffer: while the broker is down the lines are spooled and acknowledged; kill -9, broker back, restart: every line delivered', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const name = `kb-${run}`;
    const yaml = `api: { address: "127.0.0.1:0" }\n${kafkaPipeline('buffer: { type: disk, max_bytes: 64MiB }')}`;
    await kafkaScript('kafka-down.sh');
    let shipper: Shipper;
    try {
      shipper = Shipper.run(yaml, stateDir);
      await shipper.waitForLog('api listening');
      await shipper.ready();
      const api = /api listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(shipper.stderr)?.[1] as string;
      await container(name, numberedScript(3_000));
      const written = async () => {
        const body = await (await fetch(`http://${api}/metrics`)).text();
        return Number(/^logship_buffer_written_total\{output="kafka_0"\} (\d+)$/m.exec(body)?.[1] ?? 0);
      };
      const deadline = Date.now() + 60_000;
      while ((await written()) < 3_000) {
        if (Date.now() > deadline) throw new Error(`only ${await written()} of 3000 lines spooled`);
        await new Promise((r) => setTimeout(r, 300));
      }
      // give the checkpoint a second to cover them, then crash
      await new Promise((r) => setTimeout(r, 1_500));
      shipper.kill('SIGKILL');
      await shipper.exit();
    } finally {
      await kafkaScript('kafka-up.sh');
    }
    shipper = await startShipper(yaml, stateDir);
    await waitForMessages(`logs.${name}`, 3_000, 120_000);
    const result = audit(await consumeAll(`logs.${name}`), 3_000);
    expect(result.missing).toBe(0);
    expect(result.outOfOrder).toBe(0);
  });
});
