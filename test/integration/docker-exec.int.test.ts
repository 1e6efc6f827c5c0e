import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/record.js';
import { containerProcesses, docker, execCreations, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { readRecords, waitForLineCount, waitForRecords } from '../helpers/output-file.js';
import { peakRssMiB } from '../helpers/process-stats.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

const IDLE = 'while true; do sleep 1; done';

function execInput(options: string): string {
  return `  - type: docker_exec\n    include:\n      labels: ["${label}"]\n${options.replace(/^/gm, '    ')}\n`;
}

function pipeline(out: string, ...inputs: string[]): string {
  return `inputs:\n${inputs.join('')}outputs:\n  - type: file\n    path: ${out}\n`;
}

type ExecField = { command?: string; exit_code?: number | null; duration_ms?: number; timed_out?: boolean };
const execOf = (r: LogRecord): ExecField => (r.exec ?? {}) as ExecField;
const exits = (records: LogRecord[]): LogRecord[] => records.filter((r) => execOf(r).exit_code !== undefined);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startShipper(yaml: string, stateDir: string, nodeFlags: string[] = []): Promise<Shipper> {
  const shipper = Shipper.run(yaml, stateDir, [], nodeFlags);
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  return shipper;
}

async function busybox(script = IDLE): Promise<string> {
  const id = await runContainer({ label, script });
  cleanups.push(() => docker('rm', '-f', id));
  return id;
}

describe('docker_exec against the real Docker engine', () => {
  it('long-running: stdout and stderr lines tagged exec, the exit code recorded, re-run with backoff', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const since = nowSeconds();
    const id = await busybox();
    const command = '["sh", "-c", "echo out 1; echo err 1 >&2; echo out 2; exit 3"]';
    await startShipper(pipeline(out, execInput(`command: ${command}`)), join(dir, 'state'));
    const records = await waitForRecords(out, (r) => exits(r).length >= 3, 30_000);
    const lines = records.filter((r) => execOf(r).exit_code === undefined);
    expect(lines.every((r) => r.source === 'exec' && r.tag.startsWith('docker.exec.') && r.container.id === id)).toBe(true);
    expect(lines.every((r) => execOf(r).command === `sh -c 'echo out 1; echo err 1 >&2; echo out 2; exit 3'`)).toBe(true);
    const firstRun = lines.slice(0, 3).map((r) => `${r.stream}:${r.message}`).sort();
    expect(firstRun).toEqual(['stderr:err 1', 'stdout:out 1', 'stdout:out 2']);
    const exitRecords = exits(records);
    expect(exitRecords.every((r) => execOf(r).exit_code === 3 && r.stream === 'stderr' && /exited with code 3/.test(r.message))).toBe(true);
    // backoff: runs at about 0, 1, 3, 7, 15 s — over 10 s no more than 5 runs
    await sleep(10_000);
    const runs = exits(readRecords(out)).length;
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(runs).toBeLessThanOrEqual(6);
    // the daemon's own count of execs: one per run (a run may just have started)
    const finished = exits(readRecords(out)).length;
    const created = await execCreations(id, since);
    expect(created).toBeGreaterThanOrEqual(finished);
    expect(created).toBeLessThanOrEqual(finished + 1);
  });

  it('interval: runs every 10 s, never overlapping; a run past its timeout is stopped and recorded as timed out', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const id = await busybox();
    const slow = execInput('command: ["sh", "-c", "echo slow start; sleep 12; echo slow end"]\nmode: interval\ninterval: 10s\ntimeout: 30s');
    const hung = execInput('command: ["sh", "-c", "echo hung start; sleep 60; echo hung end"]\nmode: interval\ninterval: 10s\ntimeout: 3s');
    const started = Date.now();
    await startShipper(pipeline(out, slow, hung), join(dir, 'state'));
    const records = await waitForRecords(out, (r) => r.filter((x) => x.message === 'slow start').length >= 2 && r.filter((x) => x.message === 'hung start').length >= 3, 45_000);
    const at = (r: LogRecord): number => Date.parse(r['@timestamp']);
    const slowStarts = records.filter((r) => r.message === 'slow start').map(at);
    const slowEnds = records.filter((r) => r.message === 'slow end').map(at);
    // the 10 s slot came while the first run still went: skipped, the second run starts at 20 s
    expect(slowEnds[0]).toBeLessThan(slowStarts[1] as number);
    expect((slowStarts[1] as number) - (slowStarts[0] as number)).toBeGreaterThanOrEqual(19_000);
    const hungStarts = records.filter((r) => r.message === 'hung start').map(at);
    expect((hungStarts[1] as number) - (hungStarts[0] as number)).toBeGreaterThanOrEqual(9_000);
    expect((hungStarts[1] as number) - (hungStarts[0] as number)).toBeLessThan(12_000);
    expect(records.some((r) => r.message === 'hung end')).toBe(false);
    const hungExits = exits(records).filter((r) => execOf(r).command?.includes('hung'));
    expect(hungExits.length).toBeGreaterThanOrEqual(2);
    expect(hungExits.every((r) => execOf(r).timed_out === true && (execOf(r).duration_ms as number) < 6_000)).toBe(true);
    const slowExits = exits(records).filter((r) => execOf(r).command?.includes('slow'));
    expect(slowExits[0] && execOf(slowExits[0]).exit_code).toBe(0);
    // nothing of a stopped run is left in the container: at most the current run's sleep
    expect((await containerProcesses(id, /^\s*\d+\s+\d+\s+sleep 60$/)).length).toBeLessThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('no footprint: after kill -9 of the shipper (three times) the command and its wrapper are gone; one per container while running', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    const id = await busybox();
    // ignores TERM, so the wrapper has to KILL it
    const yaml = pipeline(out, execInput(`command: ["sh", "-c", "trap '' TERM; while true; do echo tick; usleep 200000; done"]`));
    const ticking = /trap '' TERM/;
    // the command's shell; not the short-lived fork it makes before running usleep
    const commandProcesses = async (container: string): Promise<string[]> => {
      const rows = (await containerProcesses(container, ticking)).map((l) => l.trim().split(/\s+/)).filter((r) => !/logship-exec/.test(r.join(' ')));
      const pids = new Set(rows.map((r) => r[0]));
      return rows.filter((r) => !pids.has(r[1])).map((r) => r.join(' '));
    };
    for (let round = 0; round < 3; round += 1) {
      const shipper = Shipper.run(yaml, stateDir);
      cleanups.push(() => shipper.stop());
      await shipper.ready();
      const before = readRecords(out).length;
      await waitForLineCount(out, before + 3, 20_000);
      // one wrapper (a shell and its stdin watcher, same command line) and one command
      expect(await containerProcesses(id, /logship-exec started/)).toHaveLength(2);
      expect(await commandProcesses(id)).toHaveLength(1);
      shipper.kill('SIGKILL');
      await shipper.exit();
      await sleep(3_500);
      expect(await containerProcesses(id, ticking)).toEqual([]);
    }
    // a graceful stop leaves nothing behind either
    const shipper = await startShipper(yaml, stateDir);
    await waitForLineCount(out, readRecords(out).length + 3, 20_000);
    expect(await shipper.stop()).toBe(0);
    await sleep(3_500);
    expect(await containerProcesses(id, ticking)).toEqual([]);
  });

  it('container restart: the command runs again after the start event, within the exec budget', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const since = nowSeconds();
    const id = await busybox();
    await startShipper(pipeline(out, execInput('command: ["sh", "-c", "while true; do echo tick; usleep 300000; done"]')), join(dir, 'state'));
    await waitForLineCount(out, 3, 20_000);
    await docker('restart', '-t', '1', id);
    const restartedAt = Date.now();
    await waitForRecords(out, (r) => r.some((x) => x.message === 'tick' && Date.parse(x['@timestamp']) > restartedAt + 200), 20_000);
    // one exec before the restart, one after (a re-run right at the stop is possible)
    expect(await execCreations(id, since)).toBeLessThanOrEqual(3);
    const stopped = exits(readRecords(out));
    expect(stopped.every((r) => execOf(r).exit_code === 137)).toBe(true);
  });

  it('an image without sh, and a command that is not installed: one warning each, no exec storm', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const since = nowSeconds();
    const shipper = await startShipper(pipeline(out, execInput('command: ["no-such-tool", "--flag"]')), join(dir, 'state'));
    const busyboxId = await busybox();
    const distroless = (await docker('run', '-d', '--network', 'none', '--label', label, 'logship-test/distroless:1', 'sleep', '3600')).trim();
    cleanups.push(() => docker('rm', '-f', distroless));
    await sleep(20_000);
    const warnings = shipper.stderr.split('\n').filter((l) => l.includes('"level":40'));
    const forBusybox = warnings.filter((l) => l.includes(busyboxId.slice(0, 12)));
    const forDistroless = warnings.filter((l) => l.includes(distroless.slice(0, 12)));
    expect(forBusybox).toHaveLength(1);
    expect(forBusybox[0]).toMatch(/image logship-test\/busybox:1 has no no-such-tool/);
    expect(forDistroless).toHaveLength(1);
    expect(forDistroless[0]).toMatch(/image logship-test\/distroless:1 has no sh/);
    expect(await execCreations(busyboxId, since)).toBe(1);
    expect(await execCreations(distroless, since)).toBe(1);
    expect(readRecords(out)).toEqual([]);
    expect(shipper.process.exitCode).toBeNull();
  });

  it('a command printing 200 MB: every line arrives, and peak RSS stays under the queue limit plus a fixed overhead', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const lines = 200_000;
    await busybox();
    // 200,000 lines of 1,000 bytes, as fast as awk can print them
    const awk = `BEGIN { pad = sprintf("%990s", ""); for (i = 1; i <= ${lines}; i++) printf "%08d %s\\n", i, pad }`;
    const yaml = `queue:\n  max_records: 4096\n  max_bytes: 8MiB\n${pipeline(out, execInput(`command: ["sh", "-c", ${JSON.stringify(`awk '${awk}'; sleep 3600`)}]\nexit_records: false`))}`;
    // the heap cap the image sets (deploy/Dockerfile): without one, V8 lets garbage grow the heap to
    // several times the live data before collecting; with it, data that piled up would end in an
    // out-of-memory crash, so finishing proves the backpressure holds
    const shipper = await startShipper(yaml, join(dir, 'state'), ['--max-old-space-size=96']);
    await waitForLineCount(out, lines, 170_000);
    const peak = peakRssMiB(shipper.process.pid as number);
    const records = readRecords(out);
    expect(records).toHaveLength(lines);
    const numbers = new Set(records.map((r) => Number(r.message.slice(0, 8))));
    expect(numbers.size).toBe(lines);
    expect(statSync(out).size).toBeGreaterThan(200_000_000);
    // queue limit 8 MiB of records; the fixed part is Node itself (about 60 MiB idle), the heap's
    // collection slack under the cap, one output batch and the exec socket's buffers
    console.log(`docker_exec 200 MB: peak RSS ${peak.toFixed(0)} MiB`);
    expect(shipper.process.exitCode).toBeNull();
    expect(peak).toBeLessThan(8 + 180);
  });
});
