// Benchmark: logship's elasticsearch output (generator → elasticsearch) against a plain Node
// `_bulk` loop posting the same documents to the same node, in the same run. See README.md.
// Run with `node bench/elasticsearch/run.mjs` after `npm run build` (bench/run.sh does both),
// with a node (scripts/elasticsearch-up.sh). The reference client is reference.ts, in its own process.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BulkReference } from '../lib/bulk-reference.js';
import { countDocs, deleteIndicesSync, esCall, putTemplate as putTemplateOn } from '../lib/es.js';
import { missingBuild, REPO_ROOT } from '../lib/paths.js';
import { ProcessSampler, procCpuSeconds } from '../lib/proc.js';
import { printProfiles } from '../lib/profile.js';
import { attempt, EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session, sleep } from '../lib/session.js';
import { Shipper } from '../lib/shipper.js';
import { fmt, printTable, type Column } from '../lib/stats.js';

const REFERENCE = join(REPO_ROOT, 'bench', 'elasticsearch', 'reference.mjs');
const REF_KINDS: Record<string, { gzip: boolean; serial: boolean; filterPath?: string; title: string }> = {
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

const options = parseOptions(
  USAGE,
  {
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
  },
  (v) => {
    const refs = [...new Set((v.refs as string).split(',').map((r) => r.trim()).filter(Boolean))];
    for (const r of refs) if (!REF_KINDS[r]) throw new Error(`unknown reference ${r} (one of ${Object.keys(REF_KINDS).join(', ')})`);
    // the reference the ratio uses: compressed like logship, or not
    const compared = v['no-gzip'] ? 'plain' : 'gzip';
    if (!refs.includes(compared)) refs.unshift(compared);
    const url = new URL(v.url as string);
    if (url.protocol !== 'http:') throw new Error('--url: http:// only (security off, as scripts/elasticsearch-up.sh starts it)');
    return {
      runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
      records: positiveInt(v.records as string, '--records'),
      messageBytes: positiveInt(v['message-bytes'] as string, '--message-bytes', 1_000_000),
      refs,
      gzip: !v['no-gzip'],
      compared,
      url: url.origin,
      timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
      cpuProf: typeof v['cpu-prof'] === 'string' ? resolve(v['cpu-prof']) : undefined,
      json: v.json as string | undefined,
      keep: v.keep === true,
      keepIndices: v['keep-indices'] === true,
    };
  },
);

// Indices and templates are deleted at the end of main(), and from a signal handler with a
// synchronous curl. Only this invocation's names (bench-es-<id>-*) are ever touched.
const session = new Session({ keep: options.keep });
const PREFIX = `bench-es-${session.runId}`;
const createdTemplates: string[] = [];
let finished = false;
session.onCleanup.push(() => {
  if (finished || options.keepIndices) return;
  if (!deleteIndicesSync(options.url, `${PREFIX}-*`, createdTemplates)) log(`could not delete the indices ${PREFIX}-*`);
});

interface Timing {
  errors: string[];
  nodeGone?: boolean;
  firstDocSeconds?: number;
  countAtFirst?: number;
  seconds?: number;
  finalCount?: number;
}

interface RefResult extends Timing {
  buildSeconds?: number;
  requests?: number;
  ndjsonBytes?: number;
  clientSeconds?: number;
  failedItems?: number;
  sentBytes?: number;
  responseBytes?: number;
  cpuSeconds?: number;
  peakRssMiB?: number;
  docsPerSec?: number;
  esCpuSeconds?: number;
}

interface Result extends Timing {
  run: number | string;
  failed?: boolean;
  refs: Record<string, RefResult>;
  notes?: string[];
  disturbedTries?: number;
  nodeVersion?: string;
  logshipIndex?: string;
  profile?: string;
  logshipSeconds?: number;
  logshipDocsPerSec?: number;
  steadyDocsPerSec?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  exitedByItself?: boolean;
  exitedAtSeconds?: number;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number>;
  loggedStop?: boolean;
  logshipCount?: number;
  esCpuLogship?: number;
  esCpuTotal?: number;
  refDocsPerSec?: number;
  ratio?: number;
  sampleLogship?: Hit;
  sampleReference?: Hit;
  storeBytesLogship?: number;
  storeBytesReference?: number;
  [refColumn: `ref_${string}`]: number | undefined;
  // for the table: the compared reference's figures
  refCpuSeconds?: number;
  refEsCpu?: number;
  refSeconds?: number;
}

interface Hit {
  _id: string;
  _source: Record<string, unknown>;
}

/** A client being timed: logship or a reference, with when it exited. */
interface Client {
  name: string;
  isDone: () => boolean;
  doneAt: () => number | undefined;
  mayExitWhenDone: boolean;
}

// ---------------------------------------------------------------------------------------------
// the node: failures counted, so that a measurement the node went away during (other tests
// restart the shared node) is noticed and repeated

/** Failed node requests so far. */
let nodeFailures = 0;

const es = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => esCall<T>(options.url, method, path, body);

async function waitForNode(why?: string): Promise<void> {
  const deadline = Date.now() + NODE_WAIT_MS;
  let warned = false;
  for (;;) {
    try {
      const r = await es<{ status?: string }>('GET', '/_cluster/health?wait_for_status=yellow&timeout=5s');
      if (r.status === 200 && ['yellow', 'green'].includes(r.json?.status ?? '')) {
        if (warned) log('the node is back');
        return;
      }
      throw new Error(`health ${r.status} ${r.json?.status ?? r.text.slice(0, 100)}`);
    } catch (err) {
      nodeFailures += 1;
      if (!warned) log(`${options.url} does not answer healthy (${errorText(err)}); waiting up to ${NODE_WAIT_MS / 1000} s${why ? ` (${why})` : ''}`);
      warned = true;
      if (Date.now() > deadline) throw new Error(`${options.url} not healthy for ${NODE_WAIT_MS / 1000} s; start it with scripts/elasticsearch-up.sh`);
      await sleep(2000);
    }
  }
}

/** The node's JVM pid and version (the pid for its CPU time; readable when it runs on this machine). */
async function nodeInfo(): Promise<{ version: string; pid: number | undefined; heapMiB?: number }> {
  try {
    const r = await es<{ nodes?: Record<string, { version?: string; process?: { id?: number }; jvm?: { mem?: { heap_max_in_bytes?: number } } }> }>('GET', '/_nodes/_local?filter_path=nodes.*.version,nodes.*.process.id,nodes.*.jvm.mem.heap_max_in_bytes');
    const node = Object.values(r.json?.nodes ?? {})[0];
    const pid = node?.process?.id;
    return { version: node?.version ?? '?', pid: pid && existsSync(`/proc/${pid}`) ? pid : undefined, heapMiB: (node?.jvm?.mem?.heap_max_in_bytes ?? NaN) / 1024 / 1024 };
  } catch {
    return { version: '?', pid: undefined };
  }
}

/** Documents searchable in an index after a refresh; 0 before it exists; NaN when the node did not answer. */
async function indexCount(index: string): Promise<number> {
  const n = await countDocs(options.url, index);
  if (Number.isNaN(n)) nodeFailures += 1;
  return n;
}

/** The index template logship's output installs, for the reference's index. */
async function putTemplate(name: string, index: string): Promise<void> {
  await putTemplateOn(options.url, name, index, 'logship bench/elasticsearch');
  createdTemplates.push(name);
}

async function deleteBenchIndices(): Promise<void> {
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
    log(`could not delete the indices ${PREFIX}-* (${errorText(err)}); they stay on the node`);
  }
}

/** Document number 1 of the generator (its _id is sha1("generator_0/1"), base64url), as stored: for the shape check. */
async function firstDocument(index: string): Promise<Hit | undefined> {
  try {
    const r = await es<Hit>('GET', `/${index}/_doc/${createHash('sha1').update('generator_0/1').digest('base64url')}`);
    return r.status === 200 && r.json ? { _id: r.json._id, _source: r.json._source } : undefined;
  } catch {
    return undefined;
  }
}

async function storeSizeBytes(index: string): Promise<number | undefined> {
  try {
    const r = await es<{ _all?: { primaries?: { store?: { size_in_bytes?: number } } } }>('GET', `/${index}/_stats/store?filter_path=_all.primaries.store.size_in_bytes`);
    return r.json?._all?.primaries?.store?.size_in_bytes;
  } catch {
    return undefined;
  }
}

/**
 * Polls an index's count (refresh + count) until it reaches the target, or the client stalls, dies
 * or the timeout passes. Timings relative to t0.
 */
async function waitForCount(index: string, t0: number, client: Client, result: Timing): Promise<void> {
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
    if (client.isDone() && now - (client.doneAt() ?? now) > 30_000) {
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

/** logship: generator → elasticsearch with the output's defaults; timed from spawning it until _count = records. */
async function measureLogship(index: number | string, dir: string, result: Result): Promise<void> {
  const target = `${PREFIX}-r${index}-logship`;
  result.logshipIndex = target;
  const tag = `r${index}-logship`;
  createdTemplates.push(target);
  const t0 = performance.now();
  const shipper = Shipper.start({
    dir,
    tag,
    session,
    ...(options.cpuProf ? { cpuProf: { dir: options.cpuProf, name: `logship-es-${session.runId}-${tag}.cpuprofile` } } : {}),
    pipeline: [
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
    ],
  });
  result.profile = shipper.profile;
  // before 8365cae a logship whose only input was a finished generator exited by itself once
  // everything was delivered; tolerated (the count is complete by then), and noted
  const client: Client = { name: 'logship', isDone: () => shipper.isDone(), doneAt: () => shipper.doneAt, mayExitWhenDone: true };
  const sampling = new ProcessSampler(shipper.pid, SAMPLE_MS);
  const timing: Timing = { errors: result.errors };
  await waitForCount(target, t0, client, timing);
  const usage = sampling.stop();
  result.logshipSeconds = timing.seconds;
  result.logshipDocsPerSec = options.records / (timing.seconds ?? NaN);
  result.firstDocSeconds = timing.firstDocSeconds;
  if (timing.seconds !== undefined && timing.firstDocSeconds !== undefined && timing.seconds > timing.firstDocSeconds) result.steadyDocsPerSec = (options.records - (timing.countAtFirst ?? 0)) / (timing.seconds - timing.firstDocSeconds);
  result.peakRssMiB = usage.peakRssMiB;
  result.cpuSeconds = usage.cpuSeconds;
  if (timing.nodeGone) result.nodeGone = true;
  // everything is delivered: a shipper that exits on its own does so now; a SIGTERM in the middle
  // of that exit kills it (no handler any more), so give it a moment first
  if (!result.nodeGone && timing.seconds !== undefined) await Promise.race([shipper.exitInfo(), sleep(2000)]);
  result.exitedByItself = shipper.isDone();
  if (shipper.isDone() && timing.seconds !== undefined) result.exitedAtSeconds = ((shipper.doneAt ?? NaN) - t0) / 1000;
  const exit = await shipper.stopWithin(result.nodeGone ? 'SIGKILL' : 'SIGTERM');
  const shipperLog = shipper.log();
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

/** The reference client (reference.ts) in its own process: bodies built before timing, timed from "go" until _count = records. */
async function measureReference(index: number | string, kind: string, dir: string, result: Result): Promise<void> {
  const { gzip, serial, filterPath } = REF_KINDS[kind] as (typeof REF_KINDS)[string];
  const target = `${PREFIX}-r${index}-ref-${kind}`;
  await putTemplate(target, target);
  const args = [REFERENCE, '--url', options.url, '--index', target, '--records', String(options.records), '--message-bytes', String(options.messageBytes), '--batch-docs', String(BATCH_DOCS), '--batch-bytes', String(BATCH_BYTES), '--in-flight', String(serial ? 1 : IN_FLIGHT)];
  if (gzip) args.push('--gzip');
  if (filterPath) args.push('--filter-path', filterPath);
  const ref = new BulkReference(session, `reference ${kind}`, args);
  const r: RefResult = { errors: result.errors };
  try {
    const ready = await ref.next('ready');
    r.buildSeconds = Number(ready.buildMs) / 1000;
    r.requests = Number(ready.bodies);
    r.ndjsonBytes = Number(ready.bytes);
    const cpuBefore = procCpuSeconds(ref.pid);
    const sampling = new ProcessSampler(ref.pid, SAMPLE_MS);
    const t0 = performance.now();
    ref.go();
    await waitForCount(target, t0, { name: `reference ${kind}`, isDone: () => ref.process.isDone(), doneAt: () => ref.process.doneAt, mayExitWhenDone: false }, r);
    if (!r.nodeGone && r.seconds !== undefined) {
      const done = await ref.next('done');
      if (done.error) r.errors.push(`reference ${kind}: ${String(done.error)}`);
      r.clientSeconds = Number(done.ms) / 1000;
      r.failedItems = Number(done.failedItems);
      r.sentBytes = Number(done.sentBytes);
      r.responseBytes = Number(done.responseBytes);
      if (done.failedItems) r.errors.push(`reference ${kind}: ${String(done.failedItems)} items failed`);
    }
    if (r.finalCount !== undefined && r.finalCount !== options.records) r.errors.push(`reference ${kind}: the index holds ${r.finalCount} documents`);
    const usage = sampling.stop();
    r.cpuSeconds = usage.cpuSeconds - cpuBefore;
    r.peakRssMiB = usage.peakRssMiB;
    r.docsPerSec = options.records / (r.seconds ?? NaN);
  } finally {
    await ref.stop(r.nodeGone ? 'SIGKILL' : 'SIGTERM');
  }
  result.refs[kind] = r;
  if (r.nodeGone) result.nodeGone = true;
}

/** One run: the gzip reference and logship (which goes first alternates), then the other references. */
async function measureRun(index: number | string, order: number, tmp: string): Promise<Result> {
  const dir = join(tmp, `run${index}`);
  mkdirSync(dir, { recursive: true });
  const result: Result = { run: index, errors: [], refs: {} };
  const node = await nodeInfo();
  result.nodeVersion = node.version;
  const esCpu = (): number => (node.pid ? procCpuSeconds(node.pid) : NaN);
  const esCpu0 = esCpu();
  const steps: [string, () => Promise<void>][] = [
    ['logship', () => measureLogship(index, dir, result)],
    [options.compared, () => measureReference(index, options.compared, dir, result)],
  ];
  if (order % 2 === 1) steps.reverse();
  for (const kind of options.refs) if (kind !== options.compared) steps.push([kind, () => measureReference(index, kind, dir, result)]);
  for (const [what, step] of steps) {
    const esBefore = esCpu();
    await step();
    const used = esCpu() - esBefore;
    if (what === 'logship') result.esCpuLogship = used;
    else if (result.refs[what]) (result.refs[what] as RefResult).esCpuSeconds = used;
    if (result.nodeGone) break;
    // let the node finish merging the last index before the next client starts
    await sleep(2000);
  }
  result.esCpuTotal = esCpu() - esCpu0;
  result.refDocsPerSec = result.refs[options.compared]?.docsPerSec;
  result.ratio = (result.logshipDocsPerSec ?? NaN) / (result.refDocsPerSec ?? NaN);
  for (const kind of options.refs) result[`ref_${kind}`] = result.refs[kind]?.docsPerSec;
  if (!result.nodeGone) {
    const refIndex = `${PREFIX}-r${index}-ref-${options.compared}`;
    [result.sampleLogship, result.sampleReference] = await Promise.all([firstDocument(result.logshipIndex ?? ''), firstDocument(refIndex)]);
    [result.storeBytesLogship, result.storeBytesReference] = await Promise.all([storeSizeBytes(result.logshipIndex ?? ''), storeSizeBytes(refIndex)]);
  }
  log(`run ${index}: reference ${options.compared} ${fmt(result.refDocsPerSec)}/s, logship ${fmt(result.logshipDocsPerSec)}/s (ratio ${fmt(result.ratio, 2)})${options.refs.filter((k) => k !== options.compared).map((k) => `, ${k} ${fmt(result.refs[k]?.docsPerSec)}/s`).join('')}${result.errors.length ? `; ${result.errors.join('; ')}` : ''}`);
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Document 1 in logship's index and in the reference's: the same _id and the same source apart from @timestamp's digits? */
function shapeCheck(results: Result[]): { sameShape: boolean; logship: Hit; reference: Hit } | undefined {
  const r = results.find((x) => x.sampleLogship && x.sampleReference);
  if (!r?.sampleLogship || !r.sampleReference) return undefined;
  const strip = (hit: Hit): string => JSON.stringify({ _id: hit._id, ...hit._source, '@timestamp': String(hit._source['@timestamp']).replace(/\d/g, '0') });
  return { sameShape: strip(r.sampleLogship) === strip(r.sampleReference), logship: r.sampleLogship, reference: r.sampleReference };
}

function report(results: Result[]): Result {
  const columns: Column<Result>[] = [
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
  for (const kind of options.refs) if (kind !== options.compared) columns.push([REF_KINDS[kind]?.title ?? kind, (r) => fmt(r[`ref_${kind}`])]);
  const flat: Result[] = results.map((r) => ({ ...r, refCpuSeconds: r.refs[options.compared]?.cpuSeconds, refEsCpu: r.refs[options.compared]?.esCpuSeconds, refSeconds: r.refs[options.compared]?.seconds }));
  const [summary] = printTable({
    title: `== ${fmt(options.records)} documents, message_bytes ${options.messageBytes}; ${BATCH_DOCS} docs per bulk, ${IN_FLIGHT} in flight, ${options.gzip ? "gzip (logship's defaults)" : 'no compression (logship: compression: false)'} ==`,
    columns,
    rows: flat,
    leftColumns: 1,
    medianKeys: ['refDocsPerSec', 'logshipDocsPerSec', 'ratio', 'peakRssMiB', 'cpuSeconds', 'refCpuSeconds', 'refEsCpu', 'esCpuLogship', 'refSeconds', 'logshipSeconds', 'firstDocSeconds', 'steadyDocsPerSec', ...options.refs.filter((k) => k !== options.compared).map((k) => `ref_${k}` as const)],
  });
  process.stdout.write('\nratio = logship docs/s ÷ ref docs/s (target ≥ 0.70; reported, not enforced). Both timed until _refresh + _count shows every document\n');
  process.stdout.write('(polled every 1 s, every 0.2 s after 90 %). logship: from spawning it (node start-up, template, serialising, gzip included);\n');
  process.stdout.write(`ref: plain node:http loop, ${IN_FLIGHT} keep-alive requests at a time, the same NDJSON bodies built before timing${options.gzip ? ', gzip timed (as the client does it)' : ', sent uncompressed'}.\n`);
  return summary as Result;
}

session.main(async () => {
  const missing = missingBuild(['outputs/elasticsearch/index.js', 'inputs/generator/index.js']);
  if (missing) {
    log(`${missing} is missing: run \`npm run build\` first (or bench/run.sh)`);
    return EXIT_SETUP;
  }
  try {
    await waitForNode('start');
  } catch (err) {
    log(errorText(err));
    return EXIT_SETUP;
  }
  const node = await nodeInfo();
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  const tmp = session.makeTmp('logship-bench-es-');
  log(`elasticsearch ${node.version} at ${options.url}${node.heapMiB ? ` (heap ${fmt(node.heapMiB)} MiB)` : ''}, node ${process.version}, ${options.runs} run(s) × ${fmt(options.records)} docs, references ${options.refs.join(',')}, id ${session.runId}`);
  if (!node.pid) log("note: the node's process is not visible here; no ES CPU column");
  const before = loadBefore();

  const results: Result[] = [];
  const retry = { failures: () => nodeFailures, waitForService: waitForNode, maxTries: MAX_TRIES, onError: () => session.killChildren(), service: 'the node', repeatOn: 'new indices' };
  for (let i = 1; i <= options.runs; i++) {
    const r = await attempt(`run ${i}`, retry, (tries) => measureRun(tries === 1 ? i : `${i}t${tries}`, i, tmp), (err): Result => ({ run: i, failed: true, errors: [errorText(err)], refs: {} }));
    results.push({ ...r, run: i });
  }
  await deleteBenchIndices();
  finished = true;

  const summary = report(results);
  const shape = shapeCheck(results);
  if (shape) {
    process.stdout.write(`documents: ${shape.sameShape ? "document 1 is the same in both indices (_id, fields, field order, values; only @timestamp's digits differ)" : 'NOT the same shape — compare them in the JSON output'}\n`);
    const withSizes = results.find((r) => r.storeBytesLogship);
    const a = withSizes?.storeBytesLogship;
    const b = results.find((r) => r.storeBytesReference)?.storeBytesReference;
    if (a && b) process.stdout.write(`index size (primaries, run ${withSizes?.run}): logship ${fmt(a / 1048576, 1)} MiB, reference ${fmt(b / 1048576, 1)} MiB\n`);
  }
  let failed = false;
  const notes: string[] = [];
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
  const load = printLoad(before);
  const profiles = printProfiles(results, { title: () => '' });
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ bench: 'elasticsearch', records: options.records, messageBytes: options.messageBytes, url: options.url, elasticsearch: node.version, node: process.version, load, refs: options.refs, defaults: { batchDocs: BATCH_DOCS, batchBytes: BATCH_BYTES, inFlight: IN_FLIGHT, compression: true }, summary, shape, runs: results, profiles }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (documents missing or extra, or a run failed)\n' : 'RESULT: OK (every count exact)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});

