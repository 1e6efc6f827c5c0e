#!/usr/bin/env node
// Benchmark: records/s through the transform chain json + multiline + grep + modify on one core
// (generator → transforms → file), against the same pipeline with no transforms, in the same run.
// See README.md.
//
// Plain ESM JavaScript (no build step): Node built-ins and taskset (util-linux) only.
// Run `npm run build` first (bench/run.sh does both). Needs no Docker.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const DIST_NEEDED = ['inputs/generator/index.js', 'outputs/file/index.js', 'transforms/json/index.js', 'transforms/multiline/index.js', 'transforms/grep/index.js', 'transforms/modify/index.js'].map((p) => join(ROOT, 'dist', p));

// The chain the issue names, in its order. Every generated message starts with "<n> ", so the
// multiline start pattern makes every line a record of its own (the count stays the same); the
// grep pattern never matches (nothing is dropped) but is tried on every whole message; modify
// sets a constant, copies a field and removes a nested one (which copies the frozen container).
const CHAIN = [
  '  - type: json',
  '  - type: multiline',
  "    start: '^\\d+ '",
  '  - type: grep',
  '    exclude: { message: "GET /healthz|DEBUG" }',
  '  - type: modify',
  '    set: { env: production }',
  '    copy: { container.name: service }',
  '    remove: [container.image]',
];
// The generator cannot emit JSON. This modify turns "<n> xxx…" into {"level":"info","message":"<n> xxx…"};
// json then merges it at the top level, so `message` is "<n> xxx…" again and the same CHAIN applies.
const TO_JSON = [
  '  - type: modify',
  `    set: { message: ${JSON.stringify('{{"level":"info","message":"{message}"}}')} }`,
];

/** ref: the variant whose rate this one's "chain ratio" divides by (the same input without the chain). */
const VARIANTS = {
  none: { title: 'none', transforms: [], multiline: false },
  chain: { title: 'json+multiline+grep+modify', transforms: CHAIN, multiline: true, ref: 'none', json: 'fails' },
  'json-prep': { title: 'modify→JSON', transforms: TO_JSON, multiline: false },
  'json-prep+chain': { title: 'modify→JSON + json+multiline+grep+modify', transforms: [...TO_JSON, ...CHAIN], multiline: true, ref: 'json-prep', json: 'parses' },
};
const TARGET = 0.5;

const USAGE = `Usage: node bench/transforms/run.mjs [options]
  --runs N            runs; each run measures every variant once (default $BENCH_RUNS, else 3)
  --records N         generator count (default 1000000)
  --message-bytes N   generator message_bytes (default 200)
  --variants LIST     comma-separated, of ${Object.keys(VARIANTS).join(', ')}
                      (default: all; a chain variant brings its reference along)
  --cpu N             pin the shipper to this CPU with taskset (default 1, or 0 on a 1-CPU machine;
                      "none": no pinning). The benchmark itself moves to the other CPUs.
  --timeout S         give up on one measurement after S seconds (default 300)
  --cpu-prof DIR      run the shipper under \`node --cpu-prof\`, keep the profiles in DIR and print
                      the top functions of each variant's first run (slows the shipper a little)
  --json FILE         also write the results as JSON to FILE
  --keep              keep the temporary directory (pipelines, outputs, shipper stderr)
Exit status: 0 every record in every output exactly once; 1 records missing/duplicated or a run
failed; 2 setup problem. Speed never changes the exit status.`;

const EXIT_CORRECTNESS = 1;
const EXIT_SETUP = 2;
const POLL_MS = 100;
const STALL_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// options

let options;
try {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
      records: { type: 'string', default: '1000000' },
      'message-bytes': { type: 'string', default: '200' },
      variants: { type: 'string', default: Object.keys(VARIANTS).join(',') },
      cpu: { type: 'string', default: cpus().length > 1 ? '1' : '0' },
      timeout: { type: 'string', default: '300' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const asked = [...new Set(values.variants.split(',').map((v) => v.trim()).filter(Boolean))];
  for (const v of asked) if (!VARIANTS[v]) throw new Error(`unknown variant ${v} (one of ${Object.keys(VARIANTS).join(', ')})`);
  // a chain variant is only meaningful next to its reference; keep the table's order
  const wanted = new Set(asked.flatMap((v) => [v, VARIANTS[v].ref].filter(Boolean)));
  const variants = Object.keys(VARIANTS).filter((v) => wanted.has(v));
  let cpu;
  if (values.cpu !== 'none') {
    cpu = Number(values.cpu);
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpus().length) throw new Error(`--cpu must be "none" or a CPU number between 0 and ${cpus().length - 1}`);
  }
  options = {
    runs: positiveInt(values.runs, '--runs (or $BENCH_RUNS)'),
    records: positiveInt(values.records, '--records', 50_000_000),
    messageBytes: positiveInt(values['message-bytes'], '--message-bytes', 1_000_000),
    variants,
    cpu,
    timeoutMs: positiveInt(values.timeout, '--timeout') * 1000,
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    json: values.json,
    keep: values.keep,
  };
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
// cleanup: shippers and the temp dir go away on every exit path, including Ctrl-C

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const liveChildren = new Set();
let tmp;
let cleanedUp = false;

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of [...liveChildren]) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    liveChildren.delete(child);
  }
  if (tmp && !options.keep) rmSync(tmp, { recursive: true, force: true });
  else if (tmp) process.stderr.write(`bench: kept ${tmp}\n`);
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (text) => process.stderr.write(`bench: ${text}\n`);

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
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

/** Samples a process's /proc numbers every POLL_MS; the last values stay readable after it exited. */
function sampler(pid) {
  const s = { peakKiB: 0, cpu: NaN, timer: undefined };
  const take = () => {
    const peak = Math.max(procStatusKiB(pid, 'VmHWM') || 0, procStatusKiB(pid, 'VmRSS') || 0);
    if (peak > s.peakKiB) s.peakKiB = peak;
    const cpu = procCpuSeconds(pid);
    if (Number.isFinite(cpu)) s.cpu = cpu;
  };
  take();
  s.timer = setInterval(take, POLL_MS);
  s.stop = () => {
    take();
    clearInterval(s.timer);
    return { peakRssMiB: s.peakKiB / 1024 || NaN, cpuSeconds: s.cpu };
  };
  return s;
}

/** Counts lines appended to a file since the last call, reading only the new bytes. */
class LineCounter {
  constructor(path) {
    this.path = path;
    this.fd = undefined;
    this.offset = 0;
    this.lines = 0;
    this.buffer = Buffer.alloc(4 * 1024 * 1024);
  }

  poll() {
    if (this.fd === undefined) {
      if (!existsSync(this.path)) return this.lines;
      this.fd = openSync(this.path, 'r');
    }
    const size = fstatSync(this.fd).size;
    while (this.offset < size) {
      const n = readSync(this.fd, this.buffer, 0, Math.min(this.buffer.length, size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      const chunk = this.buffer.subarray(0, n);
      let at = -1;
      while ((at = chunk.indexOf(10, at + 1)) !== -1) this.lines += 1;
    }
    return this.lines;
  }

  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Every CPU but `cpu`, as a taskset list ("0,2,3"), or undefined on a 1-CPU machine. */
function otherCpus(cpu) {
  const others = cpus().map((_, i) => i).filter((i) => i !== cpu);
  return others.length ? others.join(',') : undefined;
}

// ---------------------------------------------------------------------------------------------
// the shipper

function pipelineText(variant, out) {
  return [
    'inputs:',
    '  - type: generator',
    `    count: ${options.records}`,
    `    message_bytes: ${options.messageBytes}`,
    ...(VARIANTS[variant].transforms.length ? ['transforms:', ...VARIANTS[variant].transforms] : []),
    'outputs:',
    '  - type: file',
    `    path: ${JSON.stringify(out)}`,
    '',
  ].join('\n');
}

function trackChild(child) {
  liveChildren.add(child);
  const state = { child, done: false, doneAt: undefined };
  state.exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      state.done = true;
      state.doneAt = Date.now();
      liveChildren.delete(child);
      resolveExit({ code, signal });
    });
  });
  state.isDone = () => state.done;
  return state;
}

async function stopChild(state) {
  if (state.isDone()) return state.exited;
  try {
    process.kill(state.child.pid, 'SIGTERM');
  } catch {
    // gone
  }
  const timer = setTimeout(() => {
    log('logship did not stop within 30 s of SIGTERM; killing it');
    try {
      process.kill(state.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 30_000);
  try {
    return await state.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Warn/error lines, the wall time of "pipeline running", and the metrics of "pipeline stopped". */
function readShipperLog(path) {
  const problems = [];
  let metrics;
  let runningAt;
  let sawSignal = false;
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
    if (entry.msg === 'pipeline running') runningAt = Date.parse(entry.time);
    if (entry.msg === 'SIGTERM: stopping') sawSignal = true;
    if (entry.msg === 'pipeline stopped') metrics = entry.metrics;
  }
  return { problems, metrics, runningAt, sawSignal };
}

/** Sum of a metric over its label sets, or undefined when the snapshot is missing. */
function metricSum(metrics, name) {
  if (!metrics) return undefined;
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/**
 * One measurement: spawn the shipper (pinned), poll the output's line count every POLL_MS until
 * every record is in. The rate is timed from the shipper's own "pipeline running" log line (so
 * Node start-up and config loading are left out; they are the "start s" column) until the output
 * holds every record that multiline does not hold back at the end of the input (one per
 * container: the last line of each waits flush_after, 1 s, for a continuation). "all s" is until
 * every record, that wait included.
 */
async function measure(runIndex, variant) {
  const v = VARIANTS[variant];
  const tag = `r${runIndex}-${variant}`;
  const dir = join(tmp, tag);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'out.jsonl');
  const pipeline = join(dir, 'pipeline.yaml');
  const stderrPath = join(dir, 'logship.stderr');
  writeFileSync(pipeline, pipelineText(variant, out));
  const result = { run: runIndex, variant, errors: [] };
  // the generator's default single container: multiline holds its last line until flush_after
  const heldAtEnd = v.multiline ? 1 : 0;
  const target = options.records - heldAtEnd;

  const nodeArgs = [];
  if (options.cpuProf) {
    const name = `logship-transforms-${runId}-${tag}.cpuprofile`;
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProf, '--cpu-prof-name', name);
    result.profile = join(options.cpuProf, name);
  }
  const argv = [...nodeArgs, BIN, 'run', pipeline, '--state-dir', join(dir, 'state')];
  const [command, args] = options.cpu === undefined ? [process.execPath, argv] : ['taskset', ['-c', String(options.cpu), process.execPath, ...argv]];
  const stderrFd = openSync(stderrPath, 'w');
  const spawnedAt = Date.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', stderrFd] });
  closeSync(stderrFd);
  const shipper = trackChild(child);
  const sampling = sampler(child.pid);
  const counter = new LineCounter(out);
  let lastCount = 0;
  let lastGrowth = Date.now();
  let endAt;
  let endCount;
  let allAt;
  try {
    for (;;) {
      const polledAt = Date.now();
      const wasDone = shipper.isDone();
      const count = counter.poll();
      const now = Date.now();
      if (count > 0 && result.firstRecordAt === undefined) result.firstRecordAt = now;
      if (endAt === undefined && count >= target) {
        endAt = now;
        endCount = count;
      }
      if (count >= options.records) {
        allAt = now;
        break;
      }
      if (count !== lastCount) {
        lastCount = count;
        lastGrowth = now;
      }
      if (wasDone) {
        result.errors.push(`logship exited with ${count} of ${options.records} records in the output`);
        break;
      }
      if (now - lastGrowth > STALL_MS) {
        result.errors.push(`no new records for ${STALL_MS / 1000} s; stuck at ${count} of ${options.records}`);
        break;
      }
      if (now - spawnedAt > options.timeoutMs) {
        result.errors.push(`timed out after ${options.timeoutMs / 1000} s with ${count} of ${options.records} records`);
        break;
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - polledAt)));
    }
  } finally {
    const usage = sampling.stop();
    result.peakRssMiB = usage.peakRssMiB;
    result.cpuSeconds = usage.cpuSeconds;
  }
  result.exitedByItself = shipper.isDone();
  const exit = await stopChild(shipper);
  const shipperLog = readShipperLog(stderrPath);
  if (exit.code !== 0 && !(exit.signal === 'SIGTERM' && !shipperLog.sawSignal)) result.errors.push(`logship exited with ${exit.code ?? exit.signal}`);
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  result.parseErrors = metricSum(shipperLog.metrics, 'parse_errors_total');
  result.startSeconds = shipperLog.runningAt !== undefined ? (shipperLog.runningAt - spawnedAt) / 1000 : undefined;
  if (shipperLog.runningAt === undefined) result.errors.push('no "pipeline running" line in the shipper\'s log');
  if (endAt !== undefined && shipperLog.runningAt !== undefined) {
    result.seconds = (endAt - shipperLog.runningAt) / 1000;
    result.recordsPerSec = endCount / result.seconds;
  }
  if (allAt !== undefined) result.allSeconds = (allAt - spawnedAt) / 1000;
  if (result.firstRecordAt !== undefined) result.firstRecordSeconds = (result.firstRecordAt - spawnedAt) / 1000;
  counter.close();
  result.outputBytes = existsSync(out) ? statSync(out).size : 0;
  Object.assign(result, await verifyOutput(out, variant));
  if (result.records !== options.records || result.missing || result.duplicates || result.foreign) result.errors.push(`output: ${result.records} records, ${result.missing} missing, ${result.duplicates} duplicated, ${result.foreign} not recognised`);
  if (result.shapeProblem) result.errors.push(`output shape: ${result.shapeProblem}`);
  if (!options.keep) rmSync(out, { force: true });
  log(`run ${runIndex} ${variant}: ${fmt(result.recordsPerSec)} records/s, ${fmt(result.cpuSeconds, 1)} CPU s, peak RSS ${fmt(result.peakRssMiB, 1)} MiB${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  return result;
}

/** Every sequence number exactly once, and the first record shaped as the variant makes it. */
async function verifyOutput(path, variant) {
  const result = { records: 0, missing: options.records, duplicates: 0, foreign: 0, shapeProblem: undefined };
  if (!existsSync(path)) return result;
  const seen = new Uint8Array(options.records + 1);
  // the number in "message":"<n> xxx…", also inside the escaped JSON text of json-prep
  const seq = /"message":"(?:\{\\"level\\":\\"info\\",\\"message\\":\\")?(\d+)[ "\\]/;
  let first;
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of reader) {
    if (!line) continue;
    result.records += 1;
    if (first === undefined) first = line;
    const m = seq.exec(line);
    const n = m ? Number(m[1]) : 0;
    if (!(n >= 1 && n <= options.records)) result.foreign += 1;
    else if (seen[n]) result.duplicates += 1;
    else seen[n] = 1;
  }
  let missing = 0;
  for (let n = 1; n <= options.records; n++) if (!seen[n]) missing += 1;
  result.missing = missing;
  if (first !== undefined) {
    result.sample = JSON.parse(first);
    result.shapeProblem = shapeProblem(result.sample, variant);
  }
  return result;
}

function shapeProblem(record, variant) {
  const plain = /^\d+( x*)?$/.test(record.message);
  const chained = VARIANTS[variant].transforms === CHAIN || variant === 'json-prep+chain';
  if (variant === 'json-prep') return record.message.startsWith('{"level":"info","message":"') ? undefined : 'message is not the JSON text';
  if (!plain) return 'message is not "<n> xxx…"';
  if (!chained) return undefined;
  if (record.env !== 'production' || record.service !== record.container?.name || record.container?.image !== undefined) return 'modify did not set env, copy service or remove container.image';
  if (variant === 'chain' && typeof record.parse_error !== 'string') return 'no parse_error although the message is not JSON';
  if (variant === 'json-prep+chain' && (record.parse_error !== undefined || record.level !== 'info')) return 'json did not parse the JSON message';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// profiles: self time per function, from a .cpuprofile (as bench/elasticsearch), and inclusive
// time of logship's own functions (what each transform costs with what it calls)

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
  const label = (callFrame) => `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
  const byFunction = new Map();
  const byArea = new Map();
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const url = shortUrl(callFrame.url);
    let fn = url ? label(callFrame) : callFrame.functionName || '(anonymous)';
    if (!url && !callFrame.functionName) {
      const parent = byId.get(parentOf.get(id))?.callFrame;
      if (parent) fn = `(native, called by ${label(parent)})`;
    }
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const area = !url ? callFrame.functionName || '(native)' : url.startsWith('dist/') ? url : url.startsWith('node_modules/') ? url.split('/').slice(0, url.split('/')[1].startsWith('@') ? 3 : 2).join('/') : url;
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    // inclusive: once per distinct dist/ function on the sample's stack
    const seenHere = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at).callFrame;
      if (!shortUrl(frame.url).startsWith('dist/')) continue;
      const key = label(frame);
      if (seenHere.has(key)) continue;
      seenHere.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const rank = (map, n = top) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ name: k, ms: us / 1000, pct: (100 * us) / total }));
  return { path, totalMs: total / 1000, functions: rank(byFunction), areas: rank(byArea), inclusive: rank(inclusive, 25) };
}

function printProfiles(results) {
  const summaries = [];
  const printed = new Set();
  for (const r of results) {
    if (!r.profile) continue;
    if (!existsSync(r.profile)) {
      process.stdout.write(`\nrun ${r.run} ${r.variant}: no profile written at ${r.profile}\n`);
      continue;
    }
    const s = summarizeProfile(r.profile);
    summaries.push({ run: r.run, variant: r.variant, ...s });
    if (printed.has(r.variant)) continue;
    printed.add(r.variant);
    const rows = (list) => list.map((f) => `  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`).join('');
    process.stdout.write(`\nCPU profile, run ${r.run}, ${r.variant} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${r.profile})\n  top self time by function:\n${rows(s.functions)}`);
    process.stdout.write(`  by file / package:\n${rows(s.areas.slice(0, 12))}`);
    process.stdout.write(`  inclusive time of logship's functions (dist/):\n${rows(s.inclusive.slice(0, 15))}`);
  }
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// report

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return '-';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/** Per run: each variant's rate ÷ none's, and ÷ its reference's (the chain ratio); CPU the same way. */
function addRatios(results) {
  for (const r of results) {
    const same = (variant) => results.find((x) => x.run === r.run && x.variant === variant);
    const none = same('none');
    r.ratio = r.recordsPerSec / none?.recordsPerSec;
    r.cpuPerRecordUs = (r.cpuSeconds / options.records) * 1e6;
    r.bytesPerRecord = r.outputBytes / r.records;
    const ref = VARIANTS[r.variant].ref && same(VARIANTS[r.variant].ref);
    if (ref) {
      r.chainRatio = r.recordsPerSec / ref.recordsPerSec;
      r.cpuRatio = ref.cpuSeconds / r.cpuSeconds;
    }
  }
}

function printTable(results) {
  const columns = [
    ['run', (r) => String(r.run)],
    ['variant', (r) => r.variant],
    ['records/s', (r) => fmt(r.recordsPerSec)],
    ['ratio vs none', (r) => fmt(r.ratio, 2)],
    ['chain ratio', (r) => fmt(r.chainRatio, 2)],
    ['CPU ratio', (r) => fmt(r.cpuRatio, 2)],
    ['peak RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['CPU µs/rec', (r) => fmt(r.cpuPerRecordUs, 1)],
    ['out B/rec', (r) => fmt(r.bytesPerRecord)],
    ['s', (r) => fmt(r.seconds, 2)],
    ['start s', (r) => fmt(r.startSeconds, 2)],
    ['all s', (r) => fmt(r.allSeconds, 2)],
    ['parse errors', (r) => (VARIANTS[r.variant]?.json ? fmt(r.parseErrors) : '-')],
    ['missing', (r) => fmt(r.missing)],
    ['dup', (r) => fmt(r.duplicates)],
  ];
  const keys = ['recordsPerSec', 'ratio', 'chainRatio', 'cpuRatio', 'peakRssMiB', 'cpuSeconds', 'cpuPerRecordUs', 'bytesPerRecord', 'seconds', 'startSeconds', 'allSeconds', 'parseErrors', 'missing', 'duplicates'];
  const sorted = [...results].sort((a, b) => options.variants.indexOf(a.variant) - options.variants.indexOf(b.variant) || a.run - b.run);
  const summaries = options.variants.map((variant) => {
    const mine = results.filter((r) => r.variant === variant);
    const s = { run: 'median', variant };
    for (const key of keys) s[key] = median(mine.map((r) => r[key]));
    return s;
  });
  const cells = (r) => columns.map(([, get]) => get(r));
  const all = [...sorted, ...summaries].map(cells);
  const widths = columns.map(([title], i) => Math.max(title.length, ...all.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(columns.map(([title]) => title)), rule, ...sorted.map((r) => line(cells(r))), rule, ...summaries.map((r) => line(cells(r)))];
  process.stdout.write(`\n== ${fmt(options.records)} generator records, message_bytes ${options.messageBytes}, file output, shipper ${options.cpu === undefined ? 'not pinned' : `pinned to CPU ${options.cpu}`} ==\n`);
  process.stdout.write(`${options.variants.map((v) => `${v.padEnd(16)} ${VARIANTS[v].title}${VARIANTS[v].json === 'fails' ? ' (json fails on every record: the generator\'s messages are not JSON; each gets parse_error)' : ''}`).join('\n')}\n`);
  process.stdout.write(`\n${out.join('\n')}\n`);
  process.stdout.write(`\nchain ratio = records/s with the chain ÷ records/s of the same input without it, in the same run (chain ÷ none;\n`);
  process.stdout.write(`json-prep+chain ÷ json-prep). Target: ≥ ${TARGET.toFixed(2)} (the chain costs at most half the rate); reported, not enforced.\n`);
  process.stdout.write('CPU ratio = the reference\'s CPU s ÷ the variant\'s (less sensitive to other load on the core). records/s: from the\n');
  process.stdout.write('shipper\'s "pipeline running" until the file output holds every record (less the one multiline holds for flush_after);\n');
  process.stdout.write('"start s": spawn → "pipeline running"; "all s": spawn → every record, the multiline flush wait included.\n');
  for (const s of summaries) {
    if (!Number.isFinite(s.chainRatio)) continue;
    process.stdout.write(`${s.variant}: median chain ratio ${fmt(s.chainRatio, 2)} — ${s.chainRatio >= TARGET ? 'meets' : 'MISSES'} the target ${TARGET.toFixed(2)} (CPU ratio ${fmt(s.cpuRatio, 2)})\n`);
  }
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  for (const path of [DIST_MAIN, ...DIST_NEEDED]) {
    if (!existsSync(path)) {
      log(`${path} is missing: run \`npm run build\` first (or bench/run.sh)`);
      return EXIT_SETUP;
    }
  }
  if (options.cpu !== undefined) {
    try {
      execFileSync('taskset', ['-c', String(options.cpu), 'true'], { stdio: 'ignore' });
    } catch (err) {
      log(`taskset -c ${options.cpu} does not work here (${err.message}); install util-linux or use --cpu none`);
      return EXIT_SETUP;
    }
    // keep this process's polling off the shipper's CPU
    const others = otherCpus(options.cpu);
    if (others) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', others, String(process.pid)], { stdio: 'ignore' });
      } catch {
        log('note: could not move the benchmark itself off the shipper\'s CPU');
      }
    }
  }
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'logship-bench-transforms-'));
  const distBuilt = statSync(DIST_MAIN).mtime.toISOString();
  log(`node ${process.version}, ${options.runs} run(s) × ${options.variants.join(', ')}, ${fmt(options.records)} records of ${options.messageBytes} bytes, shipper ${options.cpu === undefined ? 'not pinned' : `on CPU ${options.cpu}`}, dist built ${distBuilt}, temp ${tmp}`);
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5 * cpus().length) log(`note: load average is ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other work on this machine (and on the shipper's CPU) skews the numbers`);

  const results = [];
  for (let run = 1; run <= options.runs; run++) {
    // rotate the order, so that no variant is always first (or always right after another)
    const order = options.variants.map((_, i) => options.variants[(i + run - 1) % options.variants.length]);
    for (const variant of order) {
      try {
        results.push(await measure(run, variant));
      } catch (err) {
        log(`run ${run} ${variant} failed: ${err.stack ?? err}`);
        results.push({ run, variant, failed: true, errors: [String(err.message ?? err)] });
      }
    }
  }

  addRatios(results);
  const summary = printTable(results);
  let failed = false;
  const notes = [];
  for (const r of results) {
    const n = [...r.errors];
    for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
    if (n.length) notes.push(`run ${r.run} ${r.variant}: ${n.join('; ')}`);
    if (r.failed || r.errors.length) failed = true;
  }
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = { before: loadBefore, after: loadavg()[0], cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  const profiles = printProfiles(results);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({
      bench: 'transforms', records: options.records, messageBytes: options.messageBytes, cpu: options.cpu ?? null, node: process.version, distBuilt, load, target: TARGET,
      variants: Object.fromEntries(options.variants.map((v) => [v, { title: VARIANTS[v].title, ref: VARIANTS[v].ref ?? null, pipeline: pipelineText(v, '<out>') }])),
      summary, runs: results, profiles,
    }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (records missing or duplicated, or a run failed)\n' : 'RESULT: OK (every record exactly once in every output)\n');
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
