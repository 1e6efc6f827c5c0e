#!/usr/bin/env node
// Benchmark: how fast logship's docker_tail input ships a file that lives inside a container into
// a file output, compared with the raw rate of `cat`-ing the same file through an exec of the
// Docker Engine API (dockerode, as the shipper uses). See README.md.
//
// Plain ESM JavaScript (no build step): Node built-ins, the docker CLI and dockerode from
// node_modules. Run `npm run build` first (bench/run.sh does both).

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const DIST_TAIL = join(ROOT, 'dist', 'inputs', 'docker_tail', 'index.js');

const USAGE = `Usage: node bench/docker-tail/run.mjs [options]
  --lines N         lines written into the file in the container (default 500000, at most 9999999)
  --runs N          runs, each on a new container (default $BENCH_RUNS, else 3)
  --ref-reps N      timed exec \`cat\` reads per container (default 3)
  --timeout S       give up on one shipper run after S seconds (default 120)
  --image IMAGE     busybox image with sh, awk, cat, tail and stat (default logship-test/busybox:1)
  --file PATH       the file inside the container (default /var/log/bench.log)
  --skip-catch-up   only the live mode (see README)
  --skip-live       only the catch-up mode
  --cpu-prof DIR    run the shipper under \`node --cpu-prof\`, keep the profiles in DIR and print
                    each one's top self-time functions
  --json FILE       also write the results as JSON to FILE
  --keep            keep the temporary directory (output files, shipper stderr)
Exit status: 0 all lines shipped exactly once; 1 lines missing/duplicated or a run failed; 2 setup problem.`;

const EXIT_CORRECTNESS = 1;
const EXIT_SETUP = 2;
const LINE_BYTES = 90; // including the newline, as in bench/docker-logs
const POLL_MS = 100;
const STALL_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// options

let options;
try {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '500000' },
      runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
      'ref-reps': { type: 'string', default: '3' },
      timeout: { type: 'string', default: '120' },
      image: { type: 'string', default: 'logship-test/busybox:1' },
      file: { type: 'string', default: '/var/log/bench.log' },
      'skip-catch-up': { type: 'boolean', default: false },
      'skip-live': { type: 'boolean', default: false },
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
  if (values['skip-catch-up'] && values['skip-live']) throw new Error('--skip-catch-up and --skip-live leave nothing to measure');
  if (!/^\/[A-Za-z0-9._/-]+$/.test(values.file)) throw new Error('--file must be an absolute path of letters, digits, ".", "_", "-" and "/"');
  options = {
    lines: positiveInt(values.lines, '--lines', 9_999_999),
    runs: positiveInt(values.runs, '--runs (or $BENCH_RUNS)'),
    refReps: positiveInt(values['ref-reps'], '--ref-reps'),
    timeoutMs: positiveInt(values.timeout, '--timeout') * 1000,
    image: values.image,
    file: values.file,
    live: !values['skip-live'],
    catchUp: !values['skip-catch-up'],
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
// cleanup: containers, shippers and the temp dir go away on every exit path, including Ctrl-C.
// Only containers carrying this invocation's label are ever touched.

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
    const listed = execFileSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=tail-${runId}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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
const engine = new Docker(); // $DOCKER_HOST, else the local socket: what the shipper and the docker CLI use

function docker(args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

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

/**
 * Counts newline bytes in the stdout frames of Docker's multiplexed exec stream
 * (`[type, 0, 0, 0, length u32 BE] payload`), across arbitrary chunk boundaries.
 */
class StdoutNewlineCounter {
  constructor() {
    this.header = Buffer.alloc(8);
    this.headerFilled = 0;
    this.type = 0;
    this.left = 0;
    this.lines = 0;
    this.stdoutBytes = 0;
    this.stderr = [];
  }

  push(chunk) {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.left === 0) {
        const take = Math.min(8 - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < 8) return;
        this.headerFilled = 0;
        this.type = this.header[0];
        this.left = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.left, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      this.left -= take;
      if (this.type === 2) {
        if (this.stderr.length < 20) this.stderr.push(piece.toString('utf8'));
        continue;
      }
      this.stdoutBytes += piece.length;
      let at = -1;
      while ((at = piece.indexOf(10, at + 1)) !== -1) this.lines += 1;
    }
  }
}

/**
 * Runs CMD in the container through the Engine API exactly as the shipper starts its tail
 * (attached stdin, no TTY, hijacked connection; stdin is closed at once) and reads the output to
 * its end. Resolves with the wall time from exec create to the end of the stream.
 */
async function execToEnd(container, cmd) {
  const t0 = performance.now();
  const exec = await engine.getContainer(container).exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: false, Detach: false });
  const counter = new StdoutNewlineCounter();
  await new Promise((resolveEnd, reject) => {
    stream.on('data', (chunk) => counter.push(chunk));
    stream.once('end', resolveEnd);
    stream.once('close', resolveEnd);
    stream.once('error', reject);
    stream.end();
  });
  const seconds = (performance.now() - t0) / 1000;
  let exitCode = null;
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) {
      exitCode = info.ExitCode;
      break;
    }
    await sleep(20);
  }
  return { seconds, lines: counter.lines, bytes: counter.stdoutBytes, exitCode, stderr: counter.stderr.join('').trim() };
}

// ---------------------------------------------------------------------------------------------
// the container

/** awk program appending `seq=NNNNNNN xxx…x` lines of exactly LINE_BYTES bytes to FILE, as fast as it can. */
function writerCommand(lines, file) {
  const pad = LINE_BYTES - 1 - 'seq=0000000 '.length;
  return ['sh', '-c', `awk 'BEGIN{p=sprintf("%${pad}s","");gsub(/ /,"x",p);for(i=1;i<=${lines};i++)printf "seq=%07d %s\\n",i,p}' >> ${file}`];
}

/** A container that creates the (empty) file and then just stays up: docker_tail follows running containers only. */
function startContainer(name, label) {
  docker([
    'run', '-d', '--network', 'none', '--name', name,
    '--label', `logship.bench=${label}`, '--label', `${RUN_LABEL}=tail-${runId}`,
    options.image, 'sh', '-c', `mkdir -p ${dirname(options.file)} && : > ${options.file} && exec sleep 86400`,
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

/** Execs currently running in the container (the shipper's tail is one). */
async function runningExecs(name) {
  const info = await engine.getContainer(name).inspect();
  return info.ExecIDs?.length ?? 0;
}

/** `tail` processes left in the container (by the host's ps, so no exec is added). */
function tailProcesses(name) {
  try {
    return docker(['top', name, '-o', 'pid,args']).split('\n').slice(1).filter((l) => /\btail\b/.test(l)).length;
  } catch {
    return NaN;
  }
}

/** Waits up to 5 s for the shipper's tail to go away after it stopped; returns how many remain. */
async function leftoverTails(name) {
  let n = NaN;
  for (let i = 0; i < 25; i++) {
    n = tailProcesses(name);
    if (n === 0) return 0;
    await sleep(200);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// the shipper

/** Writes a pipeline tailing FILE in containers labelled logship.bench=LABEL into OUT and spawns logship on STATE_DIR. */
function spawnShipper(dir, label, out, stateDir, tag) {
  const pipeline = join(dir, `pipeline-${tag}.yaml`);
  const stderrPath = join(dir, `logship-${tag}.stderr`);
  writeFileSync(pipeline, [
    'inputs:',
    '  - type: docker_tail',
    '    include:',
    `      labels: ["logship.bench=${label}"]`,
    `    paths: [${JSON.stringify(options.file)}]`,
    'outputs:',
    '  - type: file',
    `    path: ${JSON.stringify(out)}`,
    '',
  ].join('\n'));
  const nodeArgs = [];
  let profileName;
  if (options.cpuProf) {
    profileName = `logship-${label}-${tag}.cpuprofile`;
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProf, '--cpu-prof-name', profileName);
  }
  const stderrFd = openSync(stderrPath, 'w');
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'run', pipeline, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', stderrFd] });
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
  return { child, exited, out, stderrPath, profile: profileName && join(options.cpuProf, profileName), isDone: () => done };
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

/** Checks that every sequence number is in the output exactly once, as an exec record of the file. */
async function verifyOutput(path, lines) {
  const seen = new Uint8Array(lines + 1);
  const result = { records: 0, missing: 0, duplicates: 0, foreign: 0, wrongFields: 0, outOfOrder: 0 };
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
    if (record.stream !== 'stdout' || record.source !== 'exec' || record.log?.file?.path !== options.file) result.wrongFields += 1;
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
// one run: live mode on a new container, the exec-cat reference on its finished file, then catch-up

/**
 * Polls the output until it holds options.lines lines (or the shipper stalls, dies or times out),
 * then records peak RSS and CPU, stops the shipper with SIGTERM and checks the output.
 * `t0` is read through a function: in live mode it is set once the writer starts.
 */
async function shipAndStop(shipper, getT0, result, container) {
  const counter = new LineCounter(shipper.out);
  let peakSampledKiB = 0;
  const sampler = setInterval(() => {
    const rss = procStatusKiB(shipper.child.pid, 'VmRSS');
    if (rss > peakSampledKiB) peakSampledKiB = rss;
  }, POLL_MS);
  let lastGrowth = performance.now();
  let lastCount = 0;
  let firstAt;
  try {
    for (;;) {
      const count = counter.poll();
      const now = performance.now();
      const t0 = getT0();
      if (count > 0 && firstAt === undefined) {
        firstAt = now;
        if (t0 !== undefined) result.firstLineSeconds = (now - t0) / 1000;
      }
      if (count >= options.lines) {
        result.shipperSeconds = (now - t0) / 1000;
        result.shipperLinesPerSec = options.lines / result.shipperSeconds;
        if (now > firstAt) result.firstToLastLinesPerSec = options.lines / ((now - firstAt) / 1000);
        result.reachedAt = now;
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
      if (t0 !== undefined && now - t0 > options.timeoutMs) {
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
  result.leftoverTails = await leftoverTails(container);
  if (result.leftoverTails !== 0) result.notes.push(`${result.leftoverTails} tail process(es) still in the container 5 s after the shipper stopped`);
  const shipperLog = readShipperLog(shipper.stderrPath);
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  const execs = Object.entries(shipperLog.metrics ?? {}).filter(([k]) => k.startsWith('exec_created_total')).reduce((n, [, v]) => n + v, 0);
  result.execsCreated = execs;
  if (execs > 1) result.notes.push(`the shipper created ${execs} execs for one file`);
  if (shipper.profile) result.profile = shipper.profile;
  Object.assign(result, await verifyOutput(shipper.out, options.lines));
}

/** The container's own count of lines in the file (to tell a shipper loss from a writer one). */
async function fileLinesInContainer(name) {
  const { lines } = await execToEnd(name, ['cat', options.file]);
  return lines;
}

async function measure(index) {
  const label = `tail-${runId}-${index}`;
  const name = `logship-bench-${label}`;
  const dir = join(tmp, `run${index}`);
  mkdirSync(dir, { recursive: true });
  const results = [];

  // live: the shipper is running and following the (empty) file when the writer starts; timed
  // from the start of the writer exec until the output has every line
  let writer;
  if (options.live) {
    const live = { run: index, mode: 'live', container: name, errors: [], notes: [] };
    const shipper = spawnShipper(dir, label, join(dir, 'out-live.jsonl'), join(dir, 'state-live'), 'live');
    await waitUntilReady(shipper);
    startContainer(name, label);
    const attachDeadline = Date.now() + 15_000;
    while ((await runningExecs(name)) === 0) {
      if (shipper.isDone() || Date.now() > attachDeadline) throw new Error(`logship did not start its tail exec in ${name} within 15 s:\n${readFileSync(shipper.stderrPath, 'utf8')}`);
      await sleep(50);
    }
    let t0;
    const shipping = shipAndStop(shipper, () => t0, live, name);
    t0 = performance.now();
    writer = await execToEnd(name, writerCommand(options.lines, options.file));
    const writerEnd = performance.now();
    await shipping;
    live.producerSeconds = writer.seconds;
    if (live.reachedAt !== undefined) live.tailLagSeconds = (live.reachedAt - writerEnd) / 1000;
    if (writer.exitCode !== 0) live.errors.push(`the writer exited with ${writer.exitCode}: ${writer.stderr}`);
    results.push(live);
  } else {
    startContainer(name, label);
  }
  if (!writer) writer = await execToEnd(name, writerCommand(options.lines, options.file));
  if (writer.exitCode !== 0) throw new Error(`the writer exited with ${writer.exitCode}: ${writer.stderr}`);
  log(`run ${index}: wrote ${options.lines} lines in ${writer.seconds.toFixed(2)} s${results[0]?.shipperSeconds ? `; live ${results[0].shipperSeconds.toFixed(2)} s` : ''}; timing exec cat ×${options.refReps}`);

  // reference: the finished file, read by `cat` in an exec through the Engine API
  const refTimes = [];
  for (let r = 0; r < options.refReps; r++) {
    const ref = await execToEnd(name, ['cat', options.file]);
    if (ref.exitCode !== 0 || ref.lines !== options.lines) throw new Error(`exec cat returned ${ref.lines} lines, exit ${ref.exitCode}: ${ref.stderr}`);
    refTimes.push(ref.seconds);
  }
  const reference = { seconds: median(refTimes), all: refTimes };

  // catch-up: the file is complete before the shipper starts (new state dir: nothing delivered
  // yet); timed from spawning the shipper, so node start-up and discovery are included
  if (options.catchUp) {
    const catchUp = { run: index, mode: 'catch-up', container: name, errors: [], notes: [], producerSeconds: writer.seconds };
    const t1 = performance.now();
    const shipper = spawnShipper(dir, label, join(dir, 'out-catchup.jsonl'), join(dir, 'state-catchup'), 'catchup');
    await shipAndStop(shipper, () => t1, catchUp, name);
    results.push(catchUp);
    log(`run ${index}: catch-up ${catchUp.shipperSeconds ? `${catchUp.shipperSeconds.toFixed(2)} s` : 'incomplete'}`);
  }

  for (const r of results) {
    r.referenceSeconds = reference.seconds;
    r.referenceAll = reference.all;
    r.referenceLinesPerSec = options.lines / reference.seconds;
    r.ratio = r.shipperLinesPerSec / r.referenceLinesPerSec;
    if (r.missing > 0) {
      r.fileLines = await fileLinesInContainer(name);
      if (r.fileLines !== options.lines) r.errors.push(`the file in the container itself has ${r.fileLines} lines`);
    }
  }
  removeContainer(name);
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

// ---------------------------------------------------------------------------------------------
// profiles: self time per function, from a .cpuprofile

const shortUrl = (url) => url.replace(`file://${ROOT}/`, '');

function summarizeProfile(path, top = 15) {
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
      // an unnamed native frame (a builtin's C++ part): name it by the JS function that called it
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
      process.stdout.write(`\nrun ${r.run} ${r.mode}: no profile written at ${r.profile}\n`);
      continue;
    }
    const s = summarizeProfile(r.profile);
    summaries.push({ run: r.run, mode: r.mode, ...s });
    process.stdout.write(`\nCPU profile, run ${r.run} ${r.mode} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${r.profile})\n  top self time by function:\n`);
    for (const f of s.functions) process.stdout.write(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`);
    process.stdout.write('  by file / package:\n');
    for (const f of s.areas.slice(0, 10)) process.stdout.write(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`);
  }
  return summaries;
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
    ['exec cat/s', (r) => fmt(r.referenceLinesPerSec)],
    ['logship tail/s', (r) => fmt(r.shipperLinesPerSec)],
    ['ratio', (r) => fmt(r.ratio, 3)],
    ['first→last/s', (r) => fmt(r.firstToLastLinesPerSec)],
    ['peak RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['missing', (r) => fmt(r.missing)],
    ['duplicates', (r) => fmt(r.duplicates)],
    ['shipper s', (r) => fmt(r.shipperSeconds, 2)],
    ['first line s', (r) => fmt(r.firstLineSeconds, 2)],
    ['writer s', (r) => fmt(r.producerSeconds, 2)],
    ['tail lag s', (r) => fmt(r.tailLagSeconds, 2)],
  ];
  const keys = ['referenceLinesPerSec', 'shipperLinesPerSec', 'ratio', 'firstToLastLinesPerSec', 'peakRssMiB', 'cpuSeconds', 'missing', 'duplicates', 'shipperSeconds', 'firstLineSeconds', 'producerSeconds', 'tailLagSeconds'];
  const modes = [...new Set(results.map((r) => r.mode).filter((m) => m && m !== 'failed'))];
  const summaries = modes.map((mode) => {
    const rows = results.filter((r) => r.mode === mode);
    const summary = { run: 'median', mode };
    for (const key of keys) summary[key] = median(rows.map((r) => r[key]));
    return summary;
  });
  const order = { live: 0, 'catch-up': 1, failed: 2 };
  const body = [...results].sort((a, b) => (order[a.mode] ?? 3) - (order[b.mode] ?? 3) || a.run - b.run);
  const cells = (r) => columns.map(([, get]) => get(r));
  const all = [...body, ...summaries].map(cells);
  const widths = columns.map(([title], i) => Math.max(title.length, ...all.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(columns.map(([title]) => title)), rule, ...body.map((r) => line(cells(r))), rule, ...summaries.map((r) => line(cells(r)))];
  process.stdout.write(`\n${out.join('\n')}\n`);
  process.stdout.write(`\nratio = logship tail lines/s ÷ exec cat lines/s on the same finished file (reported, not enforced)\n`);
  process.stdout.write('live: shipper already following the empty file, timed from the start of the writer exec (includes the writer\'s own run time);\n');
  process.stdout.write('catch-up: file complete, shipper started with an empty state dir, timed from spawning it (node start-up included); first→last/s excludes start-up\n');
  return summaries;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  if (!existsSync(DIST_MAIN) || !existsSync(DIST_TAIL)) {
    log(`${existsSync(DIST_MAIN) ? DIST_TAIL : DIST_MAIN} is missing: run \`npm run build\` first (or bench/run.sh)`);
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
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'logship-bench-tail-'));
  log(`docker ${serverVersion}, node ${process.version}, ${options.runs} run(s) × ${options.lines} lines of ${LINE_BYTES} bytes in ${options.file}, id ${runId}`);
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5 * cpus().length) log(`note: load average is ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other work on this machine skews the numbers`);

  const results = [];
  for (let i = 1; i <= options.runs; i++) {
    try {
      results.push(...(await measure(i)));
    } catch (err) {
      log(`run ${i} failed: ${err.stack ?? err}`);
      results.push({ run: i, mode: 'failed', errors: [String(err.message ?? err)], notes: [], missing: NaN, duplicates: NaN });
      for (const child of [...liveChildren]) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      for (const name of [...createdContainers]) removeContainer(name);
    }
  }

  const summaries = printTable(results);
  let failed = false;
  for (const r of results) {
    const notes = [...r.errors, ...r.notes];
    if (r.foreign) notes.push(`${r.foreign} output lines not from the benchmark file`);
    if (r.wrongFields) notes.push(`${r.wrongFields} records without stream=stdout, source=exec and log.file.path=${options.file}`);
    if (r.outOfOrder) notes.push(`${r.outOfOrder} records out of sequence order`);
    for (const p of r.shipperProblems ?? []) notes.push(`logship said: ${p}`);
    if (notes.length) process.stdout.write(`run ${r.run} ${r.mode}: ${notes.join('; ')}\n`);
    if (r.errors.length || !(r.missing === 0) || !(r.duplicates === 0) || r.foreign || r.wrongFields) failed = true;
  }
  const load = { before: loadBefore, after: loadavg()[0], cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  const profiles = printProfiles(results);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ bench: 'docker-tail', lines: options.lines, lineBytes: LINE_BYTES, file: options.file, docker: serverVersion, node: process.version, load, summary: summaries, runs: results, profiles }, null, 2)}\n`);
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
