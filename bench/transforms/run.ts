// Benchmark: records/s through the transform chain json + multiline + grep + modify on one core
// (generator → transforms → file), against the same pipeline with no transforms, in the same run.
// See README.md. Run with `node bench/transforms/run.mjs` after `npm run build` (bench/run.sh
// does both). Needs no Docker; pins the shipper with taskset (util-linux).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileLines, LineCounter } from '../lib/output.js';
import { missingBuild, REPO_ROOT } from '../lib/paths.js';
import { ProcessSampler } from '../lib/proc.js';
import { printProfiles } from '../lib/profile.js';
import { EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session, sleep } from '../lib/session.js';
import { metricSum, Shipper } from '../lib/shipper.js';
import { fmt, printTable, type Column } from '../lib/stats.js';

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
const VARIANTS: Record<string, { title: string; transforms: string[]; multiline: boolean; ref?: string; json?: string }> = {
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

const POLL_MS = 100;
const STALL_MS = 20_000;

const options = parseOptions(
  USAGE,
  {
    runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
    records: { type: 'string', default: '1000000' },
    'message-bytes': { type: 'string', default: '200' },
    variants: { type: 'string', default: Object.keys(VARIANTS).join(',') },
    cpu: { type: 'string', default: cpus().length > 1 ? '1' : '0' },
    timeout: { type: 'string', default: '300' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (v) => {
    const asked = [...new Set((v.variants as string).split(',').map((x) => x.trim()).filter(Boolean))];
    for (const x of asked) if (!VARIANTS[x]) throw new Error(`unknown variant ${x} (one of ${Object.keys(VARIANTS).join(', ')})`);
    // a chain variant is only meaningful next to its reference; keep the table's order
    const wanted = new Set(asked.flatMap((x) => [x, VARIANTS[x]?.ref].filter((y): y is string => Boolean(y))));
    let cpu: number | undefined;
    if (v.cpu !== 'none') {
      cpu = Number(v.cpu);
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpus().length) throw new Error(`--cpu must be "none" or a CPU number between 0 and ${cpus().length - 1}`);
    }
    return {
      runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
      records: positiveInt(v.records as string, '--records', 50_000_000),
      messageBytes: positiveInt(v['message-bytes'] as string, '--message-bytes', 1_000_000),
      variants: Object.keys(VARIANTS).filter((x) => wanted.has(x)),
      cpu,
      timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
      cpuProf: typeof v['cpu-prof'] === 'string' ? resolve(v['cpu-prof']) : undefined,
      json: v.json as string | undefined,
      keep: v.keep === true,
    };
  },
);

const session = new Session({ keep: options.keep });

interface Result {
  run: number | string;
  variant: string;
  errors: string[];
  failed?: boolean;
  profile?: string;
  firstRecordAt?: number;
  firstRecordSeconds?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  exitedByItself?: boolean;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number>;
  parseErrors?: number;
  startSeconds?: number;
  seconds?: number;
  recordsPerSec?: number;
  allSeconds?: number;
  outputBytes?: number;
  records?: number;
  missing?: number;
  duplicates?: number;
  foreign?: number;
  shapeProblem?: string;
  sample?: Record<string, unknown>;
  ratio?: number;
  cpuPerRecordUs?: number;
  bytesPerRecord?: number;
  chainRatio?: number;
  cpuRatio?: number;
}

/** Every CPU but `cpu`, as a taskset list ("0,2,3"), or undefined on a 1-CPU machine. */
function otherCpus(cpu: number): string | undefined {
  const others = cpus().map((_, i) => i).filter((i) => i !== cpu);
  return others.length ? others.join(',') : undefined;
}

function pipelineText(variant: string, out: string): string {
  const transforms = VARIANTS[variant]?.transforms ?? [];
  return ['inputs:', '  - type: generator', `    count: ${options.records}`, `    message_bytes: ${options.messageBytes}`, ...(transforms.length ? ['transforms:', ...transforms] : []), 'outputs:', '  - type: file', `    path: ${JSON.stringify(out)}`, ''].join('\n');
}

/**
 * One measurement: spawn the shipper (pinned), poll the output's line count every POLL_MS until
 * every record is in. The rate is timed from the shipper's own "pipeline running" log line (so
 * Node start-up and config loading are left out; they are the "start s" column) until the output
 * holds every record that multiline does not hold back at the end of the input (one per
 * container: the last line of each waits flush_after, 1 s, for a continuation). "all s" is until
 * every record, that wait included.
 */
async function measure(runIndex: number, variant: string, tmp: string): Promise<Result> {
  const v = VARIANTS[variant] as (typeof VARIANTS)[string];
  const tag = `r${runIndex}-${variant}`;
  const dir = join(tmp, tag);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'out.jsonl');
  const result: Result = { run: runIndex, variant, errors: [] };
  // the generator's default single container: multiline holds its last line until flush_after
  const heldAtEnd = v.multiline ? 1 : 0;
  const target = options.records - heldAtEnd;
  const spawnedAt = Date.now();
  const shipper = Shipper.start({
    dir,
    tag,
    session,
    stateDir: join(dir, 'state'),
    pipeline: pipelineText(variant, out),
    ...(options.cpu === undefined ? {} : { wrapper: ['taskset', '-c', String(options.cpu)] }),
    ...(options.cpuProf ? { cpuProf: { dir: options.cpuProf, name: `logship-transforms-${session.runId}-${tag}.cpuprofile` } } : {}),
  });
  result.profile = shipper.profile;
  const sampling = new ProcessSampler(shipper.pid, POLL_MS);
  const counter = new LineCounter(out, true);
  let lastCount = 0;
  let lastGrowth = Date.now();
  let endAt: number | undefined;
  let endCount: number | undefined;
  let allAt: number | undefined;
  try {
    for (;;) {
      const polledAt = Date.now();
      const wasDone = shipper.isDone();
      const count = counter.count();
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
  const exit = await shipper.stopWithin();
  const shipperLog = shipper.log();
  if (exit.code !== 0 && !(exit.signal === 'SIGTERM' && !shipperLog.sawSignal)) result.errors.push(`logship exited with ${exit.code ?? exit.signal}`);
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  result.parseErrors = metricSum(shipperLog.metrics, 'parse_errors_total');
  result.startSeconds = shipperLog.runningAt !== undefined ? (shipperLog.runningAt - spawnedAt) / 1000 : undefined;
  if (shipperLog.runningAt === undefined) result.errors.push('no "pipeline running" line in the shipper\'s log');
  if (endAt !== undefined && endCount !== undefined && shipperLog.runningAt !== undefined) {
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
async function verifyOutput(path: string, variant: string): Promise<Pick<Result, 'records' | 'missing' | 'duplicates' | 'foreign' | 'shapeProblem' | 'sample'>> {
  const result: Pick<Result, 'records' | 'missing' | 'duplicates' | 'foreign' | 'shapeProblem' | 'sample'> = { records: 0, missing: options.records, duplicates: 0, foreign: 0, shapeProblem: undefined };
  if (!existsSync(path)) return result;
  const seen = new Uint8Array(options.records + 1);
  // the number in "message":"<n> xxx…", also inside the escaped JSON text of json-prep
  const seq = /"message":"(?:\{\\"level\\":\\"info\\",\\"message\\":\\")?(\d+)[ "\\]/;
  let first: string | undefined;
  let records = 0;
  let duplicates = 0;
  let foreign = 0;
  for await (const line of fileLines(path)) {
    if (!line) continue;
    records += 1;
    if (first === undefined) first = line;
    const m = seq.exec(line);
    const n = m ? Number(m[1]) : 0;
    if (!(n >= 1 && n <= options.records)) foreign += 1;
    else if (seen[n]) duplicates += 1;
    else seen[n] = 1;
  }
  let missing = 0;
  for (let n = 1; n <= options.records; n++) if (!seen[n]) missing += 1;
  Object.assign(result, { records, missing, duplicates, foreign });
  if (first !== undefined) {
    result.sample = JSON.parse(first) as Record<string, unknown>;
    result.shapeProblem = shapeProblem(result.sample, variant);
  }
  return result;
}

function shapeProblem(record: Record<string, unknown>, variant: string): string | undefined {
  const message = String(record.message);
  const container = record.container as { name?: string; image?: unknown } | undefined;
  const plain = /^\d+( x*)?$/.test(message);
  const chained = VARIANTS[variant]?.transforms === CHAIN || variant === 'json-prep+chain';
  if (variant === 'json-prep') return message.startsWith('{"level":"info","message":"') ? undefined : 'message is not the JSON text';
  if (!plain) return 'message is not "<n> xxx…"';
  if (!chained) return undefined;
  if (record.env !== 'production' || record.service !== container?.name || container?.image !== undefined) return 'modify did not set env, copy service or remove container.image';
  if (variant === 'chain' && typeof record.parse_error !== 'string') return 'no parse_error although the message is not JSON';
  if (variant === 'json-prep+chain' && (record.parse_error !== undefined || record.level !== 'info')) return 'json did not parse the JSON message';
  return undefined;
}

/** Per run: each variant's rate ÷ none's, and ÷ its reference's (the chain ratio); CPU the same way. */
function addRatios(results: Result[]): void {
  for (const r of results) {
    const same = (variant: string | undefined): Result | undefined => results.find((x) => x.run === r.run && x.variant === variant);
    r.ratio = (r.recordsPerSec ?? NaN) / (same('none')?.recordsPerSec ?? NaN);
    r.cpuPerRecordUs = ((r.cpuSeconds ?? NaN) / options.records) * 1e6;
    r.bytesPerRecord = (r.outputBytes ?? NaN) / (r.records ?? NaN);
    const ref = same(VARIANTS[r.variant]?.ref);
    if (VARIANTS[r.variant]?.ref && ref) {
      r.chainRatio = (r.recordsPerSec ?? NaN) / (ref.recordsPerSec ?? NaN);
      r.cpuRatio = (ref.cpuSeconds ?? NaN) / (r.cpuSeconds ?? NaN);
    }
  }
}

function report(results: Result[]): Result[] {
  const columns: Column<Result>[] = [
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
  process.stdout.write(`\n== ${fmt(options.records)} generator records, message_bytes ${options.messageBytes}, file output, shipper ${options.cpu === undefined ? 'not pinned' : `pinned to CPU ${options.cpu}`} ==\n`);
  process.stdout.write(`${options.variants.map((v) => `${v.padEnd(16)} ${VARIANTS[v]?.title}${VARIANTS[v]?.json === 'fails' ? " (json fails on every record: the generator's messages are not JSON; each gets parse_error)" : ''}`).join('\n')}\n\n`);
  const summaries = printTable({
    columns,
    rows: results,
    groupBy: 'variant',
    groupOrder: options.variants,
    medianKeys: ['recordsPerSec', 'ratio', 'chainRatio', 'cpuRatio', 'peakRssMiB', 'cpuSeconds', 'cpuPerRecordUs', 'bytesPerRecord', 'seconds', 'startSeconds', 'allSeconds', 'parseErrors', 'missing', 'duplicates'],
  });
  process.stdout.write(`\nchain ratio = records/s with the chain ÷ records/s of the same input without it, in the same run (chain ÷ none;\n`);
  process.stdout.write(`json-prep+chain ÷ json-prep). Target: ≥ ${TARGET.toFixed(2)} (the chain costs at most half the rate); reported, not enforced.\n`);
  process.stdout.write("CPU ratio = the reference's CPU s ÷ the variant's (less sensitive to other load on the core). records/s: from the\n");
  process.stdout.write('shipper\'s "pipeline running" until the file output holds every record (less the one multiline holds for flush_after);\n');
  process.stdout.write('"start s": spawn → "pipeline running"; "all s": spawn → every record, the multiline flush wait included.\n');
  for (const s of summaries) {
    if (!Number.isFinite(s.chainRatio)) continue;
    const ratio = s.chainRatio as number;
    process.stdout.write(`${s.variant}: median chain ratio ${fmt(ratio, 2)} — ${ratio >= TARGET ? 'meets' : 'MISSES'} the target ${TARGET.toFixed(2)} (CPU ratio ${fmt(s.cpuRatio, 2)})\n`);
  }
  return summaries;
}

session.main(async () => {
  const missing = missingBuild(['inputs/generator/index.js', 'outputs/file/index.js', 'transforms/json/index.js', 'transforms/multiline/index.js', 'transforms/grep/index.js', 'transforms/modify/index.js']);
  if (missing) {
    log(`${missing} is missing: run \`npm run build\` first (or bench/run.sh)`);
    return EXIT_SETUP;
  }
  if (options.cpu !== undefined) {
    try {
      execFileSync('taskset', ['-c', String(options.cpu), 'true'], { stdio: 'ignore' });
    } catch (err) {
      log(`taskset -c ${options.cpu} does not work here (${errorText(err)}); install util-linux or use --cpu none`);
      return EXIT_SETUP;
    }
    // keep this process's polling off the shipper's CPU
    const others = otherCpus(options.cpu);
    if (others) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', others, String(process.pid)], { stdio: 'ignore' });
      } catch {
        log("note: could not move the benchmark itself off the shipper's CPU");
      }
    }
  }
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  const tmp = session.makeTmp('logship-bench-transforms-');
  const distBuilt = statSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')).mtime.toISOString();
  log(`node ${process.version}, ${options.runs} run(s) × ${options.variants.join(', ')}, ${fmt(options.records)} records of ${options.messageBytes} bytes, shipper ${options.cpu === undefined ? 'not pinned' : `on CPU ${options.cpu}`}, dist built ${distBuilt}, temp ${tmp}`);
  const before = loadBefore("other work on this machine (and on the shipper's CPU) skews the numbers");

  const results: Result[] = [];
  for (let run = 1; run <= options.runs; run++) {
    // rotate the order, so that no variant is always first (or always right after another)
    const order = options.variants.map((_, i) => options.variants[(i + run - 1) % options.variants.length] as string);
    for (const variant of order) {
      try {
        results.push(await measure(run, variant, tmp));
      } catch (err) {
        log(`run ${run} ${variant} failed: ${(err as Error).stack ?? String(err)}`);
        results.push({ run, variant, failed: true, errors: [errorText(err)] });
      }
    }
  }

  addRatios(results);
  const summary = report(results);
  let failed = false;
  const notes: string[] = [];
  for (const r of results) {
    const n = [...r.errors];
    for (const p of r.shipperProblems ?? []) n.push(`logship said: ${p}`);
    if (n.length) notes.push(`run ${r.run} ${r.variant}: ${n.join('; ')}`);
    if (r.failed || r.errors.length) failed = true;
  }
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const load = printLoad(before);
  const profiles = printProfiles(results, { title: (r) => r.variant, inclusive: true, oncePer: (r) => r.variant });
  if (options.json) {
    const variants = Object.fromEntries(options.variants.map((v) => [v, { title: VARIANTS[v]?.title, ref: VARIANTS[v]?.ref ?? null, pipeline: pipelineText(v, '<out>') }]));
    writeFileSync(options.json, `${JSON.stringify({ bench: 'transforms', records: options.records, messageBytes: options.messageBytes, cpu: options.cpu ?? null, node: process.version, distBuilt, load, target: TARGET, variants, summary, runs: results, profiles }, null, 2)}\n`);
  }
  process.stdout.write(failed ? 'RESULT: FAIL (records missing or duplicated, or a run failed)\n' : 'RESULT: OK (every record exactly once in every output)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
