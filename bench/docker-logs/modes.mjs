#!/usr/bin/env node
// Benchmark: docker_logs `mode: file` against `mode: api` on the same finished log, with the
// references measured in the same run: raw `docker logs -t > /dev/null` (the API's own rate) and
// `cat LOGPATH > /dev/null` (the physical floor). Reports lines/s and CPU seconds of the shipper
// and of dockerd (from /proc) per variant. See README.md ("modes").
//
// Plain ESM JavaScript (no build step): Node built-ins and the docker CLI only. `npm run build` first.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'logship.js');
const USAGE = `Usage: node bench/docker-logs/modes.mjs [--lines N] [--runs N] [--json FILE]
  --lines N   lines in the container's log (default 500000), 90 bytes each
  --runs N    rounds over all variants, each on the same container (default 3); medians are reported
Exit status: 0 every shipper run delivered every line exactly once; 1 otherwise; 2 setup problem.`;

const { values } = parseArgs({ options: { lines: { type: 'string', default: '500000' }, runs: { type: 'string', default: '3' }, json: { type: 'string' }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing — run npm run build');
  process.exit(2);
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

/** utime + stime of a process (children included when they were waited for), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / clockTicks;
}
const dockerdPid = Number(execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(' ')[0]);

/**
 * Counts the lines of a growing file, reading only what was added since the last call: the
 * benchmark polls every 10 ms, and re-reading a 200 MB output each time would take a CPU away
 * from the shipper it measures (the machine has two).
 */
function lineCounter(path) {
  const buffer = Buffer.alloc(4 << 20);
  let offset = 0;
  let lines = 0;
  return () => {
    if (!existsSync(path)) return 0;
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    while (offset < size) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (n <= 0) break;
      offset += n;
      for (let at = buffer.indexOf(10); at !== -1 && at < n; at = buffer.indexOf(10, at + 1)) lines += 1;
    }
    closeSync(fd);
    return lines;
  };
}

/** Runs a command to completion, output to /dev/null; returns wall seconds and its CPU seconds plus dockerd's. */
function timeCommand(command, args) {
  return new Promise((resolveRun, reject) => {
    const dockerdBefore = cpuSeconds(dockerdPid);
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let ownCpu = 0;
    const sampler = setInterval(() => {
      try {
        ownCpu = cpuSeconds(child.pid);
      } catch {
        // exited
      }
    }, 20);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      resolveRun({ seconds: (performance.now() - started) / 1000, cpu: ownCpu, dockerd: cpuSeconds(dockerdPid) - dockerdBefore });
    });
  });
}

/**
 * The shipper's environment: this shell's, without NODE_EXTRA_CA_CERTS unless asked to keep it.
 * Some machines (this team's among them) set that variable globally; Node then reads and parses
 * every certificate it names at each start, before any of our code runs (the table's note shows
 * what that costs here). The deploy image does not set it, and logship needs it only for a
 * Kafka or Elasticsearch endpoint with a private CA. The file-mode row with it kept is printed too.
 */
function shipperEnv(keepCaCerts) {
  const env = { ...process.env, LOGSHIP_NO_STATUS: '1' };
  if (!keepCaCerts) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Median wall seconds of `node -e 0` in an environment: Node's own start-up, before any of logship's. */
function nodeStartSeconds(env) {
  const times = [];
  for (let i = 0; i < 7; i += 1) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', '0'], { env });
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

/** The shipper reading the whole log of the (running, idle) container into a file, in one mode. */
async function timeShipper(mode, label, dir, keepCaCerts = false) {
  const out = join(dir, `${mode}-${Date.now()}.jsonl`);
  const file = join(dir, `${mode}.yaml`);
  writeFileSync(file, `api: { enabled: false }\ninputs:\n  - type: docker_logs\n    mode: ${mode}\n    include: { labels: ["logship.bench=${label}"] }\noutputs:\n  - type: file\n    path: ${out}\n`);
  const state = mkdtempSync(join(dir, 'state-'));
  const dockerdBefore = cpuSeconds(dockerdPid);
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', file, '--state-dir', state], { stdio: ['ignore', 'ignore', 'pipe'], env: shipperEnv(keepCaCerts) });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const countLines = lineCounter(out);
  let lines = 0;
  let cpu = 0;
  /** When the first lines were seen, and how many: the rate after it leaves start-up out. */
  let first;
  const deadline = Date.now() + 300_000;
  while (lines < LINES) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mode ${mode}: ${lines} of ${LINES} lines; shipper stderr:\n${stderr.slice(-2000)}`);
    // often: the shipper's time is measured to the poll that sees its last line
    await sleep(10);
    lines = countLines();
    cpu = cpuSeconds(child.pid);
    if (lines > 0 && !first) first = { at: performance.now(), lines };
  }
  const now = performance.now();
  const seconds = (now - started) / 1000;
  const firstLine = (first.at - started) / 1000;
  const steadyRate = first.lines < LINES && now > first.at ? (LINES - first.lines) / ((now - first.at) / 1000) : undefined;
  const dockerd = cpuSeconds(dockerdPid) - dockerdBefore;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const usedFile = stderr.includes('from its json-file log');
  await sleep(300);
  const final = countLines();
  return { seconds, cpu, dockerd, exact: final === LINES, usedFile, firstLine, steadyRate };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-modes-'));
  const label = `modes-${Date.now().toString(36)}`;
  const name = `bench-modes-${label}`;
  const pad = 90 - 1 - 'seq=0000000 '.length;
  const script = `awk 'BEGIN{p=sprintf("%${pad}s","");gsub(/ /,"x",p);for(i=1;i<=${LINES};i++)printf "seq=%07d %s\\n",i,p}'; touch /tmp/done; sleep 100000`;
  docker('run', '-d', '--network', 'none', '--name', name, '--label', `logship.bench=${label}`, 'logship-test/busybox:1', 'sh', '-c', script);
  const cleanup = () => {
    try {
      docker('rm', '-f', name);
    } catch {
      // gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    while (docker('exec', name, 'sh', '-c', 'test -f /tmp/done && echo yes || true') !== 'yes') await sleep(200);
    const logPath = docker('inspect', '-f', '{{.LogPath}}', name);
    console.error(`bench: ${LINES} lines in ${logPath} (${fmt(fstatSync(openSync(logPath, 'r')).size / 1e6, 1)} MB); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const caCerts = process.env.NODE_EXTRA_CA_CERTS;
    const keptRow = 'mode: file, NODE_EXTRA_CA_CERTS kept';
    const results = { 'docker logs -t': [], 'cat LOGPATH': [], 'mode: api': [], 'mode: file': [], ...(caCerts ? { [keptRow]: [] } : {}) };
    let exact = true;
    for (let run = 1; run <= RUNS; run += 1) {
      results['docker logs -t'].push(await timeCommand('docker', ['logs', '-t', name]));
      results['cat LOGPATH'].push(await timeCommand('cat', [logPath]));
      for (const mode of ['api', 'file']) {
        const r = await timeShipper(mode, label, dir);
        if (!r.exact) exact = false;
        if (mode === 'file' && !r.usedFile) throw new Error('mode file did not read the json-file log');
        results[`mode: ${mode}`].push(r);
      }
      if (caCerts) {
        const r = await timeShipper('file', label, dir, true);
        if (!r.exact) exact = false;
        if (!r.usedFile) throw new Error('mode file did not read the json-file log');
        results[keptRow].push(r);
      }
      console.error(`bench: round ${run} of ${RUNS} done`);
    }
    const reference = median(results['docker logs -t'].map((r) => LINES / r.seconds));
    const apiCpu = median(results['mode: api'].map((r) => r.cpu + r.dockerd));
    const rows = Object.entries(results).map(([variant, rs]) => {
      const rate = median(rs.map((r) => LINES / r.seconds));
      const total = median(rs.map((r) => r.cpu + r.dockerd));
      const steady = rs.every((r) => r.steadyRate !== undefined) ? median(rs.map((r) => r.steadyRate)) : undefined;
      const firstLine = rs.every((r) => r.firstLine !== undefined) ? median(rs.map((r) => r.firstLine)) : undefined;
      return { variant, rate, ratio: rate / reference, firstLine, steady, steadyRatio: steady && steady / reference, own: median(rs.map((r) => r.cpu)), dockerd: median(rs.map((r) => r.dockerd)), total, perLine: (total / LINES) * 1e6, cpuVsApi: total / apiCpu };
    });
    const opt = (n, d = 0) => (n === undefined ? '–' : fmt(n, d));
    console.log(`docker_logs modes, ${LINES.toLocaleString('en-US')} lines of 90 bytes, median of ${RUNS} runs (load average now ${loadavg()[0].toFixed(2)})`);
    console.log('');
    console.log('| variant | lines/s | × docker logs -t | first line s | lines/s after it | × docker logs -t | CPU s (own) | CPU s (dockerd) | CPU s total | µs CPU/line | CPU vs mode: api |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) console.log(`| ${r.variant} | ${fmt(r.rate)} | ${fmt(r.ratio, 2)} | ${opt(r.firstLine, 2)} | ${opt(r.steady)} | ${opt(r.steadyRatio, 2)} | ${fmt(r.own, 2)} | ${fmt(r.dockerd, 2)} | ${fmt(r.total, 2)} | ${fmt(r.perLine, 1)} | ${fmt(r.cpuVsApi, 2)} |`);
    console.log('');
    if (caCerts) {
      console.log(
        `shipper environment: NODE_EXTRA_CA_CERTS=${caCerts} is set in this shell and removed for the shipper (the image does not set it; row "${keptRow}" keeps it): node -e 0 takes ${fmt(nodeStartSeconds(shipperEnv(true)), 3)} s with it, ${fmt(nodeStartSeconds(shipperEnv(false)), 3)} s without`,
      );
      console.log('');
    }
    const file = rows[3];
    console.log(`targets: mode file ≥ 3× docker logs -t (${fmt(file.ratio, 2)}× from spawning the shipper, ${opt(file.steadyRatio, 2)}× after its first line); its CPU per line ≤ 1/3 of mode api's (${fmt(file.cpuVsApi, 2)}); every shipper run exactly once: ${exact ? 'yes' : 'NO'}`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ lines: LINES, runs: RUNS, results, rows }, null, 2));
    process.exitCode = exact ? 0 : 1;
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 2;
});
