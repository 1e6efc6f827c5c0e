// Benchmark: how fast logship's docker_logs input ships one container's log into a file,
// compared with the raw read rate of `docker logs -t` on the same log. See README.md.
// Run with `node bench/docker-logs/run.mjs` after `npm run build` (bench/run.sh does both).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { containerTimes, countDockerLogLines, dockerSync, removeContainer, requireDockerImage, timeDockerLogs } from '../lib/docker.js';
import { shipIntoFile, type FileShipResult } from '../lib/file-run.js';
import { SEQUENCE_LINE_BYTES, sequenceScript } from '../lib/output.js';
import { missingBuild } from '../lib/paths.js';
import { EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session } from '../lib/session.js';
import { Shipper } from '../lib/shipper.js';
import { fmt, printTable, type Column } from '../lib/stats.js';

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

const POLL_MS = 100;
const STALL_MS = 20_000;
const RUN_LABEL = 'logship.bench.run';

const options = parseOptions(
  USAGE,
  {
    lines: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    'ref-reps': { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
    image: { type: 'string', default: 'logship-test/busybox:1' },
    'skip-catch-up': { type: 'boolean', default: false },
    'follow-ref': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (v) => ({
    lines: positiveInt(v.lines as string, '--lines', 9_999_999),
    runs: positiveInt(v.runs as string, '--runs'),
    refReps: positiveInt(v['ref-reps'] as string, '--ref-reps'),
    timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
    image: v.image as string,
    catchUp: !v['skip-catch-up'],
    followRef: v['follow-ref'] === true,
    json: v.json as string | undefined,
    keep: v.keep === true,
  }),
);

const session = new Session({ keep: options.keep });
session.containerLabels.push(`${RUN_LABEL}=${session.runId}`);

interface Result extends FileShipResult {
  run: number | string;
  mode: string;
  container?: string;
  errors: string[];
  firstLineSeconds?: number;
  shipperSeconds?: number;
  shipperLinesPerSec?: number;
  reachedAt?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number>;
  producerSeconds?: number;
  tailLagSeconds?: number;
  dockerLines?: number;
  referenceSeconds?: number;
  referenceAll?: number[];
  referenceLinesPerSec?: number;
  ratio?: number;
  followSeconds?: number;
  followLinesPerSec?: number;
}

function createContainer(name: string, label: string): void {
  dockerSync(['create', '--network', 'none', '--name', name, '--label', `logship.bench=${label}`, '--label', `${RUN_LABEL}=${session.runId}`, '--log-driver', 'json-file', options.image, 'sh', '-c', sequenceScript(options.lines)]);
  session.containers.add(name);
}

/** Docker's own live-follow rate: `docker logs -f -t` attached at container start. */
async function timeDockerFollow(name: string): Promise<number> {
  const t0 = performance.now();
  dockerSync(['start', name]);
  await timeDockerLogs(session, name, 1, ['-f']);
  return (performance.now() - t0) / 1000;
}

function startShipper(dir: string, label: string, out: string, stateDir: string, tag: string): Shipper {
  return Shipper.start({
    dir,
    tag,
    stateDir,
    session,
    pipeline: ['inputs:', '  - type: docker_logs', '    include:', `      labels: ["logship.bench=${label}"]`, 'outputs:', '  - type: file', `    path: ${JSON.stringify(out)}`, ''],
  });
}

async function shipAndStop(shipper: Shipper, out: string, t0: number, result: Result): Promise<void> {
  const { reachedAtWall } = await shipIntoFile(shipper, out, result, { lines: options.lines, t0: () => t0, timeoutMs: options.timeoutMs, stallMs: STALL_MS, everyMs: POLL_MS, fieldsOk: (r) => r.stream === 'stdout' });
  result.reachedAt = reachedAtWall;
}

async function measure(index: number, tmp: string): Promise<Result[]> {
  const label = `${session.runId}-${index}`;
  const dir = join(tmp, `run${index}`);
  const stateDir = join(dir, 'state');
  mkdirSync(dir, { recursive: true });

  // live: the shipper is running when the container starts; timed from `docker start`
  const liveName = `logship-bench-${label}-live`;
  const live: Result = { run: index, mode: 'live', container: liveName, errors: [] };
  const liveOut = join(dir, 'out-live.jsonl');
  const shipper = startShipper(dir, label, liveOut, stateDir, 'live');
  await shipper.ready({ settleMs: 500, timeoutMs: 15_000 });
  createContainer(liveName, label);
  const t0 = performance.now();
  dockerSync(['start', liveName]);
  await shipAndStop(shipper, liveOut, t0, live);
  dockerSync(['wait', liveName]);
  const times = containerTimes(liveName);
  live.producerSeconds = times.producerSeconds;
  if (times.exitCode !== 0) live.errors.push(`the log container exited with ${times.exitCode}`);
  if (live.reachedAt !== undefined) live.tailLagSeconds = (live.reachedAt - times.finishedAtMs) / 1000;
  if ((live.missing ?? 0) > 0) {
    live.dockerLines = await countDockerLogLines(liveName);
    if (live.dockerLines !== options.lines) live.errors.push(`docker logs itself returned ${live.dockerLines} lines`);
  }

  // reference: the same container's finished log, read by the docker CLI
  log(`run ${index}: live ${live.shipperSeconds ? `${live.shipperSeconds.toFixed(2)} s` : 'incomplete'}; timing docker logs -t ×${options.refReps}`);
  const reference = await timeDockerLogs(session, liveName, options.refReps);
  const withReference = (r: Result): void => {
    r.referenceSeconds = reference.seconds;
    r.referenceLinesPerSec = options.lines / reference.seconds;
    r.ratio = (r.shipperLinesPerSec ?? NaN) / r.referenceLinesPerSec;
  };
  live.referenceAll = reference.all;
  withReference(live);
  removeContainer(session, liveName);
  const results = [live];

  // catch-up: a container that ran and exited while the shipper was down (since its last
  // checkpoint); the restarted shipper reads the finished log, like `docker logs -t` does.
  // Timed from spawning the shipper, so node start-up is included.
  if (options.catchUp) {
    const catchName = `logship-bench-${label}-catchup`;
    const catchUp: Result = { run: index, mode: 'catch-up', container: catchName, errors: [] };
    createContainer(catchName, label);
    dockerSync(['start', catchName]);
    dockerSync(['wait', catchName]);
    const catchTimes = containerTimes(catchName);
    if (catchTimes.exitCode !== 0) catchUp.errors.push(`the log container exited with ${catchTimes.exitCode}`);
    const t1 = performance.now();
    const catchOut = join(dir, 'out-catchup.jsonl');
    const restarted = startShipper(dir, label, catchOut, stateDir, 'catchup');
    await shipAndStop(restarted, catchOut, t1, catchUp);
    if ((catchUp.missing ?? 0) > 0) {
      catchUp.dockerLines = await countDockerLogLines(catchName);
      if (catchUp.dockerLines !== options.lines) catchUp.errors.push(`docker logs itself returned ${catchUp.dockerLines} lines`);
    }
    withReference(catchUp);
    removeContainer(session, catchName);
    log(`run ${index}: catch-up ${catchUp.shipperSeconds ? `${catchUp.shipperSeconds.toFixed(2)} s` : 'incomplete'}`);
    results.push(catchUp);
  }

  if (options.followRef) {
    const followName = `logship-bench-${label}-follow`;
    createContainer(followName, `${label}-follow`);
    live.followSeconds = await timeDockerFollow(followName);
    live.followLinesPerSec = options.lines / live.followSeconds;
    removeContainer(session, followName);
  }

  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

function report(results: Result[]): Result[] {
  const columns: Column<Result>[] = [
    ['run', (r) => String(r.run)],
    ['mode', (r) => r.mode],
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
  const summaries = printTable({
    columns,
    rows: results,
    groupBy: 'mode',
    groupOrder: ['live', 'catch-up'],
    medianKeys: ['referenceLinesPerSec', 'followLinesPerSec', 'shipperLinesPerSec', 'ratio', 'peakRssMiB', 'missing', 'duplicates', 'shipperSeconds', 'firstLineSeconds', 'cpuSeconds', 'producerSeconds', 'tailLagSeconds'],
  });
  process.stdout.write('\nratio = shipper lines/s ÷ docker logs -t lines/s on the finished log (target ≥ 0.80; reported, not enforced)\n');
  process.stdout.write("live: shipper running, timed from `docker start` (includes the producer's own run time); catch-up: shipper restarted after the container exited, timed from spawning it\n");
  return summaries;
}

session.main(async () => {
  const missing = missingBuild([]);
  if (missing) {
    log(`${missing} is missing: run \`npm run build\` first (or bench/run.sh)`);
    return EXIT_SETUP;
  }
  let serverVersion: string;
  try {
    serverVersion = requireDockerImage(options.image);
  } catch (err) {
    log(errorText(err));
    return EXIT_SETUP;
  }
  const tmp = session.makeTmp('logship-bench-');
  log(`docker ${serverVersion}, node ${process.version}, ${options.runs} run(s) × ${options.lines} lines of ${SEQUENCE_LINE_BYTES} bytes, id ${session.runId}`);
  const before = loadBefore();

  const results: Result[] = [];
  for (let i = 1; i <= options.runs; i++) {
    try {
      results.push(...(await measure(i, tmp)));
    } catch (err) {
      log(`run ${i} failed: ${(err as Error).stack ?? String(err)}`);
      results.push({ run: i, mode: 'failed', errors: [errorText(err)], missing: NaN, duplicates: NaN });
    }
  }

  const summaries = report(results);
  let failed = false;
  for (const r of results) {
    const notes = [...r.errors];
    if (r.foreign) notes.push(`${r.foreign} output lines not from the benchmark container`);
    if (r.wrongFields) notes.push(`${r.wrongFields} records not marked stream=stdout`);
    if (r.outOfOrder) notes.push(`${r.outOfOrder} records out of sequence order`);
    for (const p of r.shipperProblems ?? []) notes.push(`logship said: ${p}`);
    if (notes.length) process.stdout.write(`run ${r.run} ${r.mode}: ${notes.join('; ')}\n`);
    if (r.errors.length || !(r.missing === 0) || !(r.duplicates === 0) || r.foreign || r.wrongFields) failed = true;
  }
  const load = printLoad(before);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ lines: options.lines, lineBytes: SEQUENCE_LINE_BYTES, docker: serverVersion, node: process.version, load, summary: summaries, runs: results }, null, 2)}\n`);
  process.stdout.write(failed ? 'RESULT: FAIL (lines missing, duplicated or a run failed)\n' : 'RESULT: OK (every line shipped exactly once)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
