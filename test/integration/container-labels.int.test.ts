import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BUSYBOX, docker, numberedScript, removeContainersWithLabel, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { LineCounter, messageCounts, readRecords, sequenceProblems, waitForRecords } from '../helpers/output-file.js';
import { peakRssMiB } from '../helpers/process-stats.js';
import type { LogRecord } from '../../src/core/record.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

// Labels are set by whoever starts a container, and Docker takes a label of any size through its API
// (the CLI's --label is bounded by the kernel's 128 KiB argument limit, --label-file by 64 KiB lines).
const label = uniqueLabel();
const [labelKey, labelValue] = label.split('=') as [string, string];
const BIG = 2_000_000;
const LINES = 20_000;
/** The image's heap cap (deploy/): what the shipper has in production. */
const NODE_FLAGS = ['--max-old-space-size=192'];
/** With the labels bounded a record takes about 4.4 KB; with the 2 MB label each would take 2 MB. */
const MAX_OUTPUT_BYTES = 400 * 1024 * 1024;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

/** A request to the Engine API on the local socket; returns the parsed answer. */
function engine(method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: '/var/run/docker.sock', path, method, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(text ? JSON.parse(text) : undefined) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A busybox container with a 2 MB label, created through the Engine API as any client can. */
async function bloatedContainer(script: string, testLabel: string): Promise<string> {
  const [testKey, testValue] = testLabel.split('=') as [string, string];
  const { Id: id } = (await engine('POST', '/containers/create', {
    Image: BUSYBOX,
    Cmd: ['sh', '-c', script],
    Labels: { [labelKey]: labelValue, [testKey]: testValue, big: 'x'.repeat(BIG) },
    HostConfig: { NetworkMode: 'none' },
  })) as { Id: string };
  cleanups.push(() => docker('rm', '-f', id).catch(() => undefined));
  await engine('POST', `/containers/${id}/start`);
  return id;
}

/** The label as the records should carry it; a long one shown by its size, so that a failure stays readable. */
const CUT = `${'x'.repeat(4096)}…[cut ${BIG - 4096} bytes]`;
const shown = (value: string | undefined): string | undefined => (value && value.length > 5000 ? `(${value.length} characters)` : value);

/** A shipper for one test: stopped (killed if it hangs) and its folder, output included, removed afterwards. */
function startShipper(pipeline: string): { shipper: Shipper; out: string } {
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const shipper = Shipper.run(pipeline.replace('OUT', out), join(dir, 'state'), [], NODE_FLAGS);
  cleanups.push(async () => {
    const killer = setTimeout(() => shipper.kill('SIGKILL'), 20_000);
    await shipper.stop();
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  });
  return { shipper, out };
}

function warningsAboutLabels(shipper: Shipper): string[] {
  return shipper.stderr.split('\n').filter((l) => l.includes('"level":40') && l.includes('labels of container'));
}

/**
 * Waits for `count` lines in the output, reading only what was appended, while keeping the
 * shipper's peak RSS; fails at once when the shipper dies or the output grows past any sane size.
 */
async function follow(shipper: Shipper, path: string, count: number, timeoutMs = 120_000): Promise<{ lines: number; peakRss: number }> {
  const deadline = Date.now() + timeoutMs;
  const counter = new LineCounter(path);
  let lines = 0;
  let peakRss = 0;
  for (;;) {
    try {
      peakRss = Math.max(peakRss, peakRssMiB(shipper.process.pid as number));
    } catch {
      // gone: reported below
    }
    if (existsSync(path)) {
      const size = statSync(path).size;
      if (size > MAX_OUTPUT_BYTES) throw new Error(`output grew to ${(size / 2 ** 20).toFixed(0)} MiB after ${lines} lines (peak RSS ${peakRss.toFixed(0)} MiB): labels not bounded`);
      lines = counter.count();
    }
    if (lines >= count) return { lines, peakRss };
    if (shipper.process.exitCode !== null || shipper.process.signalCode !== null) {
      throw new Error(`shipper died (${shipper.process.exitCode ?? shipper.process.signalCode}) after ${lines} lines, peak RSS ${peakRss.toFixed(0)} MiB; stderr:\n${shipper.stderr.slice(-2000)}`);
    }
    if (Date.now() > deadline) throw new Error(`only ${lines} of ${count} lines within ${timeoutMs} ms (peak RSS ${peakRss.toFixed(0)} MiB)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a container with a 2 MB label', () => {
  it.each(['file', 'api'])('docker_logs (mode %s) → file: every line, the label cut, RSS bounded, one warning', async (mode) => {
    // a label of this test's own: a container of the previous test, removed just before, must not count
    const testLabel = uniqueLabel().replace('logship.test', 'logship.case');
    const { shipper, out } = startShipper(`inputs:\n  - type: docker_logs\n    mode: ${mode}\n    include:\n      labels: ["${testLabel}"]\noutputs:\n  - type: file\n    path: OUT\n`);
    await shipper.ready();
    const idleRss = peakRssMiB(shipper.process.pid as number);

    const id = await bloatedContainer(numberedScript(LINES), testLabel);
    await waitForExit(id);
    const { peakRss } = await follow(shipper, out, LINES);
    console.log(`docker_logs mode ${mode}: ${LINES} lines with a ${BIG}-byte label, peak RSS ${idleRss.toFixed(0)} MiB idle → ${peakRss.toFixed(0)} MiB`);

    const records = readRecords(out);
    expect(sequenceProblems(messageCounts(records, id, 'stdout'), 'out', LINES)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(records).toHaveLength(LINES);
    const labels = records[0]?.container.labels ?? {};
    expect(labels[labelKey]).toBe(labelValue);
    expect(shown(labels.big)).toBe(CUT);
    expect(peakRss).toBeLessThan(300);

    const warnings = warningsAboutLabels(shipper);
    expect(warnings, warnings.join('\n')).toHaveLength(1);
    expect(warnings[0]).toContain(id.slice(0, 12));
    expect(warnings[0]).toContain('4 KiB');
    expect(await shipper.stop()).toBe(0);
  });

  it('docker_tail and docker_exec records carry the label cut too, one warning per input', async () => {
    const testLabel = uniqueLabel().replace('logship.test', 'logship.case');
    const { shipper, out } = startShipper(`inputs:
  - type: docker_tail
    include: { labels: ["${testLabel}"] }
    paths: ["/tmp/app.log"]
  - type: docker_exec
    include: { labels: ["${testLabel}"] }
    command: ["sh", "-c", "sleep 1; cat /tmp/app.log"]
    mode: interval
    interval: 10s
outputs:
  - type: file
    path: OUT
`);
    await shipper.ready();
    const id = await bloatedContainer('for i in 1 2 3; do echo "line $i" >> /tmp/app.log; done; sleep 3600', testLabel);
    const from = (records: LogRecord[], command: string): LogRecord[] => records.filter((r) => (r.exec as { command?: string } | undefined)?.command?.startsWith(command));
    const records = await waitForRecords(out, (r) => from(r, 'tail').length >= 3 && from(r, 'sh').filter((x) => x.message.startsWith('line')).length >= 3, 60_000);
    expect(from(records, 'tail').map((r) => r.message)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(from(records, 'sh').map((r) => r.message).filter((m) => m.startsWith('line'))).toEqual(['line 1', 'line 2', 'line 3']);
    for (const r of records) expect(shown(r.container.labels.big)).toBe(CUT);
    const warnings = warningsAboutLabels(shipper);
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toContain(id.slice(0, 12));
    expect(warnings.filter((w) => w.includes('docker_tail:'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('docker_exec:'))).toHaveLength(1);
  });
});
