// Benchmark: logship's kafka output against kcat (librdkafka) on the same broker, and the whole
// path docker_logs → kafka against the raw read rate of `docker logs -t`. See README.md.
// Run with `node bench/kafka/run.mjs` after `npm run build` (bench/run.sh does both), with a
// broker (scripts/kafka-up.sh). kafkajs serves for topic admin and offset polling only.

import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { containerTimes, dockerSync, removeContainer, requireDockerImage, timeDockerLogs } from '../lib/docker.js';
import { BrokerAdmin } from '../lib/kafka-admin.js';
import { kcatVersion, lastMessageSizes, produceWithKcat, streamValues } from '../lib/kcat.js';
import { checkSequence, SEQUENCE_LINE_BYTES, sequenceScript } from '../lib/output.js';
import { missingBuild } from '../lib/paths.js';
import { pollUntil } from '../lib/progress.js';
import { procCpuSeconds, procStatusKiB } from '../lib/proc.js';
import { printProfiles } from '../lib/profile.js';
import { attempt, EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session } from '../lib/session.js';
import { Shipper } from '../lib/shipper.js';
import { jsonLogLine } from '../../src/inputs/generator/log-line.js';
import { fmt, median, printTable, type Column } from '../lib/stats.js';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd', 'none'];

const USAGE = `Usage: node bench/kafka/run.mjs [options]
  --runs N            runs of every measurement (default $BENCH_RUNS, else 3)
  --records N         producer test: records per run (default 1000000)
  --values KIND       producer test: json-log (JSON application log lines, about 110 bytes, which
                      compress like real logs: the default) or padded (message-bytes of "<n> xxx…")
  --message-bytes N   producer test with --values padded: generator message_bytes (default 200)
  --compression LIST  producer test: codecs, comma-separated (default gzip,lz4; also snappy,zstd,none)
  --lines N           end-to-end test: lines the container prints (default 500000, at most 9999999)
  --e2e-compression C end-to-end test: codec (default gzip)
  --skip-producer     only the end-to-end test
  --skip-e2e          only the producer test
  --no-verify         end-to-end: skip the full read-back with kcat (offsets are still checked)
  --ref-reps N        timed \`docker logs -t\` reads per end-to-end run (default 3)
  --timeout S         give up on one shipper run after S seconds (default 300)
  --brokers LIST      bootstrap brokers (default 127.0.0.1:9092)
  --output-option K=V set an option of logship's kafka output in both tests (repeatable; V is YAML,
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
    if (v['skip-producer'] && v['skip-e2e']) throw new Error('--skip-producer and --skip-e2e leave nothing to measure');
    const codecs = (v.compression as string).split(',').map((c) => c.trim()).filter(Boolean);
    for (const c of [...codecs, v['e2e-compression'] as string]) if (!CODECS.includes(c)) throw new Error(`unknown compression ${c} (one of ${CODECS.join(', ')})`);
    const outputOptions = (v['output-option'] as string[]).map((text) => {
      const m = /^([a-z_]+)=(.*)$/s.exec(text);
      if (!m) throw new Error(`--output-option ${text}: expected NAME=VALUE`);
      if (['type', 'brokers', 'topic', 'compression', 'create_topics', 'match', 'id'].includes(m[1] as string)) throw new Error(`--output-option ${m[1]} is set by the benchmark itself`);
      return `    ${m[1]}: ${m[2]}`;
    });
    if (codecs.length === 0) throw new Error('--compression lists no codec');
    if (v.values !== 'json-log' && v.values !== 'padded') throw new Error(`--values ${String(v.values)}: json-log or padded`);
    return {
      outputOptions,
      runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
      records: positiveInt(v.records as string, '--records'),
      messageBytes: positiveInt(v['message-bytes'] as string, '--message-bytes', 1_000_000),
      values: v.values as 'json-log' | 'padded',
      codecs: [...new Set(codecs)],
      lines: positiveInt(v.lines as string, '--lines', 9_999_999),
      e2eCodec: v['e2e-compression'] as string,
      producer: !v['skip-producer'],
      e2e: !v['skip-e2e'],
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
  if (options.e2e) {
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

  await broker.deleteTopics(`bench-${session.runId}-*`, options.keepTopics);
  await broker.disconnect();

  let failed = false;
  const notes: string[] = [];
  let producerSummary: Result[] | undefined;
  let e2eSummary: Result[] | undefined;
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
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = printLoad(before);
  const profiles = printProfiles(producer, { title: (r) => r.codec });
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ bench: 'kafka', records: options.records, messageBytes: options.messageBytes, lines: options.lines, lineBytes: SEQUENCE_LINE_BYTES, brokers: options.brokers, outputOptions: options.outputOptions, kcat, docker: serverVersion, node: process.version, load, kcatValueBytes, summary: { producer: producerSummary, e2e: e2eSummary }, producer, e2e, profiles }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (messages missing, duplicated or a run failed)\n' : 'RESULT: OK (every count exact)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
