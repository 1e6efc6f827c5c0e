// Benchmark: docker_logs `mode: file` against `mode: api` on the same finished log, with the
// references measured in the same run: raw `docker logs -t > /dev/null` (the API's own rate) and
// `cat LOGPATH > /dev/null` (the physical floor). Reports lines/s and CPU seconds of the shipper
// and of dockerd (from /proc) per variant. See README.md ("modes").
// Run with `node bench/docker-logs/modes.mjs` after `npm run build`.

import { execFileSync, spawn } from 'node:child_process';
import { fstatSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dockerSync } from '../lib/docker.js';
import { LineCounter, SEQUENCE_LINE_BYTES, sequenceScript } from '../lib/output.js';
import { missingBuild } from '../lib/paths.js';
import { procCpuSeconds } from '../lib/proc.js';
import { EXIT_SETUP, log, parseOptions, positiveInt, Session, sleep } from '../lib/session.js';
import { imageEnv, Shipper } from '../lib/shipper.js';
import { median } from '../lib/stats.js';

const USAGE = `Usage: node bench/docker-logs/modes.mjs [--lines N] [--runs N] [--json FILE]
  --lines N   lines in the container's log (default 500000), 90 bytes each
  --runs N    rounds over all variants, each on the same container (default 3); medians are reported
Exit status: 0 every shipper run delivered every line exactly once; 1 otherwise; 2 setup problem.`;

const options = parseOptions(USAGE, { lines: { type: 'string', default: '500000' }, runs: { type: 'string', default: '3' }, json: { type: 'string' } }, (v) => ({
  lines: positiveInt(v.lines as string, '--lines', 9_999_999),
  runs: positiveInt(v.runs as string, '--runs'),
  json: v.json as string | undefined,
}));
const LINES = options.lines;
const RUNS = options.runs;
const session = new Session();

/** utime + stime of a process and of the children it waited for, in seconds. */
const cpuSeconds = (pid: number): number => procCpuSeconds(pid, { children: true });
const dockerdPid = Number(execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(' ')[0]);

interface Timed {
  seconds: number;
  cpu: number;
  dockerd: number;
  exact?: boolean;
  usedFile?: boolean;
  firstLine?: number;
  steadyRate?: number | undefined;
}

/** Runs a command to completion, output to /dev/null; returns wall seconds and its CPU seconds plus dockerd's. */
function timeCommand(command: string, args: string[]): Promise<Timed> {
  return new Promise((resolveRun, reject) => {
    const dockerdBefore = cpuSeconds(dockerdPid);
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let ownCpu = 0;
    const sampler = setInterval(() => {
      const cpu = cpuSeconds(child.pid as number);
      if (Number.isFinite(cpu)) ownCpu = cpu;
    }, 20);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      resolveRun({ seconds: (performance.now() - started) / 1000, cpu: ownCpu, dockerd: cpuSeconds(dockerdPid) - dockerdBefore });
    });
  });
}

/** Median wall seconds of `node -e 0` in an environment: Node's own start-up, before any of logship's. */
function nodeStartSeconds(env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', '0'], { env });
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

/** The shipper reading the whole log of the (running, idle) container into a file, in one mode. */
async function timeShipper(mode: string, label: string, dir: string, keepCaCerts = false): Promise<Timed> {
  const out = join(dir, `${mode}-${Date.now()}.jsonl`);
  const file = join(dir, `${mode}.yaml`);
  writeFileSync(file, `api: { enabled: false }\ninputs:\n  - type: docker_logs\n    mode: ${mode}\n    include: { labels: ["logship.bench=${label}"] }\noutputs:\n  - type: file\n    path: ${out}\n`);
  const state = mkdtempSync(join(dir, 'state-'));
  const dockerdBefore = cpuSeconds(dockerdPid);
  const started = performance.now();
  const shipper = new Shipper(['run', file, '--state-dir', state], { env: imageEnv(keepCaCerts), stdout: false, session });
  // often: the shipper's time is measured to the poll that sees its last line; the file is
  // read only where it grew (re-reading a 200 MB output each time would take a CPU away from the
  // shipper it measures: the machine has two)
  const counter = new LineCounter(out);
  let lines = 0;
  let cpu = 0;
  /** When the first lines were seen, and how many: the rate after it leaves start-up out. */
  let first: { at: number; lines: number } | undefined;
  const deadline = Date.now() + 300_000;
  while (lines < LINES) {
    if (Date.now() > deadline || shipper.isDone()) throw new Error(`mode ${mode}: ${lines} of ${LINES} lines; shipper stderr:\n${shipper.stderr.slice(-2000)}`);
    await sleep(10);
    lines = counter.count();
    const c = cpuSeconds(shipper.pid);
    if (Number.isFinite(c)) cpu = c;
    if (lines > 0 && !first) first = { at: performance.now(), lines };
  }
  const now = performance.now();
  const seconds = (now - started) / 1000;
  const firstAt = first?.at ?? now;
  const firstLine = (firstAt - started) / 1000;
  const steadyRate = first && first.lines < LINES && now > firstAt ? (LINES - first.lines) / ((now - firstAt) / 1000) : undefined;
  const dockerd = cpuSeconds(dockerdPid) - dockerdBefore;
  shipper.kill('SIGTERM');
  await shipper.exitInfo();
  const usedFile = shipper.stderr.includes('from its json-file log');
  await sleep(300);
  const final = counter.count();
  return { seconds, cpu, dockerd, exact: final === LINES, usedFile, firstLine, steadyRate };
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

session.main(async () => {
  const missing = missingBuild(['inputs/docker_logs/index.js']);
  if (missing) {
    log(`dist/ is missing — run npm run build (${missing})`);
    return EXIT_SETUP;
  }
  const dir = session.makeTmp('bench-modes-');
  const label = `modes-${Date.now().toString(36)}`;
  const name = `bench-modes-${label}`;
  dockerSync(['run', '-d', '--network', 'none', '--name', name, '--label', `logship.bench=${label}`, 'logship-test/busybox:1', 'sh', '-c', `${sequenceScript(LINES)}; touch /tmp/done; sleep 100000`]);
  session.containers.add(name);
  while (dockerSync(['exec', name, 'sh', '-c', 'test -f /tmp/done && echo yes || true']) !== 'yes') await sleep(200);
  const logPath = dockerSync(['inspect', '-f', '{{.LogPath}}', name]);
  log(`${LINES} lines in ${logPath} (${fmt(fstatSync(openSync(logPath, 'r')).size / 1e6, 1)} MB); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const caCerts = process.env.NODE_EXTRA_CA_CERTS;
  const keptRow = 'mode: file, NODE_EXTRA_CA_CERTS kept';
  const results: Record<string, Timed[]> = { 'docker logs -t': [], 'cat LOGPATH': [], 'mode: api': [], 'mode: file': [], ...(caCerts ? { [keptRow]: [] } : {}) };
  const add = (variant: string, r: Timed): number => (results[variant] as Timed[]).push(r);
  let exact = true;
  for (let run = 1; run <= RUNS; run += 1) {
    add('docker logs -t', await timeCommand('docker', ['logs', '-t', name]));
    add('cat LOGPATH', await timeCommand('cat', [logPath]));
    for (const mode of ['api', 'file']) {
      const r = await timeShipper(mode, label, dir);
      if (!r.exact) exact = false;
      if (mode === 'file' && !r.usedFile) throw new Error('mode file did not read the json-file log');
      add(`mode: ${mode}`, r);
    }
    if (caCerts) {
      const r = await timeShipper('file', label, dir, true);
      if (!r.exact) exact = false;
      if (!r.usedFile) throw new Error('mode file did not read the json-file log');
      add(keptRow, r);
    }
    log(`round ${run} of ${RUNS} done`);
  }
  const reference = median((results['docker logs -t'] as Timed[]).map((r) => LINES / r.seconds));
  const apiCpu = median((results['mode: api'] as Timed[]).map((r) => r.cpu + r.dockerd));
  const rows = Object.entries(results).map(([variant, rs]) => {
    const rate = median(rs.map((r) => LINES / r.seconds));
    const total = median(rs.map((r) => r.cpu + r.dockerd));
    const steady = rs.every((r) => r.steadyRate !== undefined) ? median(rs.map((r) => r.steadyRate)) : undefined;
    const firstLine = rs.every((r) => r.firstLine !== undefined) ? median(rs.map((r) => r.firstLine)) : undefined;
    return { variant, rate, ratio: rate / reference, firstLine, steady, steadyRatio: steady && steady / reference, own: median(rs.map((r) => r.cpu)), dockerd: median(rs.map((r) => r.dockerd)), total, perLine: (total / LINES) * 1e6, cpuVsApi: total / apiCpu };
  });
  const opt = (n: number | undefined, d = 0): string => (n === undefined ? '–' : fmt(n, d));
  console.log(`docker_logs modes, ${LINES.toLocaleString('en-US')} lines of ${SEQUENCE_LINE_BYTES} bytes, median of ${RUNS} runs (load average now ${(loadavg()[0] ?? 0).toFixed(2)})`);
  console.log('');
  console.log('| variant | lines/s | × docker logs -t | first line s | lines/s after it | × docker logs -t | CPU s (own) | CPU s (dockerd) | CPU s total | µs CPU/line | CPU vs mode: api |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.variant} | ${fmt(r.rate)} | ${fmt(r.ratio, 2)} | ${opt(r.firstLine, 2)} | ${opt(r.steady)} | ${opt(r.steadyRatio, 2)} | ${fmt(r.own, 2)} | ${fmt(r.dockerd, 2)} | ${fmt(r.total, 2)} | ${fmt(r.perLine, 1)} | ${fmt(r.cpuVsApi, 2)} |`);
  console.log('');
  if (caCerts) {
    console.log(`shipper environment: NODE_EXTRA_CA_CERTS=${caCerts} is set in this shell and removed for the shipper (the image does not set it; row "${keptRow}" keeps it): node -e 0 takes ${fmt(nodeStartSeconds(imageEnv(true)), 3)} s with it, ${fmt(nodeStartSeconds(imageEnv(false)), 3)} s without`);
    console.log('');
  }
  const file = rows[3];
  if (file) console.log(`targets: mode file ≥ 3× docker logs -t (${fmt(file.ratio, 2)}× from spawning the shipper, ${opt(file.steadyRatio, 2)}× after its first line); its CPU per line ≤ 1/3 of mode api's (${fmt(file.cpuVsApi, 2)}); every shipper run exactly once: ${exact ? 'yes' : 'NO'}`);
  if (options.json) writeFileSync(options.json, JSON.stringify({ lines: LINES, runs: RUNS, results, rows }, null, 2));
  return exact ? 0 : 1;
});
