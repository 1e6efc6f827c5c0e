// Benchmark: logship's kafka output against kcat (librdkafka) on the same broker, the whole
// path docker_logs → kafka against the raw read rate of `docker logs -t`, and that path with
// `delivery: exactly_once` against `at_least_once` (issue 22). See README.md.
// Run with `node bench/kafka/run.mjs` after `npm run build` (bench/run.sh does both), with a
// broker (scripts/kafka-up.sh). kafkajs serves for topic admin and offset polling only.

import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { containerLogPath, containerTimes, countDockerLogLines, dockerSync, removeContainer, requireDockerImage, timeDockerLogs } from '../lib/docker.js';
import { BrokerAdmin } from '../lib/kafka-admin.js';
import { kcatVersion, lastMessageSizes, produceWithKcat, streamValues } from '../lib/kcat.js';
import { checkSequence, LineCounter, SEQUENCE_LINE_BYTES, sequenceScript, type SequenceCheck } from '../lib/output.js';
import { missingBuild } from '../lib/paths.js';
import { pollUntil } from '../lib/progress.js';
import { procCpuSeconds, procStatusKiB } from '../lib/proc.js';
import { printProfiles } from '../lib/profile.js';
import { attempt, EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session, sleep } from '../lib/session.js';
import { Shipper } from '../lib/shipper.js';
import { jsonLogLine } from '../../src/inputs/generator/log-line.js';
import { fmt, median, printTable, spread, type Column } from '../lib/stats.js';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd', 'none'];

const USAGE = `Usage: node bench/kafka/run.mjs [options]
  --runs N            runs of every measurement (default $BENCH_RUNS, else 3)
  --records N         producer test: records per run (default 1000000)
  --values KIND       producer test: json-log (JSON application log lines, about 110 bytes, which
                      compress like real logs: the default) or padded (message-bytes of "<n> xxx…")
  --message-bytes N   producer test with --values padded: generator message_bytes (default 200)
  --compression LIST  producer test: codecs, comma-separated (default gzip,lz4; also snappy,zstd,none)
  --lines N           end-to-end and delivery tests: lines the container prints (default 500000,
                      at most 9999999)
  --e2e-compression C end-to-end and delivery tests: codec (default gzip)
  --skip-producer     skip the producer test
  --skip-e2e          skip the end-to-end test
  --skip-delivery     skip the delivery test (docker_logs → kafka with delivery: exactly_once
                      against at_least_once, same finished log, same run)
  --delivery-option K=V  delivery test: set an option of the exactly_once shipper's kafka output
                      only (repeatable; e.g. transaction_interval=1000); wins over --output-option
  --no-verify         end-to-end: skip the full read-back with kcat (offsets are still checked);
                      the delivery test always reads both topics back
  --ref-reps N        timed \`docker logs -t\` reads per end-to-end run (default 3)
  --timeout S         give up on one shipper run after S seconds (default 300)
  --brokers LIST      bootstrap brokers (default 127.0.0.1:9092)
  --output-option K=V set an option of logship's kafka output in every test (repeatable; V is YAML,
                      e.g. 'headers={}', 'linger=5', 'batch_max_bytes=4MiB'); kcat is unchanged
  --image IMAGE       busybox image with sh and awk (default logship-test/busybox:1)
  --cpu-prof DIR      run the producer-test shipper under \`node --cpu-prof\`, keep the profiles in
                      DIR and print each one's top self-time functions (slows the shipper a little)
  --json FILE         also write the results as JSON to FILE
  --keep              keep the temporary directory (kcat input file, pipelines, shipper stderr)
  --keep-topics       do not delete the topics this run created
Exit status: 0 every count exact; 1 records missing/duplicated or a run failed; 2 setup problem.`;

const POLL_MS = 100;
const STALL_MS = 30_000;
const MAX_TRIES = 4;
/** Output options the delivery test sets on the exactly_once shipper itself, new for every run. */
const EO_RESERVED = ['delivery', 'transactional_id', 'positions_topic'];

const options = parseOptions(
  USAGE,
  {
    runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
    records: { type: 'string', default: '1000000' },
    'message-bytes': { type: 'string', default: '200' },
    values: { type: 'string', default: 'json-log' },
    compression: { type: 'string', default: 'gzip,lz4' },
    lines: { type: 'string', default: '500000' },
    'e2e-compression': { type: 'string', default: 'gzip' },
    'skip-producer': { type: 'boolean', default: false },
    'skip-e2e': { type: 'boolean', default: false },
    'skip-delivery': { type: 'boolean', default: false },
    'delivery-option': { type: 'string', multiple: true, default: [] },
    'no-verify': { type: 'boolean', default: false },
    'ref-reps': { type: 'string', default: '3' },
    timeout: { type: 'string', default: '300' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'output-option': { type: 'string', multiple: true, default: [] },
    image: { type: 'string', default: 'logship-test/busybox:1' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'keep-topics': { type: 'boolean', default: false },
  },
  (v) => {
    if (v['skip-producer'] && v['skip-e2e'] && v['skip-delivery']) throw new Error('--skip-producer, --skip-e2e and --skip-delivery leave nothing to measure');
    const codecs = (v.compression as string).split(',').map((c) => c.trim()).filter(Boolean);
    for (const c of [...codecs, v['e2e-compression'] as string]) if (!CODECS.includes(c)) throw new Error(`unknown compression ${c} (one of ${CODECS.join(', ')})`);
    const setByBench = ['type', 'brokers', 'topic', 'compression', 'create_topics', 'match', 'id'];
    const optionPairs = (flag: string, texts: string[], reserved: readonly string[], why: string): Array<[name: string, value: string]> =>
      texts.map((text) => {
        const m = /^([a-z_]+)=(.*)$/s.exec(text);
        if (!m) throw new Error(`${flag} ${text}: expected NAME=VALUE`);
        if (setByBench.includes(m[1] as string)) throw new Error(`${flag} ${m[1]} is set by the benchmark itself`);
        if (reserved.includes(m[1] as string)) throw new Error(`${flag} ${m[1]}: ${why}`);
        return [m[1] as string, m[2] as string];
      });
    const outputPairs = optionPairs('--output-option', v['output-option'] as string[], ['delivery'], 'not here (the producer and end-to-end tests count by high watermark, which counts transaction markers too); the delivery test measures exactly_once');
    const deliveryPairs = optionPairs('--delivery-option', v['delivery-option'] as string[], EO_RESERVED, 'set by the delivery test itself (new for every run)');
    const outputOptions = outputPairs.map(([name, value]) => `    ${name}: ${value}`);
    // the exactly_once shipper: --output-option, each name given again by --delivery-option replaced
    const deliveryNames = new Set(deliveryPairs.map(([name]) => name));
    const exactlyOnceOptions = [...outputPairs.filter(([name]) => !deliveryNames.has(name)), ...deliveryPairs].map(([name, value]) => `    ${name}: ${value}`);
    if (codecs.length === 0) throw new Error('--compression lists no codec');
    if (v.values !== 'json-log' && v.values !== 'padded') throw new Error(`--values ${String(v.values)}: json-log or padded`);
    return {
      outputOptions,
      deliveryOptions: deliveryPairs.map(([name, value]) => `${name}: ${value}`),
      exactlyOnceOptions,
      runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
      records: positiveInt(v.records as string, '--records'),
      messageBytes: positiveInt(v['message-bytes'] as string, '--message-bytes', 1_000_000),
      values: v.values as 'json-log' | 'padded',
      codecs: [...new Set(codecs)],
      lines: positiveInt(v.lines as string, '--lines', 9_999_999),
      e2eCodec: v['e2e-compression'] as string,
      producer: !v['skip-producer'],
      e2e: !v['skip-e2e'],
      delivery: !v['skip-delivery'],
      verify: !v['no-verify'],
      refReps: positiveInt(v['ref-reps'] as string, '--ref-reps'),
      timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
      brokers: (v.brokers as string).split(',').map((b) => b.trim()).filter(Boolean),
      image: v.image as string,
      cpuProf: typeof v['cpu-prof'] === 'string' ? resolve(v['cpu-prof']) : undefined,
      json: v.json as string | undefined,
      keep: v.keep === true,
      keepTopics: v['keep-topics'] === true,
    };
  },
);

// Topics are deleted at the end of main(); on other exit paths (a signal, a failure) by the
// session's cleanup, synchronously.
const session = new Session({ keep: options.keep });
const BENCH_LABEL = `logship.bench=kafka-${session.runId}`;
session.containerLabels.push(BENCH_LABEL);
const broker = new BrokerAdmin(options.brokers, `logship-bench-${session.runId}`);
const BROKERS = options.brokers.join(',');
session.onCleanup.push(() => {
  if (!options.keepTopics && !broker.deleteTopicsSync()) log(`could not delete the topics bench-${session.runId}-*; they stay on the broker`);
});

interface Result {
  run: number | string;
  codec: string;
  errors: string[];
  failed?: boolean;
  disturbedTries?: number;
  disturbed?: string[];
  brokerGone?: boolean;
  brokerErrors?: number;
  // producer test
  topic?: string;
  logshipTopic?: string;
  kcatFirstMessageSeconds?: number;
  kcatSeconds?: number;
  kcatCpuSeconds?: number;
  kcatPeakRssMiB?: number;
  kcatInTopic?: number;
  kcatMsgsPerSec?: number;
  logshipSeconds?: number;
  logshipMsgsPerSec?: number;
  steadyMsgsPerSec?: number;
  logshipValueBytes?: number;
  logshipKeyBytes?: number;
  ratio?: number;
  cpuRatio?: number;
  profile?: string;
  extra?: number;
  // both
  firstMessageSeconds?: number;
  countAtFirst?: number;
  shipperSeconds?: number;
  reachedAt?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  inTopic?: number;
  missing?: number;
  duplicates?: number;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number>;
  // end to end
  container?: string;
  shipperLinesPerSec?: number;
  producerSeconds?: number;
  tailLagSeconds?: number;
  referenceSeconds?: number;
  referenceAll?: number[];
  referenceLinesPerSec?: number;
  verified?: boolean;
  foreign?: number;
  wrongFields?: number;
  outOfOrder?: number;
}

/**
 * Polls a topic's message count every POLL_MS until it reaches `target` (or a stall, the
 * shipper's exit, or the timeout). Meanwhile samples the shipper's RSS. Records the timings
 * relative to t0, and the shipper's peak RSS and CPU time at the moment the target was reached.
 */
async function waitForCount(topic: string, target: number, t0: number, shipper: Shipper, result: Result): Promise<void> {
  let peakSampledKiB = 0;
  result.brokerErrors = 0;
  const end = await pollUntil({
    read: () => {
      const rss = procStatusKiB(shipper.pid, 'VmRSS');
      if (rss > peakSampledKiB) peakSampledKiB = rss;
      return broker.topicCount(topic);
    },
    target,
    unit: 'messages',
    everyMs: POLL_MS,
    stallMs: STALL_MS,
    timeoutMs: options.timeoutMs,
    t0: () => t0,
    exited: () => shipper.isDone(),
    seen: (count, now) => {
      if (count > 0 && result.firstMessageSeconds === undefined) {
        result.firstMessageSeconds = (now - t0) / 1000;
        result.countAtFirst = count;
      }
    },
  });
  if (end.gone) {
    // the broker went away (restarted by other tests): this measurement is void, attempt() repeats it
    result.brokerErrors += 1;
    result.brokerGone = true;
    result.errors.push(`broker went away at ${end.count} of ${target} messages`);
  }
  if (end.error) result.errors.push(end.error);
  if (end.reachedAt !== undefined) {
    result.shipperSeconds = (end.reachedAt - t0) / 1000;
    result.reachedAt = Date.now();
  }
  result.peakRssMiB = Math.max(procStatusKiB(shipper.pid, 'VmHWM') || 0, peakSampledKiB) / 1024 || NaN;
  result.cpuSeconds = procCpuSeconds(shipper.pid);
}

function startShipper(dir: string, tag: string, pipeline: string[], profile: boolean): Shipper {
  return Shipper.start({ dir, tag, pipeline, session, ...(profile && options.cpuProf ? { cpuProf: { dir: options.cpuProf, name: `logship-kafka-${session.runId}-${tag}.cpuprofile` } } : {}) });
}

/** Stops the shipper, then reads the topic's final count: more than expected means duplicates. */
async function stopAndCount(shipper: Shipper, topic: string, expected: number, result: Result): Promise<void> {
  if (result.brokerGone) {
    shipper.kill('SIGKILL');
    await shipper.exitInfo();
    return;
  }
  const exit = await shipper.stopWithin();
  if (exit.code !== 0) result.errors.push(`logship exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const { problems, metrics } = shipper.log();
  result.shipperProblems = problems;
  result.shipperMetrics = metrics;
  const count = await broker.finalCount(topic, 'final count');
  result.inTopic = count;
  result.missing = Math.max(0, expected - count);
  result.extra = Math.max(0, count - expected);
}

// ---------------------------------------------------------------------------------------------
// producer test: kcat reference and logship generator → kafka

const GENERATOR_KEY = 'generator-generator_0-0'; // container.id of the generator's first (only) container
const GENERATOR_HEADERS = { source: 'main', stream: 'stdout', 'container.name': 'generator-0' };

/**
 * The kcat input: one `key<TAB>value` line per record, the value being the JSON record logship's
 * generator produces (same fields, same message of message_bytes, same key and headers), with
 * realistic nanosecond timestamps. Returns the average value size.
 */
function writeKcatInput(path: string): number {
  const fd = openSync(path, 'w');
  const host = { name: process.env.NODE_NAME ?? hostname() };
  const container = { id: GENERATOR_KEY, name: 'generator-0', image: { name: 'logship/generator' }, labels: {} };
  const hostJson = JSON.stringify(host);
  const containerJson = JSON.stringify(container);
  const padding = 'x'.repeat(options.messageBytes);
  const base = Date.now();
  let valueBytes = 0;
  let chunk = '';
  for (let n = 1; n <= options.records; n++) {
    const prefix = `${n} `;
    const message = options.values === 'json-log' ? jsonLogLine(0, n) : prefix.length >= options.messageBytes ? prefix.trimEnd() : prefix + padding.slice(prefix.length);
    // ~4 µs apart, like a generator running at ~250k records/s
    const ns = n * 4_321;
    const ms = base + Math.floor(ns / 1e6);
    const sub = String(ns % 1e6).padStart(6, '0');
    const timestamp = `${new Date(ms).toISOString().slice(0, 23)}${sub}Z`;
    const value = `{"@timestamp":${JSON.stringify(timestamp)},"message":${JSON.stringify(message)},"stream":"stdout","source":"main","tag":"generator.generator-0","container":${containerJson},"host":${hostJson}}`;
    valueBytes += Buffer.byteLength(value);
    chunk += `${GENERATOR_KEY}\t${value}\n`;
    if (chunk.length > 4 * 1024 * 1024) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  if (chunk) writeSync(fd, chunk);
  closeSync(fd);
  return valueBytes / options.records;
}

/** kcat -P with logship's defaults (acks=all, idempotence), timed from spawn to exit (it flushes on exit). */
async function measureKcat(index: number, codec: string, inputPath: string, dir: string, result: Result): Promise<void> {
  const topic = await broker.createTopic(`bench-${session.runId}-r${index}-kcat-${codec}`);
  result.topic = topic;
  // poll as for logship (same load on the broker; notices a broker restart meanwhile)
  const poll = async (t0: number): Promise<boolean> => {
    const count = await broker.topicCount(topic);
    if (count > 0 && result.kcatFirstMessageSeconds === undefined) result.kcatFirstMessageSeconds = (performance.now() - t0) / 1000;
    return !Number.isNaN(count);
  };
  const kcat = await produceWithKcat(session, { brokers: BROKERS, topic, codec, input: inputPath, headers: GENERATOR_HEADERS, dir, tag: codec, poll, everyMs: POLL_MS });
  if (kcat.aborted) {
    // the broker went away: void, attempt() repeats it
    result.brokerGone = true;
    result.errors.push('broker went away while kcat was producing');
    return;
  }
  if (kcat.exit.code !== 0) result.errors.push(`kcat exited with ${kcat.exit.code ?? kcat.exit.signal}: ${kcat.stderrTail}`);
  result.kcatSeconds = kcat.seconds;
  result.kcatCpuSeconds = kcat.cpuSeconds;
  result.kcatPeakRssMiB = kcat.peakRssMiB;
  const count = await broker.finalCount(topic, 'kcat count');
  result.kcatInTopic = count;
  if (count !== options.records) result.errors.push(`kcat: topic holds ${count} of ${options.records} messages`);
  else result.kcatMsgsPerSec = options.records / (result.kcatSeconds ?? NaN);
}

/** logship generator → kafka, timed from spawning the shipper until the topic holds every record. */
async function measureLogshipProducer(index: number, codec: string, dir: string, result: Result): Promise<void> {
  const topic = await broker.createTopic(`bench-${session.runId}-r${index}-logship-${codec}`);
  result.logshipTopic = topic;
  const shipper = startShipper(dir, `producer-${codec}`, ['inputs:', '  - type: generator', `    count: ${options.records}`, `    message_bytes: ${options.messageBytes}`, `    message: ${options.values === 'json-log' ? 'json_log' : 'padded'}`, 'outputs:', '  - type: kafka', `    brokers: ${JSON.stringify(options.brokers)}`, `    topic: ${JSON.stringify(topic)}`, `    compression: ${codec}`, '    create_topics: false', ...options.outputOptions], Boolean(options.cpuProf));
  const t0 = performance.now();
  result.profile = shipper.profile;
  const timing: Result = { run: index, codec, errors: result.errors };
  await waitForCount(topic, options.records, t0, shipper, timing);
  result.logshipSeconds = timing.shipperSeconds;
  result.firstMessageSeconds = timing.firstMessageSeconds;
  result.logshipMsgsPerSec = options.records / (timing.shipperSeconds ?? NaN);
  if (timing.shipperSeconds !== undefined && timing.firstMessageSeconds !== undefined && timing.shipperSeconds > timing.firstMessageSeconds) {
    result.steadyMsgsPerSec = (options.records - (timing.countAtFirst ?? 0)) / (timing.shipperSeconds - timing.firstMessageSeconds);
  }
  result.peakRssMiB = timing.peakRssMiB;
  result.cpuSeconds = timing.cpuSeconds;
  result.brokerErrors = timing.brokerErrors;
  result.brokerGone = timing.brokerGone;
  await stopAndCount(shipper, topic, options.records, result);
  if (result.brokerGone) return;
  const sizes = lastMessageSizes(topic, BROKERS);
  result.logshipValueBytes = sizes.value;
  result.logshipKeyBytes = sizes.key;
}

async function measureProducer(index: number, codec: string, inputPath: string, tmp: string): Promise<Result> {
  const dir = join(tmp, `run${index}-${codec}`);
  mkdirSync(dir, { recursive: true });
  const result: Result = { run: index, codec, errors: [] };
  // alternate which one goes first, so neither always gets the fresher broker (log segments, GC)
  const kcatFirst = index % 2 === 1;
  if (kcatFirst) await measureKcat(index, codec, inputPath, dir, result);
  if (!result.brokerGone) await measureLogshipProducer(index, codec, dir, result);
  if (!kcatFirst && !result.brokerGone) await measureKcat(index, codec, inputPath, dir, result);
  result.ratio = (result.logshipMsgsPerSec ?? NaN) / (result.kcatMsgsPerSec ?? NaN);
  result.cpuRatio = (result.kcatCpuSeconds ?? NaN) / (result.cpuSeconds ?? NaN);
  log(`run ${index} ${codec}: kcat ${fmt(result.kcatMsgsPerSec)}/s, logship ${fmt(result.logshipMsgsPerSec)}/s (ratio ${fmt(result.ratio, 2)})${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// end-to-end test: one busybox container → docker_logs → kafka

async function measureEndToEnd(index: number, tmp: string): Promise<Result> {
  const dir = join(tmp, `run${index}-e2e`);
  mkdirSync(dir, { recursive: true });
  const name = `logship-bench-kafka-${session.runId}-${index}`;
  const result: Result = { run: index, codec: options.e2eCodec, container: name, errors: [] };
  const topic = await broker.createTopic(`bench-${session.runId}-r${index}-e2e`);
  result.topic = topic;
  const shipper = startShipper(dir, 'e2e', ['inputs:', '  - type: docker_logs', '    include:', `      names: [${JSON.stringify(name)}]`, 'outputs:', '  - type: kafka', `    brokers: ${JSON.stringify(options.brokers)}`, `    topic: ${JSON.stringify(topic)}`, `    compression: ${options.e2eCodec}`, '    create_topics: false', ...options.outputOptions], false);
  await shipper.ready({ settleMs: 500, timeoutMs: 15_000 });
  dockerSync(['create', '--network', 'none', '--name', name, '--label', BENCH_LABEL, '--log-driver', 'json-file', options.image, 'sh', '-c', sequenceScript(options.lines)]);
  session.containers.add(name);
  const t0 = performance.now();
  dockerSync(['start', name]);
  await waitForCount(topic, options.lines, t0, shipper, result);
  result.shipperLinesPerSec = options.lines / (result.shipperSeconds ?? NaN);
  await stopAndCount(shipper, topic, options.lines, result);
  if (result.brokerGone) {
    removeContainer(session, name);
    return result;
  }
  dockerSync(['wait', name]);
  const times = containerTimes(name);
  result.producerSeconds = times.producerSeconds;
  if (times.exitCode !== 0) result.errors.push(`the log container exited with ${times.exitCode}`);
  if (result.reachedAt !== undefined) result.tailLagSeconds = (result.reachedAt - times.finishedAtMs) / 1000;

  log(`run ${index} e2e: ${result.shipperSeconds ? `${result.shipperSeconds.toFixed(2)} s` : 'incomplete'}; timing docker logs -t ×${options.refReps}`);
  const reference = await timeDockerLogs(session, name, options.refReps);
  result.referenceSeconds = reference.seconds;
  result.referenceAll = reference.all;
  result.referenceLinesPerSec = options.lines / reference.seconds;
  result.ratio = result.shipperLinesPerSec / result.referenceLinesPerSec;

  if (options.verify) {
    // the whole topic, read back with kcat: every sequence number exactly once
    const { lines, done } = streamValues(session, topic, BROKERS);
    const v = await checkSequence(lines, options.lines, (r) => r.stream === 'stdout' && r.source === 'main' && (r.container as { name?: string } | undefined)?.name === name);
    const end = await done;
    result.verified = true;
    Object.assign(result, { missing: v.missing, duplicates: v.duplicates, foreign: v.foreign, wrongFields: v.wrongFields, outOfOrder: v.outOfOrder });
    if (end.code !== 0) result.errors.push(`kcat -C exited with ${end.code}: ${end.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  } else {
    result.duplicates = result.extra;
  }
  removeContainer(session, name);
  return result;
}

// ---------------------------------------------------------------------------------------------
// delivery test: the same finished container log → docker_logs → kafka, at_least_once against
// exactly_once (issue 22)

type Delivery = 'at_least_once' | 'exactly_once';
const MODE_TAG: Record<Delivery, 'alo' | 'eo'> = { at_least_once: 'alo', exactly_once: 'eo' };
/** The kafka output's id in the delivery pipelines (the first output: kafka_0). */
const OUTPUT_ID = 'kafka_0';

/** One shipper run of the delivery test. */
interface ModeResult {
  delivery: Delivery;
  topic: string;
  positionsTopic?: string;
  transactionalId?: string;
  /** Spawn → output_records_total = lines. */
  seconds?: number;
  linesPerSec?: number;
  /** Spawn → the first record counted as delivered (exactly_once: the first commit). */
  firstDeliveredSeconds?: number;
  deliveredAtFirst?: number;
  /** Lines ÷ the time after the first delivery. */
  steadyLinesPerSec?: number;
  /** Spawn → the topic's high watermark above 0 (exactly_once: the first record sent, not yet committed). */
  firstInTopicSeconds?: number;
  /** exactly_once: spawn → "exactly-once delivery as …" (producer registered, id claimed, positions read back). */
  readySeconds?: number;
  cpuSeconds?: number;
  peakRssMiB?: number;
  /** The topic's high watermark after the stop (exactly_once: records + transaction markers). */
  highWatermark?: number;
  /** Read back with kcat (exactly_once: read_committed). */
  check?: SequenceCheck;
  /** From the shipper's final metrics. */
  commits?: number;
  aborts?: number;
  problems?: string[];
}

interface DeliveryResult {
  run: number | string;
  errors: string[];
  failed?: boolean;
  disturbedTries?: number;
  disturbed?: string[];
  brokerGone?: boolean;
  container?: string;
  /** Which went first in this run. */
  first?: 'alo' | 'eo';
  /** The container's awk loop, until its log held every line (before either shipper). */
  logSeconds?: number;
  /** This run's wall time, container included. */
  runSeconds?: number;
  alo?: ModeResult;
  eo?: ModeResult;
  // flat, for the table's medians
  aloLinesPerSec?: number;
  eoLinesPerSec?: number;
  ratio?: number;
  aloCpuSeconds?: number;
  eoCpuSeconds?: number;
  cpuRatio?: number;
  aloPeakRssMiB?: number;
  eoPeakRssMiB?: number;
  aloSeconds?: number;
  eoSeconds?: number;
  aloFirstSeconds?: number;
  eoFirstSeconds?: number;
  aloSteadyLinesPerSec?: number;
  eoSteadyLinesPerSec?: number;
  eoReadySeconds?: number;
  eoCommits?: number;
  aloMissing?: number;
  aloDuplicates?: number;
  eoMissing?: number;
  eoDuplicates?: number;
}

/**
 * The run's log: one container prints every line, then sleeps (a shipper's first start does not
 * read a container that had exited before it: docker_logs takes that for history); returns once
 * its json-file log holds every line, so both shippers read the same finished log.
 */
async function startFinishedLog(name: string): Promise<number> {
  const t0 = performance.now();
  session.containers.add(name);
  dockerSync(['run', '-d', '--network', 'none', '--name', name, '--label', BENCH_LABEL, '--log-driver', 'json-file', options.image, 'sh', '-c', `${sequenceScript(options.lines)}; exec sleep 2147483647`]);
  let count: () => Promise<number>;
  try {
    const counter = new LineCounter(containerLogPath(name));
    counter.count();
    count = () => Promise.resolve(counter.count());
  } catch {
    // the log file is not readable here: ask Docker (slower)
    count = () => countDockerLogLines(name);
  }
  for (let n = await count(); n < options.lines; n = await count()) {
    if (performance.now() - t0 > options.timeoutMs) throw new Error(`the log container logged ${n} of ${options.lines} lines in ${options.timeoutMs / 1000} s`);
    if (dockerSync(['inspect', '--format', '{{.State.Running}}', name]) !== 'true') throw new Error(`the log container stopped after ${n} of ${options.lines} lines`);
    await sleep(100);
  }
  return (performance.now() - t0) / 1000;
}

/** output_records_total of the kafka output from the shipper's /metrics; `fallback` until its API answers. */
async function deliveredCount(shipper: Shipper, fallback: number): Promise<number> {
  const api = /api listening on (http:\/\/[^\s"]+)/.exec(shipper.stderr)?.[1];
  if (!api) return fallback;
  try {
    const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const m = new RegExp(`^logship_output_records_total\\{output="${OUTPUT_ID}"\\} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return fallback;
  }
}

/** Wall-clock ms of the first line of the shipper's log whose msg starts with `prefix`. */
function loggedAt(shipper: Shipper, prefix: string): number | undefined {
  for (const line of shipper.stderr.split('\n')) {
    if (!line.includes(prefix)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; time?: number | string };
      if (entry.msg?.startsWith(prefix)) return typeof entry.time === 'number' ? entry.time : Date.parse(String(entry.time));
    } catch {
      // not a log line
    }
  }
  return undefined;
}

/**
 * One shipper on the run's finished log, into a new topic, with `delivery`. Timed from spawn until
 * its output counts every line as delivered (its /metrics: for exactly_once that is committed;
 * the high watermark would count transaction markers and records of open transactions). Then
 * SIGTERM and the read-back: every sequence number exactly once (exactly_once: read_committed).
 */
async function measureDeliveryMode(index: number, delivery: Delivery, container: string, dir: string, result: DeliveryResult): Promise<ModeResult> {
  const tag = MODE_TAG[delivery];
  const topic = await broker.createTopic(`bench-${session.runId}-r${index}-delivery-${tag}`);
  const mode: ModeResult = { delivery, topic };
  const output = ['outputs:', '  - type: kafka', `    brokers: ${JSON.stringify(options.brokers)}`, `    topic: ${JSON.stringify(topic)}`, `    compression: ${options.e2eCodec}`, '    create_topics: false', `    delivery: ${delivery}`];
  if (delivery === 'exactly_once') {
    // new for every run (and every repeat): nothing of an earlier run is read back or fenced. The
    // shipper would create a compacted one itself with create_topics, which is false here (the
    // topic above exists); a plain topic serves for a few transactions
    mode.positionsTopic = await broker.createTopic(`${topic}-positions`);
    mode.transactionalId = `logship-${topic}`;
    output.push(`    transactional_id: ${JSON.stringify(mode.transactionalId)}`, `    positions_topic: ${JSON.stringify(mode.positionsTopic)}`, ...options.exactlyOnceOptions);
  } else {
    output.push(...options.outputOptions);
  }
  // the same host name for both: the same records (host.name is in each)
  const pipeline = [`host_name: ${JSON.stringify(`bench-${session.runId}-r${index}`)}`, 'api:', '  address: 127.0.0.1:0', 'inputs:', '  - type: docker_logs', '    include:', `      names: [${JSON.stringify(container)}]`, ...output];
  const spawnedAt = Date.now();
  const shipper = startShipper(dir, `delivery-${tag}`, pipeline, false);
  const t0 = performance.now();

  let peakSampledKiB = 0;
  let delivered = 0;
  const end = await pollUntil({
    read: async () => {
      const rss = procStatusKiB(shipper.pid, 'VmRSS');
      if (rss > peakSampledKiB) peakSampledKiB = rss;
      // the high watermark only tells whether the broker is there (and when the first record was)
      const [count, inTopic] = await Promise.all([deliveredCount(shipper, delivered), broker.topicCount(topic)]);
      if (Number.isNaN(inTopic)) return NaN;
      if (inTopic > 0 && mode.firstInTopicSeconds === undefined) mode.firstInTopicSeconds = (performance.now() - t0) / 1000;
      delivered = count;
      return count;
    },
    target: options.lines,
    unit: 'lines delivered',
    everyMs: POLL_MS,
    stallMs: STALL_MS,
    timeoutMs: options.timeoutMs,
    t0: () => t0,
    exited: () => shipper.isDone(),
    seen: (count, now) => {
      if (count > 0 && mode.firstDeliveredSeconds === undefined) {
        mode.firstDeliveredSeconds = (now - t0) / 1000;
        mode.deliveredAtFirst = count;
      }
    },
  });
  mode.peakRssMiB = Math.max(procStatusKiB(shipper.pid, 'VmHWM') || 0, peakSampledKiB) / 1024 || NaN;
  mode.cpuSeconds = procCpuSeconds(shipper.pid);
  if (end.gone) {
    // the broker went away (restarted by other tests): void, attempt() repeats it
    result.brokerGone = true;
    result.errors.push(`${delivery}: broker went away at ${end.count} of ${options.lines} lines`);
    shipper.kill('SIGKILL');
    await shipper.exitInfo();
    return mode;
  }
  if (end.error) result.errors.push(`${delivery}: ${end.error}`);
  if (end.reachedAt !== undefined) {
    mode.seconds = (end.reachedAt - t0) / 1000;
    mode.linesPerSec = options.lines / mode.seconds;
    if (mode.firstDeliveredSeconds !== undefined && mode.seconds > mode.firstDeliveredSeconds) {
      mode.steadyLinesPerSec = (options.lines - (mode.deliveredAtFirst ?? 0)) / (mode.seconds - mode.firstDeliveredSeconds);
    }
  }
  const readyAt = delivery === 'exactly_once' ? loggedAt(shipper, 'kafka: exactly-once delivery as') : undefined;
  if (readyAt !== undefined) mode.readySeconds = (readyAt - spawnedAt) / 1000;

  const exit = await shipper.stopWithin();
  if (exit.code !== 0) result.errors.push(`${delivery}: logship exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const { problems, metrics } = shipper.log();
  mode.problems = problems;
  mode.commits = metrics?.[`kafka_transactions_total{outcome="committed",output="${OUTPUT_ID}"}`];
  mode.aborts = metrics?.[`kafka_transactions_total{outcome="aborted",output="${OUTPUT_ID}"}`];
  mode.highWatermark = await broker.finalCount(topic, `${delivery} final count`);
  // the shipper stopped, so no transaction is open: read_committed reaches the end
  const { lines, done } = streamValues(session, topic, BROKERS, delivery === 'exactly_once' ? ['-X', 'isolation.level=read_committed'] : []);
  mode.check = await checkSequence(lines, options.lines, (r) => r.stream === 'stdout' && r.source === 'main' && (r.container as { name?: string } | undefined)?.name === container);
  const read = await done;
  if (read.code !== 0) result.errors.push(`${delivery}: kcat -C exited with ${read.code}: ${read.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  log(`run ${index} ${delivery}: ${mode.seconds ? `${mode.seconds.toFixed(2)} s, ${fmt(mode.linesPerSec)} lines/s` : 'incomplete'}, CPU ${fmt(mode.cpuSeconds, 1)} s; read back ${fmt(mode.check.records)}, missing ${mode.check.missing}, duplicates ${mode.check.duplicates}${mode.commits !== undefined ? `; ${mode.commits} transactions` : ''}`);
  return mode;
}

async function measureDelivery(index: number, tmp: string): Promise<DeliveryResult> {
  const started = performance.now();
  const dir = join(tmp, `run${index}-delivery`);
  mkdirSync(dir, { recursive: true });
  const name = `logship-bench-kafka-${session.runId}-delivery-${index}`;
  const result: DeliveryResult = { run: index, container: name, errors: [] };
  try {
    result.logSeconds = await startFinishedLog(name);
    // alternate which one goes first, so neither always gets the fresher broker (log segments, GC)
    const order: Delivery[] = index % 2 === 1 ? ['at_least_once', 'exactly_once'] : ['exactly_once', 'at_least_once'];
    result.first = MODE_TAG[order[0] as Delivery];
    for (const delivery of order) {
      const mode = await measureDeliveryMode(index, delivery, name, dir, result);
      result[MODE_TAG[delivery]] = mode;
      if (result.brokerGone) break;
    }
  } finally {
    removeContainer(session, name);
  }
  const { alo, eo } = result;
  Object.assign(result, {
    aloLinesPerSec: alo?.linesPerSec,
    eoLinesPerSec: eo?.linesPerSec,
    ratio: (eo?.linesPerSec ?? NaN) / (alo?.linesPerSec ?? NaN),
    aloCpuSeconds: alo?.cpuSeconds,
    eoCpuSeconds: eo?.cpuSeconds,
    cpuRatio: (alo?.cpuSeconds ?? NaN) / (eo?.cpuSeconds ?? NaN),
    aloPeakRssMiB: alo?.peakRssMiB,
    eoPeakRssMiB: eo?.peakRssMiB,
    aloSeconds: alo?.seconds,
    eoSeconds: eo?.seconds,
    aloFirstSeconds: alo?.firstDeliveredSeconds,
    eoFirstSeconds: eo?.firstDeliveredSeconds,
    aloSteadyLinesPerSec: alo?.steadyLinesPerSec,
    eoSteadyLinesPerSec: eo?.steadyLinesPerSec,
    eoReadySeconds: eo?.readySeconds,
    eoCommits: eo?.commits,
    aloMissing: alo?.check?.missing,
    aloDuplicates: alo?.check?.duplicates,
    eoMissing: eo?.check?.missing,
    eoDuplicates: eo?.check?.duplicates,
  } satisfies Partial<DeliveryResult>);
  result.runSeconds = (performance.now() - started) / 1000;
  log(`run ${index} delivery: at_least_once ${fmt(result.aloLinesPerSec)} lines/s, exactly_once ${fmt(result.eoLinesPerSec)} lines/s (ratio ${fmt(result.ratio, 2)}) in ${result.runSeconds.toFixed(1)} s${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// report

function printProducerTable(results: Result[]): Result[] {
  const columns: Column<Result>[] = [
    ['run', (r) => String(r.run)],
    ['codec', (r) => r.codec],
    ['kcat msgs/s', (r) => fmt(r.kcatMsgsPerSec)],
    ['logship msgs/s', (r) => fmt(r.logshipMsgsPerSec)],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['logship RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['logship CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['kcat CPU s', (r) => fmt(r.kcatCpuSeconds, 1)],
    ['CPU ratio', (r) => fmt(r.cpuRatio, 2)],
    ['kcat RSS MiB', (r) => fmt(r.kcatPeakRssMiB, 1)],
    ['kcat s', (r) => fmt(r.kcatSeconds, 2)],
    ['logship s', (r) => fmt(r.logshipSeconds, 2)],
    ['first msg s', (r) => fmt(r.firstMessageSeconds, 2)],
    ['steady/s', (r) => fmt(r.steadyMsgsPerSec)],
    ['extra', (r) => fmt(r.extra)],
  ];
  const summaries = printTable({
    title: `== producer: ${fmt(options.records)} records, ${options.values === 'json-log' ? 'JSON log lines' : `message_bytes ${options.messageBytes}`}, acks=all, idempotent, 1 partition ==`,
    columns,
    rows: results,
    groupBy: 'codec',
    medianKeys: ['kcatMsgsPerSec', 'logshipMsgsPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'kcatCpuSeconds', 'cpuRatio', 'kcatPeakRssMiB', 'kcatSeconds', 'logshipSeconds', 'firstMessageSeconds', 'steadyMsgsPerSec', 'extra'],
  });
  process.stdout.write('\nratio = logship msgs/s ÷ kcat msgs/s (target ≥ 0.50; reported, not enforced). kcat: spawn → exit (it flushes on exit);\n');
  process.stdout.write('logship: spawn → topic high watermark = records (node start-up included; steady/s excludes the time to the first message).\n');
  process.stdout.write('CPU ratio = kcat CPU s ÷ logship CPU s (less sensitive to other load on the machine than the wall-time ratio).\n');
  process.stdout.write('extra: messages beyond the record count after the shipper stopped (duplicates).\n');
  if (options.outputOptions.length) process.stdout.write(`logship kafka output options: ${options.outputOptions.map((o) => o.trim()).join(', ')}\n`);
  return summaries;
}

function printEndToEndTable(results: Result[]): Result[] {
  const columns: Column<Result>[] = [
    ['run', (r) => String(r.run)],
    ['codec', (r) => r.codec],
    ['docker logs -t/s', (r) => fmt(r.referenceLinesPerSec)],
    ['logship/s', (r) => fmt(r.shipperLinesPerSec)],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['peak RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['in topic', (r) => fmt(r.inTopic)],
    ['missing', (r) => fmt(r.missing)],
    ['duplicates', (r) => fmt(r.duplicates)],
    ['shipper s', (r) => fmt(r.shipperSeconds, 2)],
    ['first msg s', (r) => fmt(r.firstMessageSeconds, 2)],
    ['producer s', (r) => fmt(r.producerSeconds, 2)],
    ['tail lag s', (r) => fmt(r.tailLagSeconds, 2)],
  ];
  const summaries = printTable({
    title: `== end to end: 1 container × ${fmt(options.lines)} lines of ${SEQUENCE_LINE_BYTES} bytes → docker_logs → kafka (${options.e2eCodec}) ==`,
    columns,
    rows: results,
    groupBy: 'codec',
    medianKeys: ['referenceLinesPerSec', 'shipperLinesPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'inTopic', 'missing', 'duplicates', 'shipperSeconds', 'firstMessageSeconds', 'producerSeconds', 'tailLagSeconds'],
  });
  process.stdout.write('\nratio = logship lines/s ÷ `docker logs -t` lines/s on the finished log (reported, not enforced). logship is timed from `docker start`\n');
  process.stdout.write(`(shipper already running) until the topic holds every line, so it includes the container's own run time (producer s).\n`);
  process.stdout.write(options.verify ? 'missing/duplicates: from reading the whole topic back with kcat.\n' : "missing/duplicates: from the topic's offsets only (--no-verify).\n");
  return summaries;
}

function printDeliveryTable(results: DeliveryResult[]): DeliveryResult[] {
  const missDup = (missing: number | undefined, duplicates: number | undefined): string => `${fmt(missing)}/${fmt(duplicates)}`;
  const columns: Column<DeliveryResult>[] = [
    ['run', (r) => String(r.run)],
    ['first', (r) => r.first ?? ''],
    ['ALO lines/s', (r) => fmt(r.aloLinesPerSec)],
    ['EO lines/s', (r) => fmt(r.eoLinesPerSec)],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['ALO CPU s', (r) => fmt(r.aloCpuSeconds, 1)],
    ['EO CPU s', (r) => fmt(r.eoCpuSeconds, 1)],
    ['CPU ratio', (r) => fmt(r.cpuRatio, 2)],
    ['ALO RSS MiB', (r) => fmt(r.aloPeakRssMiB, 1)],
    ['EO RSS MiB', (r) => fmt(r.eoPeakRssMiB, 1)],
    ['ALO s', (r) => fmt(r.aloSeconds, 2)],
    ['EO s', (r) => fmt(r.eoSeconds, 2)],
    ['ALO 1st s', (r) => fmt(r.aloFirstSeconds, 2)],
    ['EO 1st s', (r) => fmt(r.eoFirstSeconds, 2)],
    ['EO ready s', (r) => fmt(r.eoReadySeconds, 2)],
    ['ALO steady/s', (r) => fmt(r.aloSteadyLinesPerSec)],
    ['EO steady/s', (r) => fmt(r.eoSteadyLinesPerSec)],
    ['EO commits', (r) => fmt(r.eoCommits)],
    ['ALO miss/dup', (r) => missDup(r.aloMissing, r.aloDuplicates)],
    ['EO miss/dup', (r) => missDup(r.eoMissing, r.eoDuplicates)],
  ];
  const summaries = printTable({
    title: `== delivery: exactly_once vs at_least_once, 1 container × ${fmt(options.lines)} lines of ${SEQUENCE_LINE_BYTES} bytes (finished log) → docker_logs → kafka (${options.e2eCodec}), 1 partition ==`,
    columns,
    rows: results,
    leftColumns: 2,
    medianKeys: ['aloLinesPerSec', 'eoLinesPerSec', 'ratio', 'aloCpuSeconds', 'eoCpuSeconds', 'cpuRatio', 'aloPeakRssMiB', 'eoPeakRssMiB', 'aloSeconds', 'eoSeconds', 'aloFirstSeconds', 'eoFirstSeconds', 'eoReadySeconds', 'aloSteadyLinesPerSec', 'eoSteadyLinesPerSec', 'eoCommits', 'aloMissing', 'aloDuplicates', 'eoMissing', 'eoDuplicates'],
  });
  if (results.length > 1) {
    const of = (key: keyof DeliveryResult, digits = 0): string => {
      const s = spread(results.map((r) => r[key]));
      return `${fmt(s.percent, 0)} % (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
    };
    process.stdout.write(`spread, (max − min) ÷ median: ALO lines/s ${of('aloLinesPerSec')}, EO lines/s ${of('eoLinesPerSec')}, ratio ${of('ratio', 2)}, CPU ratio ${of('cpuRatio', 2)}\n`);
  }
  process.stdout.write('\nratio = exactly_once lines/s ÷ at_least_once lines/s (target ≥ 0.80 at the default transaction_interval; reported, not enforced).\n');
  process.stdout.write('Both read the same finished json-file log (the container printed every line before either shipper started), each into a new topic;\n');
  process.stdout.write("timed from spawning the shipper until its /metrics counts every line delivered (output_records_total: for exactly_once, committed;\n");
  process.stdout.write('the high watermark would count transaction markers and uncommitted records). first: which went first in the run (alternates).\n');
  process.stdout.write('CPU ratio = ALO CPU s ÷ EO CPU s. 1st s: spawn → first record delivered (EO: first commit); EO ready s: spawn → producer registered\n');
  process.stdout.write('and positions read back; steady/s: lines ÷ time after the first delivery. miss/dup: from reading each topic back with kcat\n');
  process.stdout.write('(exactly_once with isolation.level=read_committed, after the shipper stopped).\n');
  if (options.deliveryOptions.length) process.stdout.write(`exactly_once shipper's options (--delivery-option): ${options.deliveryOptions.join(', ')}\n`);
  if (options.outputOptions.length) process.stdout.write(`both shippers' options (--output-option): ${options.outputOptions.map((o) => o.trim()).join(', ')}\n`);
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// main

const retry = {
  failures: () => broker.failures,
  waitForService: (why: string) => broker.waitForBroker(why),
  maxTries: MAX_TRIES,
  onError: () => {
    session.killChildren();
    for (const name of [...session.containers]) removeContainer(session, name);
  },
  service: 'the broker',
  repeatOn: 'new topics',
};

session.main(async () => {
  const missing = missingBuild(['inputs/generator/index.js']);
  if (missing) {
    log(`${missing} is missing: run \`npm run build\` first (or bench/run.sh)`);
    return EXIT_SETUP;
  }
  let kcat: string;
  try {
    kcat = kcatVersion();
  } catch {
    log('kcat is not installed (it is the reference producer and reads the topics back)');
    return EXIT_SETUP;
  }
  let serverVersion = '-';
  if (options.e2e || options.delivery) {
    try {
      serverVersion = requireDockerImage(options.image);
    } catch (err) {
      log(errorText(err));
      return EXIT_SETUP;
    }
  }
  try {
    await broker.waitForBroker('start');
  } catch (err) {
    log(errorText(err));
    return EXIT_SETUP;
  }
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  const tmp = session.makeTmp('logship-bench-kafka-');
  log(`kafka ${BROKERS}, ${kcat}, docker ${serverVersion}, node ${process.version}, ${options.runs} run(s), id ${session.runId}`);
  const before = loadBefore();

  const producer: Result[] = [];
  const e2e: Result[] = [];
  const delivery: DeliveryResult[] = [];
  let deliverySeconds: number | undefined;
  let kcatValueBytes: number | undefined;
  if (options.producer) {
    const inputPath = join(tmp, 'kcat-input.txt');
    const t = performance.now();
    kcatValueBytes = writeKcatInput(inputPath);
    log(`wrote ${fmt(options.records)} kcat input lines (value ${kcatValueBytes.toFixed(0)} bytes on average) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (let i = 1; i <= options.runs; i++) {
      for (const codec of options.codecs) {
        const r = await attempt(`run ${i} ${codec}`, retry, () => measureProducer(i, codec, inputPath, tmp), (err): Result => ({ run: i, codec, failed: true, errors: [errorText(err)] }));
        producer.push({ ...r, run: i, codec });
      }
    }
    rmSync(inputPath, { force: true });
  }
  if (options.e2e) {
    for (let i = 1; i <= options.runs; i++) {
      const r = await attempt(`run ${i} e2e`, retry, () => measureEndToEnd(i, tmp), (err): Result => ({ run: i, codec: options.e2eCodec, failed: true, errors: [errorText(err)] }));
      e2e.push({ ...r, run: i, codec: options.e2eCodec });
    }
  }
  if (options.delivery) {
    const t = performance.now();
    for (let i = 1; i <= options.runs; i++) {
      const r = await attempt(`run ${i} delivery`, retry, () => measureDelivery(i, tmp), (err): DeliveryResult => ({ run: i, failed: true, errors: [errorText(err)] }));
      delivery.push({ ...r, run: i });
    }
    deliverySeconds = (performance.now() - t) / 1000;
    log(`delivery test: ${options.runs} run(s) in ${deliverySeconds.toFixed(0)} s`);
  }

  await broker.deleteTopics(`bench-${session.runId}-*`, options.keepTopics);
  await broker.disconnect();

  let failed = false;
  const notes: string[] = [];
  let producerSummary: Result[] | undefined;
  let e2eSummary: Result[] | undefined;
  let deliverySummary: DeliveryResult[] | undefined;
  if (options.producer) {
    producerSummary = printProducerTable(producer);
    const sizes = producer.map((r) => r.logshipValueBytes).filter((x): x is number => Number.isFinite(x));
    if (sizes.length) process.stdout.write(`message value: logship ${median(sizes)} bytes (last message, read back), kcat input ${kcatValueBytes?.toFixed(0)} bytes on average; key ${producer.find((r) => Number.isFinite(r.logshipKeyBytes))?.logshipKeyBytes} bytes, 3 headers, both\n`);
    for (const r of producer) {
      const n = [...r.errors];
      if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the broker went away (${r.disturbed?.join(' / ')})`);
      for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
      if (n.length) notes.push(`run ${r.run} ${r.codec}: ${n.join('; ')}`);
      if (r.failed || r.errors.length || r.missing !== 0 || r.extra !== 0) failed = true;
    }
  }
  if (options.e2e) {
    e2eSummary = printEndToEndTable(e2e);
    for (const r of e2e) {
      const n = [...r.errors];
      if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the broker went away (${r.disturbed?.join(' / ')})`);
      if (r.foreign) n.push(`${r.foreign} messages not from the benchmark container`);
      if (r.wrongFields) n.push(`${r.wrongFields} records without stream=stdout, source=main and the container's name`);
      if (r.outOfOrder) n.push(`${r.outOfOrder} records out of sequence order`);
      for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
      if (n.length) notes.push(`run ${r.run} e2e: ${n.join('; ')}`);
      if (r.failed || r.errors.length || r.missing !== 0 || r.duplicates !== 0 || r.foreign || r.wrongFields) failed = true;
    }
  }
  if (options.delivery) {
    deliverySummary = printDeliveryTable(delivery);
    process.stdout.write(`delivery test: ${fmt(deliverySeconds, 0)} s for ${options.runs} run(s) (container, both shippers, read-backs)\n`);
    for (const r of delivery) {
      const n = [...r.errors];
      if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the broker went away (${r.disturbed?.join(' / ')})`);
      for (const mode of [r.alo, r.eo]) {
        if (!mode) continue;
        const c = mode.check;
        if (c?.foreign) n.push(`${mode.delivery}: ${c.foreign} messages not from the benchmark container`);
        if (c?.wrongFields) n.push(`${mode.delivery}: ${c.wrongFields} records without stream=stdout, source=main and the container's name`);
        if (c?.outOfOrder) n.push(`${mode.delivery}: ${c.outOfOrder} records out of sequence order`);
        if (mode.aborts) n.push(`${mode.delivery}: ${mode.aborts} transactions aborted`);
        for (const p of mode.problems ?? []) n.push(`${mode.delivery}: logship said: ${p}`);
      }
      if (n.length) notes.push(`run ${r.run} delivery: ${n.join('; ')}`);
      const bad = (m: ModeResult | undefined): boolean => !m?.check || m.check.missing !== 0 || m.check.duplicates !== 0 || m.check.foreign !== 0 || m.check.wrongFields !== 0;
      if (r.failed || r.errors.length || bad(r.alo) || bad(r.eo)) failed = true;
    }
  }
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = printLoad(before);
  const profiles = printProfiles(producer, { title: (r) => r.codec });
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ bench: 'kafka', records: options.records, messageBytes: options.messageBytes, lines: options.lines, lineBytes: SEQUENCE_LINE_BYTES, brokers: options.brokers, outputOptions: options.outputOptions, kcat, docker: serverVersion, node: process.version, load, kcatValueBytes, deliveryOptions: options.deliveryOptions, deliverySeconds, summary: { producer: producerSummary, e2e: e2eSummary, delivery: deliverySummary }, producer, e2e, delivery, profiles }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (messages missing, duplicated or a run failed)\n' : 'RESULT: OK (every count exact)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
