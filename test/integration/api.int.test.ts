import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { waitForLineCount } from '../helpers/output-file.js';
import { LOGSHIP_BIN, Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

async function startShipper(outputs: string, dir: string): Promise<{ shipper: Shipper; api: string }> {
  const yaml = `api: { address: "127.0.0.1:0" }\ninputs:\n  - type: docker_logs\n    include: { labels: ["${label}"] }\noutputs:\n${outputs}`;
  const shipper = Shipper.run(yaml, join(dir, 'state'));
  cleanups.push(() => shipper.stop());
  await shipper.waitForLog('api listening');
  await shipper.ready();
  const api = /api listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(shipper.stderr)?.[1] as string;
  return { shipper, api };
}

async function get(api: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${api}${path}`, { headers });
  return { status: response.status, body: await response.text() };
}

describe('HTTP API of a running shipper', () => {
  it('/healthz, /readyz, /metrics in Prometheus format, and live records through /tap and `logship tap`', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const { api } = await startShipper(`  - type: file\n    path: ${out}\n`, dir);
    expect(await get(api, '/healthz')).toMatchObject({ status: 200 });
    const ready = await get(api, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, docker: { 'unix:///var/run/docker.sock': 'ok' }, outputs: { file_0: 'ok' } });

    const tap = spawn(process.execPath, [LOGSHIP_BIN, 'tap', '--api', api, '--match', 'docker.main.**'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tapped = '';
    tap.stdout.on('data', (d: Buffer) => (tapped += d.toString()));
    cleanups.push(async () => tap.kill('SIGINT'));
    // records before the tap connects are not shown: wait until the shipper counts it
    for (let i = 0; i < 100 && !/^logship_tap_clients 1$/m.test((await get(api, '/metrics')).body); i += 1) await new Promise((r) => setTimeout(r, 100));
    const id = await runContainer({ label, script: `${numberedScript(500)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await waitForLineCount(out, 500, 30_000);
    const metrics = await get(api, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# TYPE logship_input_records_total counter$/m);
    expect(metrics.body).toMatch(/^logship_input_records_total\{input="docker_logs_0"\} 500$/m);
    expect(metrics.body).toMatch(/^logship_output_records_total\{output="file_0"\} 500$/m);
    expect(metrics.body).toMatch(/^# TYPE logship_output_lag_seconds gauge$/m);
    for (let i = 0; i < 50 && tapped.split('\n').length < 501; i += 1) await new Promise((r) => setTimeout(r, 100));
    const lines = tapped.trim().split('\n').map((l) => JSON.parse(l) as { message: string; container: { id: string } });
    expect(lines).toHaveLength(500);
    expect(lines[0]).toMatchObject({ message: 'out 1', container: { id } });
  });

  it('/readyz says which output is failing; garbage, huge headers and 100 idle connections are bounded and harmless', async () => {
    const dir = tempDir();
    const { shipper, api } = await startShipper('  - type: kafka\n    brokers: ["127.0.0.1:19098"]\n    topic: logs\n', dir);
    const id = await runContainer({ label, script: `${numberedScript(10)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await shipper.waitForLog('output failing', 30_000);
    const ready = await get(api, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false, docker: { 'unix:///var/run/docker.sock': 'ok' }, outputs: { kafka_0: expect.stringMatching(/^failing/) } });

    expect((await get(api, '/tap?match=a..b')).status).toBe(400);
    expect((await get(api, '/nope')).status).toBe(404);
    expect((await get(api, '/healthz', { 'x-huge': 'y'.repeat(20_000) })).status).toBe(431);
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(Number(api.split(':')[1]), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('close', () => resolve(answer));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const idle = Array.from({ length: 100 }, () => connect(Number(api.split(':')[1]), '127.0.0.1'));
    cleanups.push(async () => idle.forEach((s) => s.destroy()));
    for (const s of idle) s.on('error', () => undefined);
    // idle connections are closed after the header timeout; the API answers again
    await new Promise((r) => setTimeout(r, 7_000));
    expect((await get(api, '/healthz')).status).toBe(200);
    expect(shipper.process.exitCode).toBeNull();
  });
});
