#!/usr/bin/env node
// Benchmark: how fast logship's docker_logs input ships one container's log into a file,
// compared with the raw read rate of `docker logs -t` on the same log. See README.md.
//
// Plain ESM JavaScript (no build step): Node built-ins and the docker CLI only.
// Run `npm run build` first (bench/run.sh does both).

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

const USAGE = `Usage: node bench/docker-logs/run.mjs [options]
  --lines N         lines the container prints (default 500000, at most 9999999)
  --runs N          shipper runs, each on a new container (default 3)
  --ref-reps N      timed \`docker logs -t\` reads per container (default 3)
  --timeout S       give up on one shipper run after S seconds (default 120)
  --image IMAGE     busybox image with sh and awk (default logship-test/busybox:1)
  --skip-catch-up   only the live mode (see README)
  --follow-ref      also time \`docker logs -f -t\` on an extra container per run,
                    started together with it (Docker's own live-follow rate)
  --json FILE       also write the results as JSON to FILE
  --keep            keep the temporary directory (output files, shipper stderr)
Exit status: 0 all lines shipped exactly once; 1 lines missing/duplicated or a run failed; 2 setup problem.`;

const EXIT_CORRECTNESS = 1;
const EXIT_SETUP = 2;
const LINE_BYTES = 90; // including the newline
const POLL_MS = 100;
const STALL_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// options

let options;
try {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '500000' },
      runs: { type: 'string', default: '3' },
      'ref-reps': { type: 'string', default: '3' },
      timeout: { type: 'string', default: '120' },
      image: { type: 'string', default: 'logship-test/busybox:1' },
      'skip-catch-up': { type: 'boolean', default: false },
      'follow-ref': { type: 'boolean', default: false },
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
  options = {
    lines: positiveInt(values.lines, '--lines', 9_999_999),
    runs: positiveInt(values.runs, '--runs'),
    refReps: positiveInt(values['ref-reps'], '--ref-reps'),
    timeoutMs: positiveInt(values.timeout, '--timeout') * 1000,
    image: values.image,
    catchUp: !values['skip-catch-up'],
    followRef: values['follow-ref'],
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
// cleanup: containers and the temp dir go away on every exit path, including Ctrl-C

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const RUN_LABEL = 'logship.bench.run';
const createdContainers = new Set();
const liveChildren = new Set();
let tmp;
let cleanedUp = false;

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of liveChildren) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  let ids = [...createdContainers];
  try {
    const listed = execFileSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${runId}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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

// ---------------------------------------------------------------------------------------------
// the container

/** awk program printing `seq=NNNNNNN xxx…x` lines of exactly LINE_BYTES bytes, as fast as it can. */
function generatorScript(lines) {
  const pad = LINE_BYTES - 1 - 'seq=0000000 '.length;
  return `awk 'BEGIN{p=sprintf("%${pad}s","");gsub(/ /,"x",p);for(i=1;i<=${lines};i++)printf "seq=%07d %s\\n",i,p}'`;
}

function createContainer(name, label) {
  docker([
    'create', '--network', 'none', '--name', name,
    '--label', `logship.bench=${label}`, '--label', `${RUN_LABEL}=${runId}`,
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

/** Lines Docker itself returns for the container (ground truth when the shipper's output is short). */
async function countDockerLogLines(name) {
  return new Promise((resolveCount, reject) => {
    const child = spawn('docker', ['logs', name], { stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    child.stdout.on('data', (chunk) => {
      let at = -1;
      while ((at = chunk.indexOf(10, at + 1)) !== -1) lines += 1;
    });
    child.once('error', reject);
    child.once('close', () => resolveCount(lines));
  });
}

/** Docker's own live-follow rate: `docker logs -f -t` attached at container start. */
async function timeDockerFollow(name) {
  const devNull = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    docker(['start', name]);
    const { code } = await run('docker', ['logs', '-f', '-t', name], { stdio: ['ignore', devNull, devNull] });
    if (code !== 0) throw new Error(`docker logs -f -t ${name} exited with ${code}`);
    return (performance.now() - t0) / 1000;
  } finally {
    closeSync(devNull);
  }
}

// ---------------------------------------------------------------------------------------------
// the shipper

/** Writes a pipeline for containers labelled logship.bench=LABEL into OUT and spawns logship on STATE_DIR. */
function spawnShipper(dir, label, out, stateDir, tag) {
  const pipeline = join(dir, `pipeline-${tag}.yaml`);
  const stderrPath = join(dir, `logship-${tag}.stderr`);
  writeFileSync(pipeline, [
    'inputs:',
    '  - type: docker_logs',
    '    include:',
    `      labels: ["logship.bench=${label}"]`,
    'outputs:',
    '  - type: file',
    `    path: ${JSON.stringify(out)}`,
    '',
  ].join('\n'));
  const stderrFd = openSync(stderrPath, 'w');
  const child = spawn(process.execPath, [BIN, 'run', pipeline, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', stderrFd] });
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
  return { child, exited, out, stderrPath, isDone: () => done };
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

/** Checks that every sequence number is in the output exactly once. */
async function verifyOutput(path, lines) {
  const seen = new Uint8Array(lines + 1);
  const result = { records: 0, missing: 0, duplicates: 0, foreign: 0, wrongStream: 0, outOfOrder: 0 };
  if (!existsSync(path)) {
    result.missing = lines;
    return result;
  }
  let previous = 0;
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
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
    if (record.stream !== 'stdout') result.wrongStream += 1;
    if (seq < previous) result.outOfOrder += 1;
    previous = seq;
    if (seen[seq] < 255) seen[seq] += 1;
  }
  for (let seq = 1; seq <= lines; seq++) {
    if (seen[seq] === 0) result.missing += 1;
    else if (seen[seq] > 1) result.duplicates += seen[seq] - 1;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// one run: live mode on a new container, the reference on that container, then catch-up mode

/**
 * Polls the output until it holds options.lines lines (or the shipper stalls, dies or times out),
 * then records peak RSS and CPU, stops the shipper with SIGTERM and checks the output.
 */
async function shipAndStop(shipper, t0, result) {
  const counter = new LineCounter(shipper.out);
  let peakSampledKiB = 0;
  const sampler = setInterval(() => {
    const rss = procStatusKiB(shipper.child.pid, 'VmRSS');
    if (rss > peakSampledKiB) peakSampledKiB = rss;
  }, POLL_MS);
  let lastGrowth = performance.now();
  let lastCount = 0;
  try {
    for (;;) {
      const count = counter.poll();
      const now = performance.now();
      if (count > 0 && result.firstLineSeconds === undefined) result.firstLineSeconds = (now - t0) / 1000;
      if (count >= options.lines) {
        result.shipperSeconds = (now - t0) / 1000;
        result.shipperLinesPerSec = options.lines / result.shipperSeconds;
        result.reachedAt = Date.now();
        break;
      }
      if (count !== lastCount) {
        lastCount = count;
        lastGrowth = now;
      }
      if (shipper.isDone()) {
        result.errors.push(`logship exited early with ${count} of ${options.lines} lines written`);
        break;
      }
      if (now - lastGrowth > STALL_MS) {
        result.errors.push(`no new output for ${STALL_MS / 1000} s; stuck at ${count} of ${options.lines} lines`);
        break;
      }
      if (now - t0 > options.timeoutMs) {
        result.errors.push(`timed out after ${options.timeoutMs / 1000} s with ${count} of ${options.lines} lines`);
        break;
      }
      await sleep(POLL_MS);
    }
  } finally {
    clearInterval(sampler);
    counter.close();
  }
  result.peakRssMiB = Math.max(procStatusKiB(shipper.child.pid, 'VmHWM') || 0, peakSampledKiB) / 1024 || NaN;
  result.cpuSeconds = procCpuSeconds(shipper.child.pid);
  const exit = await stopShipper(shipper);
  if (exit.code !== 0) result.errors.push(`logship exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const shipperLog = readShipperLog(shipper.stderrPath);
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  Object.assign(result, await verifyOutput(shipper.out, options.lines));
}

async function measure(index) {
  const label = `${runId}-${index}`;
  const dir = join(tmp, `run${index}`);
  const stateDir = join(dir, 'state');
  mkdirSync(dir, { recursive: true });

  // live: the shipper is running when the container starts; timed from `docker start`
  const liveName = `logship-bench-${label}-live`;
  const live = { run: index, mode: 'live', container: liveName, errors: [] };
  const shipper = spawnShipper(dir, label, join(dir, 'out-live.jsonl'), stateDir, 'live');
  await waitUntilReady(shipper);
  createContainer(liveName, label);
  const t0 = performance.now();
  docker(['start', liveName]);
  await shipAndStop(shipper, t0, live);
  docker(['wait', liveName]);
  const times = containerTimes(liveName);
  live.producerSeconds = times.producerSeconds;
  if (times.exitCode !== 0) live.errors.push(`the log container exited with ${times.exitCode}`);
  if (live.reachedAt !== undefined) live.tailLagSeconds = (live.reachedAt - times.finishedAtMs) / 1000;
  if (live.missing > 0) {
    live.dockerLines = await countDockerLogLines(liveName);
    if (live.dockerLines !== options.lines) live.errors.push(`docker logs itself returned ${live.dockerLines} lines`);
  }

  // reference: the same container's finished log, read by the docker CLI
  log(`run ${index}: live ${live.shipperSeconds ? `${live.shipperSeconds.toFixed(2)} s` : 'incomplete'}; timing docker logs -t ×${options.refReps}`);
  const reference = await timeDockerLogs(liveName, options.refReps);
  for (const r of [live]) {
    r.referenceSeconds = reference.seconds;
    r.referenceAll = reference.all;
    r.referenceLinesPerSec = options.lines / reference.seconds;
    r.ratio = r.shipperLinesPerSec / r.referenceLinesPerSec;
  }
  removeContainer(liveName);
  const results = [live];

  // catch-up: a container that ran and exited while the shipper was down (since its last
  // checkpoint); the restarted shipper reads the finished log, like `docker logs -t` does.
  // Timed from spawning the shipper, so node start-up is included.
  if (options.catchUp) {
    const catchName = `logship-bench-${label}-catchup`;
    const catchUp = { run: index, mode: 'catch-up', container: catchName, errors: [] };
    createContainer(catchName, label);
    docker(['start', catchName]);
    docker(['wait', catchName]);
    const catchTimes = containerTimes(catchName);
    if (catchTimes.exitCode !== 0) catchUp.errors.push(`the log container exited with ${catchTimes.exitCode}`);
    const t1 = performance.now();
    const restarted = spawnShipper(dir, label, join(dir, 'out-catchup.jsonl'), stateDir, 'catchup');
    await shipAndStop(restarted, t1, catchUp);
    if (catchUp.missing > 0) {
      catchUp.dockerLines = await countDockerLogLines(catchName);
      if (catchUp.dockerLines !== options.lines) catchUp.errors.push(`docker logs itself returned ${catchUp.dockerLines} lines`);
    }
    catchUp.referenceSeconds = reference.seconds;
    catchUp.referenceLinesPerSec = options.lines / reference.seconds;
    catchUp.ratio = catchUp.shipperLinesPerSec / catchUp.referenceLinesPerSec;
    removeContainer(catchName);
    log(`run ${index}: catch-up ${catchUp.shipperSeconds ? `${catchUp.shipperSeconds.toFixed(2)} s` : 'incomplete'}`);
    results.push(catchUp);
  }

  if (options.followRef) {
    const followName = `logship-bench-${label}-follow`;
    createContainer(followName, `${label}-follow`);
    live.followSeconds = await timeDockerFollow(followName);
    live.followLinesPerSec = options.lines / live.followSeconds;
    removeContainer(followName);
  }

  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

// ---------------------------------------------------------------------------------------------
// report

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return '-';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

function printTable(results) {
  const columns = [
    ['run', (r) => String(r.run)],
    ['mode', (r) => r.mode ?? '-'],
    ['lines', () => fmt(options.lines)],
    ['docker logs -t/s', (r) => fmt(r.referenceLinesPerSec)],
    ['shipper/s', (r) => fmt(r.shipperLinesPerSec)],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['peak RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['missing', (r) => fmt(r.missing)],
    ['duplicates', (r) => fmt(r.duplicates)],
    ['shipper s', (r) => fmt(r.shipperSeconds, 2)],
    ['first line s', (r) => fmt(r.firstLineSeconds, 2)],
    ['CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['producer s', (r) => fmt(r.producerSeconds, 2)],
    ['tail lag s', (r) => fmt(r.tailLagSeconds, 2)],
  ];
  if (options.followRef) columns.splice(4, 0, ['logs -f -t/s', (r) => fmt(r.followLinesPerSec)]);
  const keys = ['referenceLinesPerSec', 'followLinesPerSec', 'shipperLinesPerSec', 'ratio', 'peakRssMiB', 'missing', 'duplicates', 'shipperSeconds', 'firstLineSeconds', 'cpuSeconds', 'producerSeconds', 'tailLagSeconds'];
  const modes = [...new Set(results.map((r) => r.mode).filter(Boolean))];
  const summaries = modes.map((mode) => {
    const rows = results.filter((r) => r.mode === mode);
    const summary = { run: 'median', mode };
    for (const key of keys) summary[key] = median(rows.map((r) => r[key]));
    return summary;
  });
  const body = [...results].sort((a, b) => (a.mode ?? '').localeCompare(b.mode ?? '') * -1 || a.run - b.run);
  const cells = (r) => columns.map(([, get]) => get(r));
  const all = [...body, ...summaries].map(cells);
  const widths = columns.map(([title], i) => Math.max(title.length, ...all.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(columns.map(([title]) => title)), rule, ...body.map((r) => line(cells(r))), rule, ...summaries.map((r) => line(cells(r)))];
  process.stdout.write(`\n${out.join('\n')}\n`);
  process.stdout.write('\nratio = shipper lines/s ÷ docker logs -t lines/s on the finished log (target ≥ 0.80; reported, not enforced)\n');
  process.stdout.write('live: shipper running, timed from `docker start` (includes the producer\'s own run time); catch-up: shipper restarted after the container exited, timed from spawning it\n');
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  if (!existsSync(DIST_MAIN)) {
    log(`${DIST_MAIN} is missing: run \`npm run build\` first (or bench/run.sh)`);
    return EXIT_SETUP;
  }
  let serverVersion;
  try {
    serverVersion = docker(['version', '--format', '{{.Server.Version}}']);
    docker(['image', 'inspect', '--format', '{{.Id}}', options.image]);
  } catch (err) {
    log(`Docker is not usable or ${options.image} is missing (${err.message.split('\n')[0]}); run scripts/docker-up.sh`);
    return EXIT_SETUP;
  }
  tmp = mkdtempSync(join(tmpdir(), 'logship-bench-'));
  log(`docker ${serverVersion}, node ${process.version}, ${options.runs} run(s) × ${options.lines} lines of ${LINE_BYTES} bytes, id ${runId}`);
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5 * cpus().length) log(`note: load average is ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other work on this machine skews the numbers`);

  const results = [];
  for (let i = 1; i <= options.runs; i++) {
    try {
      results.push(...(await measure(i)));
    } catch (err) {
      log(`run ${i} failed: ${err.stack ?? err}`);
      results.push({ run: i, mode: 'failed', errors: [String(err.message ?? err)], missing: NaN, duplicates: NaN });
    }
  }

  const summaries = printTable(results);
  let failed = false;
  for (const r of results) {
    const notes = [...r.errors];
    if (r.foreign) notes.push(`${r.foreign} output lines not from the benchmark container`);
    if (r.wrongStream) notes.push(`${r.wrongStream} records not marked stream=stdout`);
    if (r.outOfOrder) notes.push(`${r.outOfOrder} records out of sequence order`);
    for (const p of r.shipperProblems ?? []) notes.push(`logship said: ${p}`);
    if (notes.length) process.stdout.write(`run ${r.run} ${r.mode}: ${notes.join('; ')}\n`);
    if (r.errors.length || !(r.missing === 0) || !(r.duplicates === 0) || r.foreign || r.wrongStream) failed = true;
  }
  const load = { before: loadBefore, after: loadavg()[0], cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ lines: options.lines, lineBytes: LINE_BYTES, docker: serverVersion, node: process.version, load, summary: summaries, runs: results }, null, 2)}\n`);
  process.stdout.write(failed ? 'RESULT: FAIL (lines missing, duplicated or a run failed)\n' : 'RESULT: OK (every line shipped exactly once)\n');
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
