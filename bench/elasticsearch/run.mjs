#!/usr/bin/env node
// Benchmark: logship's elasticsearch output (generator → elasticsearch) against a plain Node
// `_bulk` loop posting the same documents to the same node, in the same run. See README.md.
//
// Plain ESM JavaScript (no build step): Node built-ins only (global fetch for the node's REST API,
// node:http in the reference client, bench/elasticsearch/reference.mjs). Run `npm run build` first
// (bench/run.sh does both) and have a node (scripts/elasticsearch-up.sh).

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const REFERENCE = join(HERE, 'reference.mjs');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const DIST_OUTPUT = join(ROOT, 'dist', 'outputs', 'elasticsearch', 'index.js');
const DIST_GENERATOR = join(ROOT, 'dist', 'inputs', 'generator', 'index.js');
const REF_KINDS = {
  gzip: { gzip: true, serial: false, title: 'ref gzip/s' },
  plain: { gzip: false, serial: false, title: 'ref plain/s' },
  'gzip-serial': { gzip: true, serial: true, title: 'ref gzip 1-at-a-time/s' },
  'gzip-filtered': { gzip: true, serial: false, filterPath: 'errors,items.*.status,items.*.error', title: 'ref gzip filter_path/s' },
};

const USAGE = `Usage: node bench/elasticsearch/run.mjs [options]
  --runs N            runs (default $BENCH_RUNS, else 3)
  --records N         documents per measurement (default 1000000)
  --message-bytes N   generator message_bytes (default 200)
  --refs LIST         reference clients, comma-separated (default gzip,plain): gzip (gzip bodies,
                      max_in_flight requests at a time, as logship's defaults: the one the ratio
                      uses), plain (no compression), gzip-serial (gzip, one request at a time),
                      gzip-filtered (gzip, ?filter_path=errors,items.*.status,items.*.error)
  --no-gzip           logship with compression: false, compared with the plain reference
  --url URL           the node (default http://127.0.0.1:9200)
  --timeout S         give up on one measurement after S seconds (default 600)
  --cpu-prof DIR      run the shipper under \`node --cpu-prof\`, keep the profiles in DIR and print
                      each one's top self-time functions (slows the shipper a little)
  --json FILE         also write the results as JSON to FILE
  --keep              keep the temporary directory (pipelines, shipper stderr)
  --keep-indices      do not delete the indices and templates this invocation created
Exit status: 0 every count exact; 1 documents missing/extra or a run failed; 2 setup problem.`;

const EXIT_CORRECTNESS = 1;
const EXIT_SETUP = 2;
// logship's defaults, which the reference copies
const BATCH_DOCS = 5000;
const BATCH_BYTES = 5_000_000;
const IN_FLIGHT = 4;
const POLL_MS = 1000; // _refresh + _count, every second …
const POLL_FINAL_MS = 200; // … and every 200 ms once 90 % are in, so the end is not rounded up by a second
const SAMPLE_MS = 100; // /proc of the client
const STALL_MS = 60_000;
const NODE_WAIT_MS = 180_000; // other tests stop and start the shared node for a minute or two
const MAX_TRIES = 3;

// ---------------------------------------------------------------------------------------------
// options

let options;
try {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
      records: { type: 'string', default: '1000000' },
      'message-bytes': { type: 'string', default: '200' },
      refs: { type: 'string', default: 'gzip,plain' },
      'no-gzip': { type: 'boolean', default: false },
      url: { type: 'string', default: 'http://127.0.0.1:9200' },
      timeout: { type: 'string', default: '600' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'keep-indices': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const refs = [...new Set(values.refs.split(',').map((r) => r.trim()).filter(Boolean))];
  for (const r of refs) if (!REF_KINDS[r]) throw new Error(`unknown reference ${r} (one of ${Object.keys(REF_KINDS).join(', ')})`);
  // the reference the ratio uses: compressed like logship, or not
  const compared = values['no-gzip'] ? 'plain' : 'gzip';
  if (!refs.includes(compared)) refs.unshift(compared);
  const url = new URL(values.url);
  if (url.protocol !== 'http:') throw new Error('--url: http:// only (security off, as scripts/elasticsearch-up.sh starts it)');
  options = {
    runs: positiveInt(values.runs, '--runs (or $BENCH_RUNS)'),
    records: positiveInt(values.records, '--records'),
    messageBytes: positiveInt(values['message-bytes'], '--message-bytes', 1_000_000),
    refs,
    gzip: !values['no-gzip'],
    compared,
    url: url.origin,
    timeoutMs: positiveInt(values.timeout, '--timeout') * 1000,
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    json: values.json,
    keep: values.keep,
    keepIndices: values['keep-indices'],
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
// cleanup: shippers, reference clients and the temp dir go away on every exit path, including
// Ctrl-C. Indices and templates are deleted at the end of main(), and from a signal handler with
// a synchronous curl. Only this invocation's names (bench-es-<id>-*) are ever touched.

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const PREFIX = `bench-es-${runId}`;
const createdTemplates = [];
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
    if (!options.keepIndices) {
      try {
        execFileSync('curl', ['-s', '-m', '10', '-X', 'DELETE', `${options.url}/${PREFIX}-*`], { stdio: 'ignore' });
        if (createdTemplates.length) execFileSync('curl', ['-s', '-m', '10', '-X', 'DELETE', `${options.url}/_index_template/${createdTemplates.join(',')}`], { stdio: 'ignore' });
      } catch {
        process.stderr.write(`bench: could not delete the indices ${PREFIX}-*\n`);
      }
    }
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

/**
 * Samples a process's /proc numbers every SAMPLE_MS: the last values stay readable after it exited
 * (a logship whose finite input is done may exit on its own before the poll sees the last document).
 */
function sampler(pid) {
  const s = { peakKiB: 0, cpu: NaN, timer: undefined };
  const take = () => {
    const hwm = procStatusKiB(pid, 'VmHWM');
    const rss = procStatusKiB(pid, 'VmRSS');
    const peak = Math.max(hwm || 0, rss || 0);
    if (peak > s.peakKiB) s.peakKiB = peak;
    const cpu = procCpuSeconds(pid);
    if (Number.isFinite(cpu)) s.cpu = cpu;
  };
  take();
  s.timer = setInterval(take, SAMPLE_MS);
  s.stop = () => {
    take();
    clearInterval(s.timer);
    return { peakRssMiB: s.peakKiB / 1024 || NaN, cpuSeconds: s.cpu };
  };
  return s;
}

// ---------------------------------------------------------------------------------------------
// the node: REST calls with fetch; failures counted, so that a measurement the node went away
// during (other tests restart the shared node) is noticed and repeated

/** Failed node requests so far. */
let nodeFailures = 0;

async function es(method, path, body) {
  const init = { method, signal: AbortSignal.timeout(30_000), headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${options.url}${path}`, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function waitForNode(why) {
  const deadline = Date.now() + NODE_WAIT_MS;
  let warned = false;
  for (;;) {
    try {
      const r = await es('GET', '/_cluster/health?wait_for_status=yellow&timeout=5s');
      if (r.status === 200 && ['yellow', 'green'].includes(r.json?.status)) {
        if (warned) log('the node is back');
        return;
      }
      throw new Error(`health ${r.status} ${r.json?.status ?? r.text.slice(0, 100)}`);
    } catch (err) {
      nodeFailures += 1;
      if (!warned) log(`${options.url} does not answer healthy (${err.message}); waiting up to ${NODE_WAIT_MS / 1000} s${why ? ` (${why})` : ''}`);
      warned = true;
      if (Date.now() > deadline) throw new Error(`${options.url} not healthy for ${NODE_WAIT_MS / 1000} s; start it with scripts/elasticsearch-up.sh`);
      await sleep(2000);
    }
  }
}

/** The node's JVM pid and version (the pid for its CPU time; readable when it runs on this machine). */
async function nodeInfo() {
  try {
    const r = await es('GET', '/_nodes/_local?filter_path=nodes.*.version,nodes.*.process.id,nodes.*.jvm.mem.heap_max_in_bytes');
    const node = Object.values(r.json?.nodes ?? {})[0];
    const pid = node?.process?.id;
    return { version: node?.version ?? '?', pid: pid && existsSync(`/proc/${pid}`) ? pid : undefined, heapMiB: node?.jvm?.mem?.heap_max_in_bytes / 1024 / 1024 };
  } catch {
    return { version: '?', pid: undefined };
  }
}

/** Documents searchable in an index after a refresh; 0 before it exists; NaN when the node did not answer. */
async function indexCount(index) {
  try {
    const refresh = await es('POST', `/${index}/_refresh`);
    if (refresh.status === 404) return 0;
    const r = await es('GET', `/${index}/_count`);
    if (r.status === 404) return 0;
    if (r.status !== 200 || typeof r.json?.count !== 'number') throw new Error(`_count answered ${r.status}`);
    return r.json.count;
  } catch {
    nodeFailures += 1;
    return NaN;
  }
}

/** The index template logship's output installs (date_nanos @timestamp, priority 200), for the reference's index. */
async function putTemplate(name, index) {
  const r = await es('PUT', `/_index_template/${name}`, {
    index_patterns: [index],
    priority: 200,
    template: { mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } },
    _meta: { managed_by: 'logship bench/elasticsearch' },
  });
  if (r.status !== 200) throw new Error(`cannot put index template ${name}: ${r.status} ${r.text.slice(0, 200)}`);
  createdTemplates.push(name);
}

async function deleteBenchIndices() {
  if (options.keepIndices) {
    log(`kept the indices and templates ${PREFIX}-*`);
    return;
  }
  try {
    await waitForNode('delete the bench indices');
    const r = await es('DELETE', `/${PREFIX}-*`);
    if (r.status !== 200) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
    if (createdTemplates.length) await es('DELETE', `/_index_template/${createdTemplates.join(',')}`);
    log(`deleted the indices ${PREFIX}-* and ${createdTemplates.length} templates`);
  } catch (err) {
    log(`could not delete the indices ${PREFIX}-* (${err.message}); they stay on the node`);
  }
}

/** Document number 1 of the generator (its _id is sha1("generator_0/1"), base64url), as stored: for the shape check. */
async function firstDocument(index) {
  try {
    const r = await es('GET', `/${index}/_doc/${createHash('sha1').update('generator_0/1').digest('base64url')}`);
    return r.status === 200 ? { _id: r.json._id, _source: r.json._source } : undefined;
  } catch {
    return undefined;
  }
}

async function storeSizeBytes(index) {
  try {
    const r = await es('GET', `/${index}/_stats/store?filter_path=_all.primaries.store.size_in_bytes`);
    return r.json?._all?.primaries?.store?.size_in_bytes;
  } catch {
    return undefined;
  }
}

/**
 * Polls an index's count (refresh + count) until it reaches the target, or the client stalls, dies
 * or the timeout passes. Timings relative to t0.
 */
async function waitForCount(index, t0, client, result) {
  let lastCount = 0;
  let lastGrowth = performance.now();
  for (;;) {
    const polledAt = performance.now();
    const count = await indexCount(index);
    const now = performance.now();
    if (Number.isNaN(count)) {
      result.nodeGone = true;
      result.errors.push(`the node went away at ${lastCount} of ${options.records} documents`);
      return;
    }
    if (count > 0 && result.firstDocSeconds === undefined) {
      result.firstDocSeconds = (now - t0) / 1000;
      result.countAtFirst = count;
    }
    if (count >= options.records) {
      result.seconds = (now - t0) / 1000;
      result.finalCount = count;
      return;
    }
    if (count !== lastCount) {
      lastCount = count;
      lastGrowth = now;
    }
    if (client.isDone() && !client.mayExitWhenDone) {
      result.errors.push(`${client.name} exited early with ${lastCount} of ${options.records} documents in the index`);
      return;
    }
    if (client.isDone() && now - client.doneAt > 30_000) {
      result.errors.push(`${client.name} exited but the index holds only ${lastCount} of ${options.records} documents`);
      return;
    }
    if (now - lastGrowth > STALL_MS) {
      result.errors.push(`no new documents for ${STALL_MS / 1000} s; stuck at ${lastCount} of ${options.records}`);
      return;
    }
    if (now - t0 > options.timeoutMs) {
      result.errors.push(`timed out after ${options.timeoutMs / 1000} s with ${lastCount} of ${options.records} documents`);
      return;
    }
    const period = count >= 0.9 * options.records ? POLL_FINAL_MS : POLL_MS;
    await sleep(Math.max(0, period - (performance.now() - polledAt)));
  }
}

// ---------------------------------------------------------------------------------------------
// the clients

function trackChild(child, name) {
  liveChildren.add(child);
  const state = { child, name, done: false, doneAt: undefined };
  state.exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      state.done = true;
      state.doneAt = performance.now();
      liveChildren.delete(child);
      resolveExit({ code, signal });
    });
  });
  state.isDone = () => state.done;
  return state;
}

async function stopChild(state, signal = 'SIGTERM') {
  if (state.isDone()) return state.exited;
  try {
    process.kill(state.child.pid, signal);
  } catch {
    // gone
  }
  const timer = setTimeout(() => {
    log(`${state.name} did not stop within 30 s of ${signal}; killing it`);
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

/** What the shipper logged at warn level or above, and whether it logged its stop. */
function readShipperLog(path) {
  const problems = [];
  let metrics;
  let stopped = false;
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
    if (entry.msg === 'SIGTERM: stopping') sawSignal = true;
    if (entry.msg === 'pipeline stopped') {
      stopped = true;
      metrics = entry.metrics;
    }
  }
  return { problems, metrics, stopped, sawSignal };
}

/** logship: generator → elasticsearch with the output's defaults; timed from spawning it until _count = records. */
async function measureLogship(index, dir, result) {
  const target = `${PREFIX}-r${index}-logship`;
  result.logshipIndex = target;
  const tag = `r${index}-logship`;
  const pipeline = join(dir, `pipeline-${tag}.yaml`);
  const stderrPath = join(dir, `logship-${tag}.stderr`);
  writeFileSync(pipeline, [
    // no HTTP API: its port may be taken by another logship on this machine
    'api:',
    '  enabled: false',
    'inputs:',
    '  - type: generator',
    `    count: ${options.records}`,
    `    message_bytes: ${options.messageBytes}`,
    'outputs:',
    '  - type: elasticsearch',
    `    hosts: [${JSON.stringify(options.url)}]`,
    `    index: ${JSON.stringify(target)}`,
    // its own template name: the default (logship-elasticsearch_0) may be in use by tests on the same node
    `    template_name: ${JSON.stringify(target)}`,
    ...(options.gzip ? [] : ['    compression: false']),
    '',
  ].join('\n'));
  createdTemplates.push(target);
  const nodeArgs = [];
  if (options.cpuProf) {
    const name = `logship-es-${runId}-${tag}.cpuprofile`;
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProf, '--cpu-prof-name', name);
    result.profile = join(options.cpuProf, name);
  }
  const stderrFd = openSync(stderrPath, 'w');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'run', pipeline, '--state-dir', join(dir, `state-${tag}`)], { stdio: ['ignore', 'ignore', stderrFd] });
  closeSync(stderrFd);
  const shipper = trackChild(child, 'logship');
  // before 8365cae a logship whose only input was a finished generator exited by itself once
  // everything was delivered; tolerated (the count is complete by then), and noted
  shipper.mayExitWhenDone = true;
  const sampling = sampler(child.pid);
  const timing = { errors: result.errors };
  await waitForCount(target, t0, shipper, timing);
  const usage = sampling.stop();
  result.logshipSeconds = timing.seconds;
  result.logshipDocsPerSec = options.records / timing.seconds;
  result.firstDocSeconds = timing.firstDocSeconds;
  if (timing.seconds > timing.firstDocSeconds) result.steadyDocsPerSec = (options.records - timing.countAtFirst) / (timing.seconds - timing.firstDocSeconds);
  result.peakRssMiB = usage.peakRssMiB;
  result.cpuSeconds = usage.cpuSeconds;
  if (timing.nodeGone) result.nodeGone = true;
  // everything is delivered: a shipper that exits on its own does so now; a SIGTERM in the middle
  // of that exit kills it (no handler any more), so give it a moment first
  if (!result.nodeGone && timing.seconds !== undefined) await Promise.race([shipper.exited, sleep(2000)]);
  result.exitedByItself = shipper.isDone();
  if (shipper.isDone() && timing.seconds !== undefined) result.exitedAtSeconds = (shipper.doneAt - t0) / 1000;
  const exit = await stopChild(shipper, result.nodeGone ? 'SIGKILL' : 'SIGTERM');
  const shipperLog = readShipperLog(stderrPath);
  if (!result.nodeGone && exit.code !== 0) {
    if (exit.signal === 'SIGTERM' && !shipperLog.sawSignal) result.notes = [...(result.notes ?? []), 'the SIGTERM arrived while logship was exiting on its own (it was killed by it, with nothing left to deliver)'];
    else result.errors.push(`logship exited with ${exit.code ?? exit.signal}${result.exitedByItself ? '' : ' after SIGTERM'}`);
  }
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  result.loggedStop = shipperLog.stopped;
  if (result.nodeGone) return;
  const final = await indexCount(target);
  result.logshipCount = final;
  if (final !== options.records) result.errors.push(`logship: the index holds ${final} of ${options.records} documents after the stop`);
}

/** The reference client (reference.mjs) in its own process: bodies built before timing, timed from "go" until _count = records. */
async function measureReference(index, kind, dir, result) {
  const { gzip, serial, filterPath } = REF_KINDS[kind];
  const target = `${PREFIX}-r${index}-ref-${kind}`;
  await putTemplate(target, target);
  const args = [REFERENCE, '--url', options.url, '--index', target, '--records', String(options.records), '--message-bytes', String(options.messageBytes),
    '--batch-docs', String(BATCH_DOCS), '--batch-bytes', String(BATCH_BYTES), '--in-flight', String(serial ? 1 : IN_FLIGHT)];
  if (gzip) args.push('--gzip');
  if (filterPath) args.push('--filter-path', filterPath);
  const stderrPath = join(dir, `ref-${kind}.stderr`);
  const stderrFd = openSync(stderrPath, 'w');
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', stderrFd] });
  closeSync(stderrFd);
  const ref = trackChild(child, `reference ${kind}`);
  const messages = [];
  let wake;
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line));
    } catch {
      // not ours
    }
    wake?.();
  });
  const next = async (key) => {
    for (;;) {
      const m = messages.find((x) => x[key]);
      if (m) return m;
      if (ref.isDone()) throw new Error(`reference ${kind} exited: ${readFileSync(stderrPath, 'utf8').trim().split('\n').slice(-3).join(' | ')}`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const r = { errors: result.errors };
  try {
    const ready = await next('ready');
    r.buildSeconds = ready.buildMs / 1000;
    r.requests = ready.bodies;
    r.ndjsonBytes = ready.bytes;
    const cpuBefore = procCpuSeconds(child.pid);
    const sampling = sampler(child.pid);
    const t0 = performance.now();
    child.stdin.write('go\n');
    await waitForCount(target, t0, ref, r);
    if (!r.nodeGone && r.seconds !== undefined) {
      const done = await next('done');
      if (done.error) r.errors.push(`reference ${kind}: ${done.error}`);
      r.clientSeconds = done.ms / 1000;
      r.failedItems = done.failedItems;
      r.sentBytes = done.sentBytes;
      r.responseBytes = done.responseBytes;
      if (done.failedItems) r.errors.push(`reference ${kind}: ${done.failedItems} items failed`);
    }
    if (r.finalCount !== undefined && r.finalCount !== options.records) r.errors.push(`reference ${kind}: the index holds ${r.finalCount} documents`);
    const usage = sampling.stop();
    r.cpuSeconds = usage.cpuSeconds - cpuBefore;
    r.peakRssMiB = usage.peakRssMiB;
    r.docsPerSec = options.records / r.seconds;
  } finally {
    child.stdin.end();
    await stopChild(ref, r.nodeGone ? 'SIGKILL' : 'SIGTERM');
  }
  result.refs[kind] = r;
  if (r.nodeGone) result.nodeGone = true;
}

/** One run: the gzip reference and logship (which goes first alternates), then the other references. */
async function measureRun(index, order) {
  const dir = join(tmp, `run${index}`);
  mkdirSync(dir, { recursive: true });
  const result = { run: index, errors: [], refs: {} };
  const node = await nodeInfo();
  result.nodeVersion = node.version;
  const esCpu0 = node.pid ? procCpuSeconds(node.pid) : NaN;
  const steps = [
    ['logship', () => measureLogship(index, dir, result)],
    [options.compared, () => measureReference(index, options.compared, dir, result)],
  ];
  if (order % 2 === 1) steps.reverse();
  for (const kind of options.refs) if (kind !== options.compared) steps.push([kind, () => measureReference(index, kind, dir, result)]);
  for (const [what, step] of steps) {
    const esBefore = node.pid ? procCpuSeconds(node.pid) : NaN;
    await step();
    const esCpu = node.pid ? procCpuSeconds(node.pid) - esBefore : NaN;
    if (what === 'logship') result.esCpuLogship = esCpu;
    else if (result.refs[what]) result.refs[what].esCpuSeconds = esCpu;
    if (result.nodeGone) break;
    // let the node finish merging the last index before the next client starts
    await sleep(2000);
  }
  result.esCpuTotal = node.pid ? procCpuSeconds(node.pid) - esCpu0 : NaN;
  const g = result.refs[options.compared];
  result.refDocsPerSec = g?.docsPerSec;
  result.ratio = result.logshipDocsPerSec / result.refDocsPerSec;
  for (const kind of options.refs) result[`ref_${kind}`] = result.refs[kind]?.docsPerSec;
  if (!result.nodeGone) {
    const [a, b] = await Promise.all([firstDocument(result.logshipIndex), firstDocument(`${PREFIX}-r${index}-ref-${options.compared}`)]);
    result.sampleLogship = a;
    result.sampleReference = b;
    const [sa, sb] = await Promise.all([storeSizeBytes(result.logshipIndex), storeSizeBytes(`${PREFIX}-r${index}-ref-${options.compared}`)]);
    result.storeBytesLogship = sa;
    result.storeBytesReference = sb;
  }
  log(`run ${index}: reference ${options.compared} ${fmt(result.refDocsPerSec)}/s, logship ${fmt(result.logshipDocsPerSec)}/s (ratio ${fmt(result.ratio, 2)})${options.refs.filter((k) => k !== options.compared).map((k) => `, ${k} ${fmt(result.refs[k]?.docsPerSec)}/s`).join('')}${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Document 1 in logship's index and in the reference's: the same _id and the same source apart from @timestamp's digits? */
function shapeCheck(results) {
  const r = results.find((x) => x.sampleLogship && x.sampleReference);
  if (!r) return undefined;
  const strip = (hit) => JSON.stringify({ _id: hit._id, ...hit._source, '@timestamp': String(hit._source['@timestamp']).replace(/\d/g, '0') });
  return { sameShape: strip(r.sampleLogship) === strip(r.sampleReference), logship: r.sampleLogship, reference: r.sampleReference };
}

// ---------------------------------------------------------------------------------------------
// profiles: self time per function, from a .cpuprofile (as bench/kafka)

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
      process.stdout.write(`\nrun ${r.run}: no profile written at ${r.profile}\n`);
      continue;
    }
    const s = summarizeProfile(r.profile);
    summaries.push({ run: r.run, ...s });
    process.stdout.write(`\nCPU profile, run ${r.run} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${r.profile})\n  top self time by function:\n`);
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

function printTable(results) {
  process.stdout.write(`\n== ${fmt(options.records)} documents, message_bytes ${options.messageBytes}; ${BATCH_DOCS} docs per bulk, ${IN_FLIGHT} in flight, ${options.gzip ? 'gzip (logship\'s defaults)' : 'no compression (logship: compression: false)'} ==`);
  const columns = [
    ['run', (r) => String(r.run)],
    ['ref docs/s', (r) => fmt(r.refDocsPerSec)],
    ['logship docs/s', (r) => fmt(r.logshipDocsPerSec)],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['logship RSS MiB', (r) => fmt(r.peakRssMiB, 1)],
    ['logship CPU s', (r) => fmt(r.cpuSeconds, 1)],
    ['ref CPU s', (r) => fmt(r.refCpuSeconds, 1)],
    ['ES CPU s ref/logship', (r) => (Number.isFinite(r.refEsCpu) || Number.isFinite(r.esCpuLogship) ? `${fmt(r.refEsCpu, 1)}/${fmt(r.esCpuLogship, 1)}` : '-')],
    ['ref s', (r) => fmt(r.refSeconds, 2)],
    ['logship s', (r) => fmt(r.logshipSeconds, 2)],
    ['first doc s', (r) => fmt(r.firstDocSeconds, 2)],
    ['steady/s', (r) => fmt(r.steadyDocsPerSec)],
  ];
  for (const kind of options.refs) if (kind !== options.compared) columns.push([REF_KINDS[kind].title, (r) => fmt(r[`ref_${kind}`])]);
  const flat = results.map((r) => ({ ...r, refCpuSeconds: r.refs?.[options.compared]?.cpuSeconds, refEsCpu: r.refs?.[options.compared]?.esCpuSeconds, refSeconds: r.refs?.[options.compared]?.seconds }));
  const keys = ['refDocsPerSec', 'logshipDocsPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'refCpuSeconds', 'refEsCpu', 'esCpuLogship', 'refSeconds', 'logshipSeconds', 'firstDocSeconds', 'steadyDocsPerSec', ...options.refs.filter((k) => k !== options.compared).map((k) => `ref_${k}`)];
  const summary = { run: 'median' };
  for (const key of keys) summary[key] = median(flat.map((r) => r[key]));
  const cells = (r) => columns.map(([, get]) => get(r));
  const all = [...flat, summary].map(cells);
  const widths = columns.map(([title], i) => Math.max(title.length, ...all.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(columns.map(([title]) => title)), rule, ...flat.map((r) => line(cells(r))), rule, line(cells(summary))];
  process.stdout.write(`\n${out.join('\n')}\n`);
  process.stdout.write('\nratio = logship docs/s ÷ ref docs/s (target ≥ 0.70; reported, not enforced). Both timed until _refresh + _count shows every document\n');
  process.stdout.write('(polled every 1 s, every 0.2 s after 90 %). logship: from spawning it (node start-up, template, serialising, gzip included);\n');
  process.stdout.write(`ref: plain node:http loop, ${IN_FLIGHT} keep-alive requests at a time, the same NDJSON bodies built before timing${options.gzip ? ', gzip timed (as the client does it)' : ', sent uncompressed'}.\n`);
  return summary;
}

// ---------------------------------------------------------------------------------------------
// main

/** Runs one measurement; when the node went away meanwhile the numbers are void and it is repeated on new indices. */
async function attempt(index) {
  const disturbed = [];
  for (let tries = 1; ; tries++) {
    let failuresBefore = nodeFailures;
    let result;
    try {
      await waitForNode(`run ${index}`);
      // waiting for a node that was down before the run started does not make the run void
      failuresBefore = nodeFailures;
      result = await measureRun(tries === 1 ? index : `${index}t${tries}`, index);
      result.run = index;
    } catch (err) {
      cleanupChildren();
      log(`run ${index} failed: ${err.stack ?? err}`);
      result = { run: index, failed: true, errors: [String(err.message ?? err)], refs: {} };
    }
    if (nodeFailures === failuresBefore) return { ...result, disturbedTries: disturbed.length, ...(disturbed.length ? { disturbed } : {}) };
    disturbed.push(result.errors.join('; ') || 'the node did not answer for a moment');
    if (tries >= MAX_TRIES) {
      result.errors.push(`the node went away during each of ${tries} tries; these numbers include an outage`);
      return { ...result, disturbedTries: disturbed.length, disturbed };
    }
    log(`run ${index}: the node went away meanwhile (${nodeFailures - failuresBefore} failed requests); repeating it on new indices`);
  }
}

function cleanupChildren() {
  for (const child of [...liveChildren]) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    liveChildren.delete(child);
  }
}

async function main() {
  for (const path of [DIST_MAIN, DIST_OUTPUT, DIST_GENERATOR]) {
    if (!existsSync(path)) {
      log(`${path} is missing: run \`npm run build\` first (or bench/run.sh)`);
      return EXIT_SETUP;
    }
  }
  try {
    await waitForNode('start');
  } catch (err) {
    log(err.message);
    return EXIT_SETUP;
  }
  const node = await nodeInfo();
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'logship-bench-es-'));
  log(`elasticsearch ${node.version} at ${options.url}${node.heapMiB ? ` (heap ${fmt(node.heapMiB)} MiB)` : ''}, node ${process.version}, ${options.runs} run(s) × ${fmt(options.records)} docs, references ${options.refs.join(',')}, id ${runId}`);
  if (!node.pid) log('note: the node\'s process is not visible here; no ES CPU column');
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5 * cpus().length) log(`note: load average is ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other work on this machine skews the numbers`);

  const results = [];
  for (let i = 1; i <= options.runs; i++) results.push(await attempt(i));
  await deleteBenchIndices();

  const summary = printTable(results);
  const shape = shapeCheck(results);
  if (shape) {
    process.stdout.write(`documents: ${shape.sameShape ? 'document 1 is the same in both indices (_id, fields, field order, values; only @timestamp\'s digits differ)' : 'NOT the same shape — compare them in the JSON output'}\n`);
    const a = results.find((r) => r.storeBytesLogship)?.storeBytesLogship;
    const b = results.find((r) => r.storeBytesReference)?.storeBytesReference;
    if (a && b) process.stdout.write(`index size (primaries, run ${results.find((r) => r.storeBytesLogship).run}): logship ${fmt(a / 1048576, 1)} MiB, reference ${fmt(b / 1048576, 1)} MiB\n`);
  }
  let failed = false;
  const notes = [];
  for (const r of results) {
    const n = [...r.errors];
    for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
    if (r.exitedByItself) n.push(`logship exited by itself ${fmt(r.exitedAtSeconds, 2)} s after start, once every document was delivered (${r.loggedStop ? 'after' : 'without'} logging "pipeline stopped")`);
    n.push(...(r.notes ?? []));
    if (r.disturbedTries) n.push(`repeated ${r.disturbedTries}× because the node went away`);
    if (n.length) notes.push(`run ${r.run}: ${n.join('; ')}`);
    if (r.failed || r.errors.length || r.logshipCount !== options.records) failed = true;
  }
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = { before: loadBefore, after: loadavg()[0], cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  const profiles = printProfiles(results);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({
      bench: 'elasticsearch', records: options.records, messageBytes: options.messageBytes, url: options.url, elasticsearch: node.version,
      node: process.version, load, refs: options.refs, defaults: { batchDocs: BATCH_DOCS, batchBytes: BATCH_BYTES, inFlight: IN_FLIGHT, compression: true },
      summary, shape, runs: results, profiles,
    }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (documents missing or extra, or a run failed)\n' : 'RESULT: OK (every count exact)\n');
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
