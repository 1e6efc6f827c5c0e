// Benchmark: how fast logship's docker_tail input ships a file that lives inside a container into
// a file output, compared with the raw rate of `cat`-ing the same file through an exec of the
// Docker Engine API (dockerode, as the shipper uses). See README.md.
// Run with `node bench/docker-tail/run.mjs` after `npm run build` (bench/run.sh does both).

import Docker from 'dockerode';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { containerProcesses, dockerSync, removeContainer, requireDockerImage } from '../lib/docker.js';
import { shipIntoFile, type FileShipResult } from '../lib/file-run.js';
import { SEQUENCE_LINE_BYTES, sequenceScript } from '../lib/output.js';
import { missingBuild } from '../lib/paths.js';
import { printProfiles } from '../lib/profile.js';
import { EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, parseOptions, positiveInt, printLoad, Session, sleep } from '../lib/session.js';
import { Shipper } from '../lib/shipper.js';
import { fmt, median, printTable, type Column } from '../lib/stats.js';

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

const POLL_MS = 100;
const STALL_MS = 20_000;
const RUN_LABEL = 'logship.bench.run';

const options = parseOptions(
  USAGE,
  {
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
  },
  (v) => {
    if (v['skip-catch-up'] && v['skip-live']) throw new Error('--skip-catch-up and --skip-live leave nothing to measure');
    const file = v.file as string;
    if (!/^\/[A-Za-z0-9._/-]+$/.test(file)) throw new Error('--file must be an absolute path of letters, digits, ".", "_", "-" and "/"');
    return {
      lines: positiveInt(v.lines as string, '--lines', 9_999_999),
      runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
      refReps: positiveInt(v['ref-reps'] as string, '--ref-reps'),
      timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
      image: v.image as string,
      file,
      live: !v['skip-live'],
      catchUp: !v['skip-catch-up'],
      cpuProf: typeof v['cpu-prof'] === 'string' ? resolve(v['cpu-prof']) : undefined,
      json: v.json as string | undefined,
      keep: v.keep === true,
    };
  },
);

const session = new Session({ keep: options.keep });
session.containerLabels.push(`${RUN_LABEL}=tail-${session.runId}`);
const engine = new Docker(); // $DOCKER_HOST, else the local socket: what the shipper and the docker CLI use

interface Result extends FileShipResult {
  run: number | string;
  mode: string;
  container?: string;
  errors: string[];
  notes: string[];
  firstLineSeconds?: number;
  shipperSeconds?: number;
  shipperLinesPerSec?: number;
  firstToLastLinesPerSec?: number;
  reachedAt?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  leftoverTails?: number;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number>;
  execsCreated?: number;
  profile?: string;
  producerSeconds?: number;
  tailLagSeconds?: number;
  referenceSeconds?: number;
  referenceAll?: number[];
  referenceLinesPerSec?: number;
  ratio?: number;
  fileLines?: number;
}

/**
 * Counts newline bytes in the stdout frames of Docker's multiplexed exec stream
 * (`[type, 0, 0, 0, length u32 BE] payload`), across arbitrary chunk boundaries.
 */
class StdoutNewlineCounter {
  private readonly header = Buffer.alloc(8);
  private headerFilled = 0;
  private type = 0;
  private left = 0;
  lines = 0;
  stdoutBytes = 0;
  readonly stderr: string[] = [];

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.left === 0) {
        const take = Math.min(8 - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < 8) return;
        this.headerFilled = 0;
        this.type = this.header[0] as number;
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
      for (let at = piece.indexOf(10); at !== -1; at = piece.indexOf(10, at + 1)) this.lines += 1;
    }
  }
}

/**
 * Runs CMD in the container through the Engine API exactly as the shipper starts its tail
 * (attached stdin, no TTY, hijacked connection; stdin is closed at once) and reads the output to
 * its end. Resolves with the wall time from exec create to the end of the stream.
 */
async function execToEnd(container: string, cmd: string[]): Promise<{ seconds: number; lines: number; bytes: number; exitCode: number | null; stderr: string }> {
  const t0 = performance.now();
  const exec = await engine.getContainer(container).exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: false, Detach: false });
  const counter = new StdoutNewlineCounter();
  await new Promise<void>((resolveEnd, reject) => {
    stream.on('data', (chunk: Buffer) => counter.push(chunk));
    stream.once('end', () => resolveEnd());
    stream.once('close', () => resolveEnd());
    stream.once('error', reject);
    stream.end();
  });
  const seconds = (performance.now() - t0) / 1000;
  let exitCode: number | null = null;
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

/** The numbered lines appended to FILE, as fast as awk can. */
function writerCommand(lines: number, file: string): string[] {
  return ['sh', '-c', `${sequenceScript(lines)} >> ${file}`];
}

/** A container that creates the (empty) file and then just stays up: docker_tail follows running containers only. */
function startContainer(name: string, label: string): void {
  dockerSync(['run', '-d', '--network', 'none', '--name', name, '--label', `logship.bench=${label}`, '--label', `${RUN_LABEL}=tail-${session.runId}`, options.image, 'sh', '-c', `mkdir -p ${dirname(options.file)} && : > ${options.file} && exec sleep 86400`]);
  session.containers.add(name);
}

/** Execs currently running in the container (the shipper's tail is one). */
async function runningExecs(name: string): Promise<number> {
  const info = await engine.getContainer(name).inspect();
  return info.ExecIDs?.length ?? 0;
}

/** Waits up to 5 s for the shipper's tail to go away after it stopped; returns how many remain. */
async function leftoverTails(name: string): Promise<number> {
  let n = NaN;
  for (let i = 0; i < 25; i++) {
    n = await containerProcesses(name, /\btail\b/).then((rows) => rows.length, () => NaN);
    if (n === 0) return 0;
    await sleep(200);
  }
  return n;
}

function startShipper(dir: string, label: string, out: string, stateDir: string, tag: string): Shipper {
  return Shipper.start({
    dir,
    tag,
    stateDir,
    session,
    ...(options.cpuProf ? { cpuProf: { dir: options.cpuProf, name: `logship-${label}-${tag}.cpuprofile` } } : {}),
    pipeline: ['inputs:', '  - type: docker_tail', '    include:', `      labels: ["logship.bench=${label}"]`, `    paths: [${JSON.stringify(options.file)}]`, 'outputs:', '  - type: file', `    path: ${JSON.stringify(out)}`, ''],
  });
}

/**
 * Ships into the file output until it holds every line (shipIntoFile), then checks that the
 * shipper's tail is gone from the container and that it made one exec for the file.
 * `t0` is read through a function: in live mode it is set once the writer starts.
 */
async function shipAndStop(shipper: Shipper, out: string, getT0: () => number | undefined, result: Result, container: string): Promise<void> {
  const file = options.file;
  const { reachedAt } = await shipIntoFile(shipper, out, result, {
    lines: options.lines,
    t0: getT0,
    timeoutMs: options.timeoutMs,
    stallMs: STALL_MS,
    everyMs: POLL_MS,
    fieldsOk: (r) => r.stream === 'stdout' && r.source === 'exec' && (r.log as { file?: { path?: string } } | undefined)?.file?.path === file,
  });
  result.reachedAt = reachedAt;
  result.leftoverTails = await leftoverTails(container);
  if (result.leftoverTails !== 0) result.notes.push(`${result.leftoverTails} tail process(es) still in the container 5 s after the shipper stopped`);
  const execs = Object.entries(result.shipperMetrics ?? {})
    .filter(([k]) => k.startsWith('exec_created_total'))
    .reduce((n, [, v]) => n + v, 0);
  result.execsCreated = execs;
  if (execs > 1) result.notes.push(`the shipper created ${execs} execs for one file`);
  if (shipper.profile) result.profile = shipper.profile;
}

async function measure(index: number, tmp: string): Promise<Result[]> {
  const label = `tail-${session.runId}-${index}`;
  const name = `logship-bench-${label}`;
  const dir = join(tmp, `run${index}`);
  mkdirSync(dir, { recursive: true });
  const results: Result[] = [];

  // live: the shipper is running and following the (empty) file when the writer starts; timed
  // from the start of the writer exec until the output has every line
  let writer: Awaited<ReturnType<typeof execToEnd>> | undefined;
  if (options.live) {
    const live: Result = { run: index, mode: 'live', container: name, errors: [], notes: [] };
    const out = join(dir, 'out-live.jsonl');
    const shipper = startShipper(dir, label, out, join(dir, 'state-live'), 'live');
    await shipper.ready({ settleMs: 500, timeoutMs: 15_000 });
    startContainer(name, label);
    const attachDeadline = Date.now() + 15_000;
    while ((await runningExecs(name)) === 0) {
      if (shipper.isDone() || Date.now() > attachDeadline) throw new Error(`logship did not start its tail exec in ${name} within 15 s:\n${shipper.stderr}`);
      await sleep(50);
    }
    const clock: { t0?: number } = {};
    const shipping = shipAndStop(shipper, out, () => clock.t0, live, name);
    clock.t0 = performance.now();
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
  const refTimes: number[] = [];
  for (let r = 0; r < options.refReps; r++) {
    const ref = await execToEnd(name, ['cat', options.file]);
    if (ref.exitCode !== 0 || ref.lines !== options.lines) throw new Error(`exec cat returned ${ref.lines} lines, exit ${ref.exitCode}: ${ref.stderr}`);
    refTimes.push(ref.seconds);
  }
  const reference = { seconds: median(refTimes), all: refTimes };

  // catch-up: the file is complete before the shipper starts (new state dir: nothing delivered
  // yet); timed from spawning the shipper, so node start-up and discovery are included
  if (options.catchUp) {
    const catchUp: Result = { run: index, mode: 'catch-up', container: name, errors: [], notes: [], producerSeconds: writer.seconds };
    const t1 = performance.now();
    const out = join(dir, 'out-catchup.jsonl');
    const shipper = startShipper(dir, label, out, join(dir, 'state-catchup'), 'catchup');
    await shipAndStop(shipper, out, () => t1, catchUp, name);
    results.push(catchUp);
    log(`run ${index}: catch-up ${catchUp.shipperSeconds ? `${catchUp.shipperSeconds.toFixed(2)} s` : 'incomplete'}`);
  }

  for (const r of results) {
    r.referenceSeconds = reference.seconds;
    r.referenceAll = reference.all;
    r.referenceLinesPerSec = options.lines / reference.seconds;
    r.ratio = (r.shipperLinesPerSec ?? NaN) / r.referenceLinesPerSec;
    if ((r.missing ?? 0) > 0) {
      r.fileLines = (await execToEnd(name, ['cat', options.file])).lines;
      if (r.fileLines !== options.lines) r.errors.push(`the file in the container itself has ${r.fileLines} lines`);
    }
  }
  removeContainer(session, name);
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

function report(results: Result[]): Result[] {
  const columns: Column<Result>[] = [
    ['run', (r) => String(r.run)],
    ['mode', (r) => r.mode],
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
  const summaries = printTable({
    columns,
    rows: results,
    groupBy: 'mode',
    groupOrder: ['live', 'catch-up', 'failed'],
    medianKeys: ['referenceLinesPerSec', 'shipperLinesPerSec', 'ratio', 'firstToLastLinesPerSec', 'peakRssMiB', 'cpuSeconds', 'missing', 'duplicates', 'shipperSeconds', 'firstLineSeconds', 'producerSeconds', 'tailLagSeconds'],
  }).filter((s) => s.mode !== 'failed');
  process.stdout.write(`\nratio = logship tail lines/s ÷ exec cat lines/s on the same finished file (reported, not enforced)\n`);
  process.stdout.write("live: shipper already following the empty file, timed from the start of the writer exec (includes the writer's own run time);\n");
  process.stdout.write('catch-up: file complete, shipper started with an empty state dir, timed from spawning it (node start-up included); first→last/s excludes start-up\n');
  return summaries;
}

session.main(async () => {
  const missing = missingBuild(['inputs/docker_tail/index.js']);
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
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  const tmp = session.makeTmp('logship-bench-tail-');
  log(`docker ${serverVersion}, node ${process.version}, ${options.runs} run(s) × ${options.lines} lines of ${SEQUENCE_LINE_BYTES} bytes in ${options.file}, id ${session.runId}`);
  const before = loadBefore();

  const results: Result[] = [];
  for (let i = 1; i <= options.runs; i++) {
    try {
      results.push(...(await measure(i, tmp)));
    } catch (err) {
      log(`run ${i} failed: ${(err as Error).stack ?? String(err)}`);
      results.push({ run: i, mode: 'failed', errors: [errorText(err)], notes: [], missing: NaN, duplicates: NaN });
      session.killChildren();
      for (const name of [...session.containers]) removeContainer(session, name);
    }
  }

  const summaries = report(results);
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
  const load = printLoad(before);
  const profiles = printProfiles(results, { title: (r) => r.mode, top: 15, areas: 10 });
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ bench: 'docker-tail', lines: options.lines, lineBytes: SEQUENCE_LINE_BYTES, file: options.file, docker: serverVersion, node: process.version, load, summary: summaries, runs: results, profiles }, null, 2)}\n`);
  process.stdout.write(failed ? 'RESULT: FAIL (lines missing, duplicated or a run failed)\n' : 'RESULT: OK (every line shipped exactly once)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
