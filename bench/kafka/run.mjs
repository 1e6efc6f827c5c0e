#!/usr/bin/env node
// Benchmark: logship's kafka output against kcat (librdkafka) on the same broker, and the whole
// path docker_logs → kafka against the raw read rate of `docker logs -t`. See README.md.
//
// Plain ESM JavaScript (no build step): Node built-ins, the docker and kcat CLIs, and kafkajs from
// node_modules (topic admin and offset polling only). Run `npm run build` first (bench/run.sh does
// both) and have a broker (scripts/kafka-up.sh).

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const DIST_GENERATOR = join(ROOT, 'dist', 'inputs', 'generator', 'index.js');
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd', 'none'];

const USAGE = `Usage: node bench/kafka/run.mjs [options]
  --runs N            runs of every measurement (default $BENCH_RUNS, else 3)
  --records N         producer test: records per run (default 1000000)
  --message-bytes N   producer test: generator message_bytes (default 200)
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

const EXIT_CORRECTNESS = 1;
const EXIT_SETUP = 2;
const LINE_BYTES = 90; // end-to-end container lines, including the newline (as bench/docker-logs)
const POLL_MS = 100;
const STALL_MS = 30_000;
const BROKER_WAIT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// options

let options;
try {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
      records: { type: 'string', default: '1000000' },
      'message-bytes': { type: 'string', default: '200' },
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
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values['skip-producer'] && values['skip-e2e']) throw new Error('--skip-producer and --skip-e2e leave nothing to measure');
  const codecs = values.compression.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of [...codecs, values['e2e-compression']]) if (!CODECS.includes(c)) throw new Error(`unknown compression ${c} (one of ${CODECS.join(', ')})`);
  const outputOptions = values['output-option'].map((text) => {
    const m = /^([a-z_]+)=(.*)$/s.exec(text);
    if (!m) throw new Error(`--output-option ${text}: expected NAME=VALUE`);
    if (['type', 'brokers', 'topic', 'compression', 'create_topics', 'match', 'id'].includes(m[1])) throw new Error(`--output-option ${m[1]} is set by the benchmark itself`);
    return `    ${m[1]}: ${m[2]}`;
  });
  options = {
    outputOptions,
    runs: positiveInt(values.runs, '--runs (or $BENCH_RUNS)'),
    records: positiveInt(values.records, '--records'),
    messageBytes: positiveInt(values['message-bytes'], '--message-bytes', 1_000_000),
    codecs: [...new Set(codecs)],
    lines: positiveInt(values.lines, '--lines', 9_999_999),
    e2eCodec: values['e2e-compression'],
    producer: !values['skip-producer'],
    e2e: !values['skip-e2e'],
    verify: !values['no-verify'],
    refReps: positiveInt(values['ref-reps'], '--ref-reps'),
    timeoutMs: positiveInt(values.timeout, '--timeout') * 1000,
    brokers: values.brokers.split(',').map((b) => b.trim()).filter(Boolean),
    image: values.image,
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    json: values.json,
    keep: values.keep,
    keepTopics: values['keep-topics'],
  };
  if (options.codecs.length === 0) throw new Error('--compression lists no codec');
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}\n`);
  process.exit(EXIT_SETUP);
}

function positiveInt(text, name, max = Number.MAX_SAFE_INTEGER) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`${name} must be an integer between 1 and ${max}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// cleanup: shippers, kcat, containers and the temp dir go away on every exit path, including
// Ctrl-C. Only containers carrying this invocation's label are ever touched. Topics are deleted
// at the end of main() (not from a signal handler: that needs the network).

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const BENCH_LABEL = `logship.bench=kafka-${runId}`;
const createdContainers = new Set();
const createdTopics = [];
const liveChildren = new Set();
let tmp;
let cleanedUp = false;

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  killChildren();
  let ids = [...createdContainers];
  try {
    const listed = execFileSync('docker', ['ps', '-aq', '--filter', `label=${BENCH_LABEL}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    ids = ids.concat(listed.split('\n').filter(Boolean));
  } catch {
    // docker unreachable: nothing more we can do
  }
  for (const id of new Set(ids)) {
    try {
      execFileSync('docker', ['rm', '-f', id], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const reason = String(err.stderr ?? err.message);
      if (!/no such container/i.test(reason)) process.stderr.write(`bench: could not remove container ${id}: ${reason.trim()}\n`);
    }
  }
  if (tmp && !options.keep) rmSync(tmp, { recursive: true, force: true });
  else if (tmp) process.stderr.write(`bench: kept ${tmp}\n`);
}

function killChildren() {
  for (const child of [...liveChildren]) {
    killTree(child);
    liveChildren.delete(child);
  }
}

/** SIGKILL to a child, and to its process group when it leads one (kcat under /usr/bin/time). */
function killTree(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
    return;
  } catch {
    // not a group leader
  }
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up${createdTopics.length ? ` (topics bench-${runId}-* are left on the broker)` : ''}\n`);
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (text) => process.stderr.write(`bench: ${text}\n`);

function docker(args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Spawns and resolves with { code, signal, ms } when the process ends. */
function run(command, args, spawnOptions) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, args, spawnOptions);
    liveChildren.add(child);
    child.once('error', (err) => {
      liveChildren.delete(child);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolveRun({ code, signal, ms: performance.now() - started });
    });
  });
}

function procStatusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep 100
}

/** utime + stime of a live process, in seconds. */
function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

const TIME_BIN = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

// ---------------------------------------------------------------------------------------------
// the broker: topics, offsets (cheap: ListOffsets, nothing is consumed while timing)

const kafka = new kafkajs.Kafka({
  clientId: `logship-bench-${runId}`,
  brokers: options.brokers,
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
  logLevel: kafkajs.logLevel.NOTHING,
});
let admin;
/** Failed broker requests so far: a measurement during which this grows was disturbed (broker restarted). */
let brokerFailures = 0;

async function adminClient() {
  if (admin) return admin;
  const a = kafka.admin();
  await a.connect();
  admin = a;
  return a;
}

async function dropAdmin() {
  const a = admin;
  admin = undefined;
  try {
    await a?.disconnect();
  } catch {
    // gone anyway
  }
}

/** Waits until the broker answers (it may be restarted by other tests); throws after BROKER_WAIT_MS. */
async function waitForBroker(why) {
  const deadline = Date.now() + BROKER_WAIT_MS;
  let warned = false;
  for (;;) {
    try {
      const a = await adminClient();
      await a.listTopics();
      if (warned) log('broker is back');
      return;
    } catch (err) {
      brokerFailures += 1;
      await dropAdmin();
      if (!warned) log(`broker ${options.brokers.join(',')} does not answer (${err.message}); waiting up to ${BROKER_WAIT_MS / 1000} s${why ? ` (${why})` : ''}`);
      warned = true;
      if (Date.now() > deadline) throw new Error(`broker ${options.brokers.join(',')} unreachable for ${BROKER_WAIT_MS / 1000} s; start it with scripts/kafka-up.sh`);
      await sleep(1000);
    }
  }
}

/** Creates a new topic; a name used before in this invocation (a retried measurement) gets a suffix. */
async function createTopic(base) {
  let name = base;
  for (let n = 2; createdTopics.includes(name); n++) name = `${base}-${n}`;
  await waitForBroker(`create topic ${name}`);
  const a = await adminClient();
  const created = await a.createTopics({ topics: [{ topic: name, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  if (!created) throw new Error(`topic ${name} already exists`);
  createdTopics.push(name);
  return name;
}

/** Sum of the high watermarks of a topic's partitions (its message count: no transactions here), NaN when the broker did not answer. */
async function topicCount(topic) {
  try {
    const a = await adminClient();
    const offsets = await a.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } catch {
    brokerFailures += 1;
    await dropAdmin();
    return NaN;
  }
}

async function deleteTopics() {
  if (createdTopics.length === 0) return;
  if (options.keepTopics) {
    log(`kept ${createdTopics.length} topics: bench-${runId}-*`);
    return;
  }
  try {
    const a = await adminClient();
    await a.deleteTopics({ topics: createdTopics, timeout: 10_000 });
    log(`deleted ${createdTopics.length} topics`);
  } catch (err) {
    log(`could not delete the topics bench-${runId}-* (${err.message}); they stay on the broker`);
  }
}

/**
 * Polls a topic's message count every POLL_MS until it reaches `target` (or a stall, the
 * shipper's exit, or the timeout). Meanwhile samples the shipper's RSS. Returns the timings
 * relative to t0, and the shipper's peak RSS and CPU time at the moment the target was reached.
 */
async function waitForCount(topic, target, t0, shipper, result) {
  let peakSampledKiB = 0;
  let lastCount = 0;
  let lastGrowth = performance.now();
  result.brokerErrors = 0;
  for (;;) {
    const rss = procStatusKiB(shipper.child.pid, 'VmRSS');
    if (rss > peakSampledKiB) peakSampledKiB = rss;
    const count = await topicCount(topic);
    const now = performance.now();
    if (Number.isNaN(count)) {
      // the broker went away (restarted by other tests): this measurement is void, attempt() repeats it
      result.brokerErrors += 1;
      result.brokerGone = true;
      result.errors.push(`broker went away at ${lastCount} of ${target} messages`);
      break;
    } else {
      if (count > 0 && result.firstMessageSeconds === undefined) {
        result.firstMessageSeconds = (now - t0) / 1000;
        result.countAtFirst = count;
      }
      if (count >= target) {
        result.shipperSeconds = (now - t0) / 1000;
        result.reachedAt = Date.now();
        break;
      }
      if (count !== lastCount) {
        lastCount = count;
        lastGrowth = now;
      }
    }
    if (shipper.isDone()) {
      result.errors.push(`logship exited early with ${lastCount} of ${target} messages in the topic`);
      break;
    }
    if (now - lastGrowth > STALL_MS) {
      result.errors.push(`no new messages for ${STALL_MS / 1000} s; stuck at ${lastCount} of ${target}`);
      break;
    }
    if (now - t0 > options.timeoutMs) {
      result.errors.push(`timed out after ${options.timeoutMs / 1000} s with ${lastCount} of ${target} messages`);
      break;
    }
    await sleep(POLL_MS);
  }
  result.peakRssMiB = Math.max(procStatusKiB(shipper.child.pid, 'VmHWM') || 0, peakSampledKiB) / 1024 || NaN;
  result.cpuSeconds = procCpuSeconds(shipper.child.pid);
}

// ---------------------------------------------------------------------------------------------
// the shipper

function spawnShipper(dir, tag, pipelineLines, profile) {
  const pipeline = join(dir, `pipeline-${tag}.yaml`);
  const stderrPath = join(dir, `logship-${tag}.stderr`);
  writeFileSync(pipeline, `${pipelineLines.join('\n')}\n`);
  const nodeArgs = [];
  let profilePath;
  if (profile) {
    const name = `logship-kafka-${runId}-${tag}.cpuprofile`;
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProf, '--cpu-prof-name', name);
    profilePath = join(options.cpuProf, name);
  }
  const stderrFd = openSync(stderrPath, 'w');
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'run', pipeline, '--state-dir', join(dir, `state-${tag}`)], { stdio: ['ignore', 'ignore', stderrFd] });
  closeSync(stderrFd);
  liveChildren.add(child);
  let done = false;
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      done = true;
      liveChildren.delete(child);
      resolveExit({ code, signal });
    });
  });
  return { child, exited, stderrPath, profile: profilePath, isDone: () => done };
}

async function waitUntilReady(shipper) {
  const deadline = Date.now() + 15_000;
  while (!readFileSync(shipper.stderrPath, 'utf8').includes('"logship started"')) {
    if (shipper.isDone()) throw new Error(`logship exited during start-up:\n${readFileSync(shipper.stderrPath, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`logship did not start within 15 s:\n${readFileSync(shipper.stderrPath, 'utf8')}`);
    await sleep(50);
  }
  // 'logship started' is logged before the events stream is connected; give discovery a moment
  await sleep(500);
}

async function stopShipper(shipper) {
  if (shipper.isDone()) return shipper.exited;
  process.kill(shipper.child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    log('logship did not stop within 30 s of SIGTERM; killing it');
    try {
      process.kill(shipper.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 30_000);
  try {
    return await shipper.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** What the shipper logged at warn level or above, and its final metrics. */
function readShipperLog(path) {
  const problems = [];
  let metrics;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      problems.push(line);
      continue;
    }
    if (entry.level >= 40) problems.push(`${entry.level >= 50 ? 'ERROR' : 'WARN'} ${entry.msg}`);
    if (entry.msg === 'pipeline stopped') metrics = entry.metrics;
  }
  return { problems, metrics };
}

/** Stops the shipper, then reads the topic's final count: more than expected means duplicates. */
async function stopAndCount(shipper, topic, expected, result) {
  if (result.brokerGone) {
    try {
      process.kill(shipper.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await shipper.exited;
    return;
  }
  const exit = await stopShipper(shipper);
  if (exit.code !== 0) result.errors.push(`logship exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const { problems, metrics } = readShipperLog(shipper.stderrPath);
  result.shipperProblems = problems;
  result.shipperMetrics = metrics;
  let count = await topicCount(topic);
  if (Number.isNaN(count)) {
    await waitForBroker('final count');
    count = await topicCount(topic);
  }
  result.inTopic = count;
  result.missing = Math.max(0, expected - count);
  result.extra = Math.max(0, count - expected);
}

/** Size of the value and key of the topic's last message, read back with kcat. */
function lastMessageSizes(topic) {
  try {
    const out = execFileSync('kcat', ['-C', '-b', options.brokers.join(','), '-t', topic, '-o', '-1', '-c', '1', '-e', '-q', '-f', '%S %K\n'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const [value, key] = out.trim().split(' ').map(Number);
    return { value, key };
  } catch {
    return { value: NaN, key: NaN };
  }
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
function writeKcatInput(path) {
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
    const message = prefix.length >= options.messageBytes ? prefix.trimEnd() : prefix + padding.slice(prefix.length);
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
async function measureKcat(index, codec, inputPath, dir, result) {
  const topic = await createTopic(`bench-${runId}-r${index}-kcat-${codec}`);
  result.topic = topic;
  const args = ['-P', '-b', options.brokers.join(','), '-t', topic, '-z', codec, '-X', 'acks=all', '-X', 'enable.idempotence=true', '-K', '\t'];
  for (const [name, value] of Object.entries(GENERATOR_HEADERS)) args.push('-H', `${name}=${value}`);
  const stdin = openSync(inputPath, 'r');
  const stderrPath = join(dir, `kcat-${codec}.stderr`);
  const stderr = openSync(stderrPath, 'w');
  const timeOut = join(dir, `kcat-${codec}.time`);
  try {
    const t0 = performance.now();
    // its own process group, so that kcat under /usr/bin/time can be killed as a whole
    const exited = TIME_BIN
      ? run(TIME_BIN, ['-f', '%U %S %M', '-o', timeOut, 'kcat', ...args], { stdio: [stdin, 'ignore', stderr], detached: true })
      : run('kcat', args, { stdio: [stdin, 'ignore', stderr], detached: true });
    let done = false;
    exited.then(() => {
      done = true;
    }, () => {
      done = true;
    });
    // poll as for logship (same load on the broker; notices a broker restart meanwhile)
    while (!done) {
      const count = await topicCount(topic);
      if (Number.isNaN(count)) {
        // the broker went away: void, attempt() repeats it (kcat would retry for minutes)
        result.brokerGone = true;
        result.errors.push('broker went away while kcat was producing');
        for (const child of [...liveChildren]) if (child.spawnargs.includes('-P')) killTree(child);
        await exited;
        return;
      }
      if (count > 0 && result.kcatFirstMessageSeconds === undefined) result.kcatFirstMessageSeconds = (performance.now() - t0) / 1000;
      await Promise.race([sleep(POLL_MS), exited]);
    }
    const { code, signal, ms } = await exited;
    if (code !== 0) result.errors.push(`kcat exited with ${code ?? signal}: ${readFileSync(stderrPath, 'utf8').trim().split('\n').slice(-3).join(' | ')}`);
    result.kcatSeconds = ms / 1000;
  } finally {
    closeSync(stdin);
    closeSync(stderr);
  }
  if (TIME_BIN && existsSync(timeOut)) {
    const [user, system, maxKiB] = readFileSync(timeOut, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    result.kcatCpuSeconds = user + system;
    result.kcatPeakRssMiB = maxKiB / 1024;
  }
  let count = await topicCount(topic);
  if (Number.isNaN(count)) {
    await waitForBroker('kcat count');
    count = await topicCount(topic);
  }
  result.kcatInTopic = count;
  if (count !== options.records) result.errors.push(`kcat: topic holds ${count} of ${options.records} messages`);
  else result.kcatMsgsPerSec = options.records / result.kcatSeconds;
}

/** logship generator → kafka, timed from spawning the shipper until the topic holds every record. */
async function measureLogshipProducer(index, codec, dir, result) {
  const topic = await createTopic(`bench-${runId}-r${index}-logship-${codec}`);
  result.logshipTopic = topic;
  const shipper = spawnShipper(dir, `producer-${codec}`, [
    'inputs:',
    '  - type: generator',
    `    count: ${options.records}`,
    `    message_bytes: ${options.messageBytes}`,
    'outputs:',
    '  - type: kafka',
    `    brokers: ${JSON.stringify(options.brokers)}`,
    `    topic: ${JSON.stringify(topic)}`,
    `    compression: ${codec}`,
    '    create_topics: false',
    ...options.outputOptions,
  ], Boolean(options.cpuProf));
  const t0 = performance.now();
  result.profile = shipper.profile;
  const timing = { errors: result.errors };
  await waitForCount(topic, options.records, t0, shipper, timing);
  result.logshipSeconds = timing.shipperSeconds;
  result.firstMessageSeconds = timing.firstMessageSeconds;
  result.logshipMsgsPerSec = options.records / timing.shipperSeconds;
  if (timing.shipperSeconds !== undefined && timing.firstMessageSeconds !== undefined && timing.shipperSeconds > timing.firstMessageSeconds) {
    result.steadyMsgsPerSec = (options.records - timing.countAtFirst) / (timing.shipperSeconds - timing.firstMessageSeconds);
  }
  result.peakRssMiB = timing.peakRssMiB;
  result.cpuSeconds = timing.cpuSeconds;
  result.brokerErrors = timing.brokerErrors;
  result.brokerGone = timing.brokerGone;
  await stopAndCount(shipper, topic, options.records, result);
  if (result.brokerGone) return;
  const sizes = lastMessageSizes(topic);
  result.logshipValueBytes = sizes.value;
  result.logshipKeyBytes = sizes.key;
}

async function measureProducer(index, codec, inputPath) {
  const dir = join(tmp, `run${index}-${codec}`);
  mkdirSync(dir, { recursive: true });
  const result = { run: index, codec, errors: [] };
  // alternate which one goes first, so neither always gets the fresher broker (log segments, GC)
  const kcatFirst = index % 2 === 1;
  if (kcatFirst) await measureKcat(index, codec, inputPath, dir, result);
  if (!result.brokerGone) await measureLogshipProducer(index, codec, dir, result);
  if (!kcatFirst && !result.brokerGone) await measureKcat(index, codec, inputPath, dir, result);
  result.ratio = result.logshipMsgsPerSec / result.kcatMsgsPerSec;
  result.cpuRatio = result.kcatCpuSeconds / result.cpuSeconds;
  log(`run ${index} ${codec}: kcat ${fmt(result.kcatMsgsPerSec)}/s, logship ${fmt(result.logshipMsgsPerSec)}/s (ratio ${fmt(result.ratio, 2)})${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// end-to-end test: one busybox container → docker_logs → kafka

/** awk program printing `seq=NNNNNNN xxx…x` lines of exactly LINE_BYTES bytes, as fast as it can. */
function generatorScript(lines) {
  const pad = LINE_BYTES - 1 - 'seq=0000000 '.length;
  return `awk 'BEGIN{p=sprintf("%${pad}s","");gsub(/ /,"x",p);for(i=1;i<=${lines};i++)printf "seq=%07d %s\\n",i,p}'`;
}

function createContainer(name) {
  docker([
    'create', '--network', 'none', '--name', name, '--label', BENCH_LABEL,
    '--log-driver', 'json-file',
    options.image, 'sh', '-c', generatorScript(options.lines),
  ]);
  createdContainers.add(name);
}

function removeContainer(name) {
  try {
    docker(['rm', '-f', name]);
    createdContainers.delete(name);
  } catch (err) {
    log(`could not remove ${name}: ${err.message}`);
  }
}

function containerTimes(name) {
  const [startedAt, finishedAt, exitCode] = docker(['inspect', '--format', '{{.State.StartedAt}} {{.State.FinishedAt}} {{.State.ExitCode}}', name]).split(' ');
  return { producerSeconds: (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000, finishedAtMs: Date.parse(finishedAt), exitCode: Number(exitCode) };
}

/** Median wall time of `docker logs -t NAME > /dev/null`. */
async function timeDockerLogs(name, reps) {
  const times = [];
  for (let r = 0; r < reps; r++) {
    const devNull = openSync('/dev/null', 'w');
    try {
      const { code, ms } = await run('docker', ['logs', '-t', name], { stdio: ['ignore', devNull, devNull] });
      if (code !== 0) throw new Error(`docker logs -t ${name} exited with ${code}`);
      times.push(ms / 1000);
    } finally {
      closeSync(devNull);
    }
  }
  return { seconds: median(times), all: times };
}

/** Reads the whole topic back with kcat and checks that every sequence number is there exactly once. */
async function verifyTopic(topic, lines, containerName) {
  const seen = new Uint8Array(lines + 1);
  const result = { records: 0, missing: 0, duplicates: 0, foreign: 0, wrongFields: 0, outOfOrder: 0 };
  const child = spawn('kcat', ['-C', '-b', options.brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((r) => child.once('close', (code) => r(code)));
  let previous = 0;
  const reader = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of reader) {
    if (!line) continue;
    result.records += 1;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      result.foreign += 1;
      continue;
    }
    const m = /^seq=(\d{7}) x+$/.exec(record.message ?? '');
    const seq = m ? Number(m[1]) : 0;
    if (seq < 1 || seq > lines) {
      result.foreign += 1;
      continue;
    }
    if (record.stream !== 'stdout' || record.source !== 'main' || record.container?.name !== containerName) result.wrongFields += 1;
    if (seq < previous) result.outOfOrder += 1;
    previous = seq;
    if (seen[seq] < 255) seen[seq] += 1;
  }
  const code = await exited;
  liveChildren.delete(child);
  if (code !== 0) result.error = `kcat -C exited with ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`;
  for (let seq = 1; seq <= lines; seq++) {
    if (seen[seq] === 0) result.missing += 1;
    else if (seen[seq] > 1) result.duplicates += seen[seq] - 1;
  }
  return result;
}

async function measureEndToEnd(index) {
  const dir = join(tmp, `run${index}-e2e`);
  mkdirSync(dir, { recursive: true });
  const name = `logship-bench-kafka-${runId}-${index}`;
  const result = { run: index, codec: options.e2eCodec, container: name, errors: [] };
  const topic = await createTopic(`bench-${runId}-r${index}-e2e`);
  result.topic = topic;
  const shipper = spawnShipper(dir, 'e2e', [
    'inputs:',
    '  - type: docker_logs',
    '    include:',
    `      names: [${JSON.stringify(name)}]`,
    'outputs:',
    '  - type: kafka',
    `    brokers: ${JSON.stringify(options.brokers)}`,
    `    topic: ${JSON.stringify(topic)}`,
    `    compression: ${options.e2eCodec}`,
    '    create_topics: false',
    ...options.outputOptions,
  ], false);
  await waitUntilReady(shipper);
  createContainer(name);
  const t0 = performance.now();
  docker(['start', name]);
  await waitForCount(topic, options.lines, t0, shipper, result);
  result.shipperLinesPerSec = options.lines / result.shipperSeconds;
  await stopAndCount(shipper, topic, options.lines, result);
  if (result.brokerGone) {
    removeContainer(name);
    return result;
  }
  docker(['wait', name]);
  const times = containerTimes(name);
  result.producerSeconds = times.producerSeconds;
  if (times.exitCode !== 0) result.errors.push(`the log container exited with ${times.exitCode}`);
  if (result.reachedAt !== undefined) result.tailLagSeconds = (result.reachedAt - times.finishedAtMs) / 1000;

  log(`run ${index} e2e: ${result.shipperSeconds ? `${result.shipperSeconds.toFixed(2)} s` : 'incomplete'}; timing docker logs -t ×${options.refReps}`);
  const reference = await timeDockerLogs(name, options.refReps);
  result.referenceSeconds = reference.seconds;
  result.referenceAll = reference.all;
  result.referenceLinesPerSec = options.lines / reference.seconds;
  result.ratio = result.shipperLinesPerSec / result.referenceLinesPerSec;

  if (options.verify) {
    const v = await verifyTopic(topic, options.lines, name);
    result.verified = true;
    result.missing = v.missing;
    result.duplicates = v.duplicates;
    result.foreign = v.foreign;
    result.wrongFields = v.wrongFields;
    result.outOfOrder = v.outOfOrder;
    if (v.error) result.errors.push(v.error);
  } else {
    result.duplicates = result.extra;
  }
  removeContainer(name);
  return result;
}

// ---------------------------------------------------------------------------------------------
// profiles: self time per function, from a .cpuprofile (as bench/docker-tail)

const shortUrl = (url) => url.replace(`file://${ROOT}/`, '');

function summarizeProfile(path, top = 20) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byArea = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const url = shortUrl(callFrame.url);
    let fn = `${callFrame.functionName || '(anonymous)'} ${url ? `${url}:${callFrame.lineNumber + 1}` : ''}`.trim();
    if (!url && !callFrame.functionName) {
      const parent = byId.get(parentOf.get(id))?.callFrame;
      if (parent) fn = `(native, called by ${parent.functionName || '(anonymous)'} ${shortUrl(parent.url)}:${parent.lineNumber + 1})`;
    }
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const area = !url ? callFrame.functionName || '(native)' : url.startsWith('dist/') ? url : url.startsWith('node_modules/') ? url.split('/').slice(0, url.split('/')[1].startsWith('@') ? 3 : 2).join('/') : url;
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ name: k, ms: us / 1000, pct: (100 * us) / total }));
  return { path, totalMs: total / 1000, functions: rank(byFunction), areas: rank(byArea) };
}

function printProfiles(results) {
  const summaries = [];
  for (const r of results) {
    if (!r.profile) continue;
    if (!existsSync(r.profile)) {
      process.stdout.write(`\nrun ${r.run} ${r.codec}: no profile written at ${r.profile}\n`);
      continue;
    }
    const s = summarizeProfile(r.profile);
    summaries.push({ run: r.run, codec: r.codec, ...s });
    process.stdout.write(`\nCPU profile, run ${r.run} ${r.codec} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${r.profile})\n  top self time by function:\n`);
    for (const f of s.functions) process.stdout.write(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`);
    process.stdout.write('  by file / package:\n');
    for (const f of s.areas.slice(0, 12)) process.stdout.write(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`);
  }
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// report

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return '-';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/** Rows, then one median row per group; returns the medians. */
function printRows(columns, results, groupKey, medianKeys) {
  const groups = [...new Set(results.map((r) => r[groupKey]))];
  const summaries = groups.map((g) => {
    const rows = results.filter((r) => r[groupKey] === g);
    const summary = { run: 'median', [groupKey]: g };
    for (const key of medianKeys) summary[key] = median(rows.map((r) => r[key]));
    return summary;
  });
  const body = [...results].sort((a, b) => groups.indexOf(a[groupKey]) - groups.indexOf(b[groupKey]) || a.run - b.run);
  const cells = (r) => columns.map(([, get]) => get(r));
  const all = [...body, ...summaries].map(cells);
  const widths = columns.map(([title], i) => Math.max(title.length, ...all.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(columns.map(([title]) => title)), rule, ...body.map((r) => line(cells(r))), rule, ...summaries.map((r) => line(cells(r)))];
  process.stdout.write(`\n${out.join('\n')}\n`);
  return summaries;
}

function printProducerTable(results) {
  process.stdout.write(`\n== producer: ${fmt(options.records)} records, message_bytes ${options.messageBytes}, acks=all, idempotent, 1 partition ==`);
  const columns = [
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
  const keys = ['kcatMsgsPerSec', 'logshipMsgsPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'kcatCpuSeconds', 'cpuRatio', 'kcatPeakRssMiB', 'kcatSeconds', 'logshipSeconds', 'firstMessageSeconds', 'steadyMsgsPerSec', 'extra'];
  const summaries = printRows(columns, results, 'codec', keys);
  process.stdout.write('\nratio = logship msgs/s ÷ kcat msgs/s (target ≥ 0.50; reported, not enforced). kcat: spawn → exit (it flushes on exit);\n');
  process.stdout.write('logship: spawn → topic high watermark = records (node start-up included; steady/s excludes the time to the first message).\n');
  process.stdout.write('CPU ratio = kcat CPU s ÷ logship CPU s (less sensitive to other load on the machine than the wall-time ratio).\n');
  process.stdout.write('extra: messages beyond the record count after the shipper stopped (duplicates).\n');
  if (options.outputOptions.length) process.stdout.write(`logship kafka output options: ${options.outputOptions.map((o) => o.trim()).join(', ')}\n`);
  return summaries;
}

function printEndToEndTable(results) {
  process.stdout.write(`\n== end to end: 1 container × ${fmt(options.lines)} lines of ${LINE_BYTES} bytes → docker_logs → kafka (${options.e2eCodec}) ==`);
  const columns = [
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
  const keys = ['referenceLinesPerSec', 'shipperLinesPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'inTopic', 'missing', 'duplicates', 'shipperSeconds', 'firstMessageSeconds', 'producerSeconds', 'tailLagSeconds'];
  const summaries = printRows(columns, results, 'codec', keys);
  process.stdout.write('\nratio = logship lines/s ÷ `docker logs -t` lines/s on the finished log (reported, not enforced). logship is timed from `docker start`\n');
  process.stdout.write(`(shipper already running) until the topic holds every line, so it includes the container's own run time (producer s).\n`);
  process.stdout.write(options.verify ? 'missing/duplicates: from reading the whole topic back with kcat.\n' : 'missing/duplicates: from the topic\'s offsets only (--no-verify).\n');
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// main

/**
 * Runs one measurement. When the broker went away meanwhile (other tests restart the shared
 * broker), the numbers are worthless: the measurement is repeated on fresh topics, up to
 * MAX_TRIES times, and the last try is reported with a note.
 */
const MAX_TRIES = 4;

async function attempt(what, fn) {
  const disturbed = [];
  for (let tries = 1; ; tries++) {
    let failuresBefore = brokerFailures;
    let result;
    try {
      await waitForBroker(what);
      // failed requests while waiting for the broker to come back do not void what follows
      failuresBefore = brokerFailures;
      result = await fn();
    } catch (err) {
      killChildren();
      for (const name of [...createdContainers]) removeContainer(name);
      log(`${what} failed: ${err.stack ?? err}`);
      result = { failed: true, errors: [String(err.message ?? err)] };
    }
    if (brokerFailures === failuresBefore) return { ...result, disturbedTries: disturbed.length, ...(disturbed.length ? { disturbed } : {}) };
    disturbed.push(result.errors.join('; ') || 'broker unreachable for a moment');
    if (tries >= MAX_TRIES) {
      result.errors.push(`the broker went away during each of ${tries} tries; these numbers include an outage`);
      return { ...result, disturbedTries: disturbed.length, disturbed };
    }
    log(`${what}: the broker went away meanwhile (${brokerFailures - failuresBefore} failed requests); repeating it on new topics`);
  }
}

async function main() {
  for (const path of [DIST_MAIN, DIST_GENERATOR]) {
    if (!existsSync(path)) {
      log(`${path} is missing: run \`npm run build\` first (or bench/run.sh)`);
      return EXIT_SETUP;
    }
  }
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
  } catch {
    log('kcat is not installed (it is the reference producer and reads the topics back)');
    return EXIT_SETUP;
  }
  let serverVersion = '-';
  if (options.e2e) {
    try {
      serverVersion = docker(['version', '--format', '{{.Server.Version}}']);
      docker(['image', 'inspect', '--format', '{{.Id}}', options.image]);
    } catch (err) {
      log(`Docker is not usable or ${options.image} is missing (${err.message.split('\n')[0]}); run scripts/docker-up.sh`);
      return EXIT_SETUP;
    }
  }
  try {
    await waitForBroker('start');
  } catch (err) {
    log(err.message);
    return EXIT_SETUP;
  }
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'logship-bench-kafka-'));
  const kcatVersion = execFileSync('kcat', ['-V'], { encoding: 'utf8' }).match(/librdkafka [\d.]+/)?.[0] ?? 'kcat';
  log(`kafka ${options.brokers.join(',')}, ${kcatVersion}, docker ${serverVersion}, node ${process.version}, ${options.runs} run(s), id ${runId}`);
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5 * cpus().length) log(`note: load average is ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other work on this machine skews the numbers`);

  const producer = [];
  const e2e = [];
  let kcatValueBytes;
  if (options.producer) {
    const inputPath = join(tmp, 'kcat-input.txt');
    const t = performance.now();
    kcatValueBytes = writeKcatInput(inputPath);
    log(`wrote ${fmt(options.records)} kcat input lines (value ${kcatValueBytes.toFixed(0)} bytes on average) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (let i = 1; i <= options.runs; i++) {
      for (const codec of options.codecs) {
        const r = await attempt(`run ${i} ${codec}`, () => measureProducer(i, codec, inputPath));
        producer.push({ run: i, codec, ...r });
      }
    }
    rmSync(inputPath, { force: true });
  }
  if (options.e2e) {
    for (let i = 1; i <= options.runs; i++) {
      const r = await attempt(`run ${i} e2e`, () => measureEndToEnd(i));
      e2e.push({ run: i, codec: options.e2eCodec, ...r });
    }
  }

  await deleteTopics();
  await dropAdmin();

  let failed = false;
  const notes = [];
  let producerSummary;
  let e2eSummary;
  if (options.producer) {
    producerSummary = printProducerTable(producer);
    const sizes = producer.map((r) => r.logshipValueBytes).filter(Number.isFinite);
    if (sizes.length) process.stdout.write(`message value: logship ${median(sizes)} bytes (last message, read back), kcat input ${kcatValueBytes.toFixed(0)} bytes on average; key ${producer.find((r) => Number.isFinite(r.logshipKeyBytes))?.logshipKeyBytes} bytes, 3 headers, both\n`);
    for (const r of producer) {
      const n = [...r.errors];
      if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the broker went away (${r.disturbed.join(' / ')})`);
      for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
      if (n.length) notes.push(`run ${r.run} ${r.codec}: ${n.join('; ')}`);
      if (r.failed || r.errors.length || r.missing !== 0 || r.extra !== 0) failed = true;
    }
  }
  if (options.e2e) {
    e2eSummary = printEndToEndTable(e2e);
    for (const r of e2e) {
      const n = [...r.errors];
      if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the broker went away (${r.disturbed.join(' / ')})`);
      if (r.foreign) n.push(`${r.foreign} messages not from the benchmark container`);
      if (r.wrongFields) n.push(`${r.wrongFields} records without stream=stdout, source=main and the container's name`);
      if (r.outOfOrder) n.push(`${r.outOfOrder} records out of sequence order`);
      for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
      if (n.length) notes.push(`run ${r.run} e2e: ${n.join('; ')}`);
      if (r.failed || r.errors.length || r.missing !== 0 || r.duplicates !== 0 || r.foreign || r.wrongFields) failed = true;
    }
  }
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = { before: loadBefore, after: loadavg()[0], cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  const profiles = printProfiles(producer);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({
      bench: 'kafka', records: options.records, messageBytes: options.messageBytes, lines: options.lines, lineBytes: LINE_BYTES,
      brokers: options.brokers, outputOptions: options.outputOptions, kcat: kcatVersion, docker: serverVersion, node: process.version, load, kcatValueBytes,
      summary: { producer: producerSummary, e2e: e2eSummary }, producer, e2e, profiles,
    }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (messages missing, duplicated or a run failed)\n' : 'RESULT: OK (every count exact)\n');
  return failed ? EXIT_CORRECTNESS : 0;
}

main().then(
  (code) => {
    cleanup();
    process.exit(code);
  },
  (err) => {
    log(`failed: ${err.stack ?? err}`);
    cleanup();
    process.exit(EXIT_SETUP);
  },
);
