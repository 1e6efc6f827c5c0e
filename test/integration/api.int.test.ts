import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
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

async function startShipper(outputs: string, dir: string, apiOptions = ''): Promise<{ shipper: Shipper; api: string }> {
  const yaml = `api: { address: "127.0.0.1:0"${apiOptions} }\ninputs:\n  - type: docker_logs\n    include: { labels: ["${label}"] }\noutputs:\n${outputs}`;
  const shipper = Shipper.run(yaml, join(dir, 'state'));
  cleanups.push(() => shipper.stop());
  await shipper.waitForLog('api listening');
  await shipper.ready();
  const api = /api listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(shipper.stderr)?.[1] as string;
  return { shipper, api };
}

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LOGSHIP_BIN, ...args], (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
  });
}

/** GET /healthz on a connection of its own (no keep-alive pool), given up after 1 s: the status, or why it failed. */
function probe(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const request = httpGet({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('timeout', () => {
      request.destroy();
      resolve('no answer within 1 s');
    });
    request.on('error', (err) => resolve(err.message));
  });
}

async function get(api: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${api}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

describe('HTTP API of a running shipper', () => {
  it('/healthz, /readyz, /metrics in Prometheus format, and live records through /tap and `logship tap`', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const { api } = await startShipper(`  - type: file\n    path: ${out}\n`, dir, ', tap: true');
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

  it('/readyz says which output is failing; garbage, huge headers and a glob built to backtrack are refused and harmless', async () => {
    const dir = tempDir();
    const { shipper, api } = await startShipper('  - type: kafka\n    brokers: ["127.0.0.1:19098"]\n    topic: logs\n', dir, ', tap: true');
    const id = await runContainer({ label, script: `${numberedScript(10)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await shipper.waitForLog('output failing', 30_000);
    const ready = await get(api, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false, docker: { 'unix:///var/run/docker.sock': 'ok' }, outputs: { kafka_0: expect.stringMatching(/^failing/) } });

    expect((await get(api, '/tap?match=a..b')).status).toBe(400);
    // the glob of issue 18 that froze the shipper: refused at once, and the shipper stays responsive
    const dos = await get(api, `/tap?match=${'**.'.repeat(1500)}x`);
    expect(dos.status).toBe(400);
    expect(JSON.parse(dos.body).error).toMatch(/^match: tag glob "(\*\*\.){26}\*\*…" is 4501 characters long; at most 1024 characters are allowed$/);
    expect(await probe(Number(api.split(':')[1]))).toBe(200);
    expect((await get(api, '/nope')).status).toBe(404);
    expect((await get(api, '/healthz', { 'x-huge': 'y'.repeat(20_000) })).status).toBe(431);
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(Number(api.split(':')[1]), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('close', () => resolve(answer));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(shipper.process.exitCode).toBeNull();
  });

  it('/healthz answers within 1 s while hundreds of idle connections and half-sent requests are open', async () => {
    const dir = tempDir();
    const { shipper, api } = await startShipper(`  - type: file\n    path: ${join(dir, 'out.jsonl')}\n`, dir);
    const port = Number(api.split(':')[1]);
    const sockets: Socket[] = [];
    cleanups.push(async () => sockets.forEach((s) => s.destroy()));
    const open = async (count: number, send?: string): Promise<void> => {
      const opened = await Promise.all(
        Array.from({ length: count }, () => new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => resolve(socket));
        })),
      );
      if (send) for (const socket of opened) socket.write(send);
      sockets.push(...opened);
    };
    expect(await probe(port)).toBe(200);
    // as the kubelet probes: a new connection each time, a timeout of 1 s — while more pile up
    for (let round = 0; round < 5; round += 1) {
      await open(round === 0 ? 200 : 50);
      await open(10, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect({ round, health: await probe(port) }).toEqual({ round, health: 200 });
    }
    const metrics = await get(api, '/metrics');
    // 450 held open against a cap of 64: the oldest idle ones made room
    expect(sockets).toHaveLength(450);
    expect(Number(/^logship_api_connections_evicted_total (\d+)$/m.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(450 - 64);
    expect(shipper.process.exitCode).toBeNull();
  });

  it('/tap is off unless enabled; with a token file it needs the bearer token, re-read when the file changes; probes and /metrics stay open', async () => {
    const dir = tempDir();
    const off = await startShipper(`  - type: file\n    path: ${join(dir, 'off.jsonl')}\n`, join(dir, 'off'));
    const refused = await get(off.api, '/tap');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toMatch(/^\/tap is off: set api\.tap: true/);
    const cli = await runCli(['tap', '--api', off.api]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/answered 403: .*set api\.tap: true/);
    await off.shipper.stop();

    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${'a'.repeat(32)}\n`);
    const out = join(dir, 'out.jsonl');
    const { api } = await startShipper(`  - type: file\n    path: ${out}\n`, dir, `, tap: true, token_file: "${tokenFile}"`);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect({ path, status: (await get(api, path)).status }).toEqual({ path, status: 200 });
    const bare = await get(api, '/tap');
    expect(bare.status).toBe(401);
    expect(JSON.parse(bare.body).error).toMatch(/needs "Authorization: Bearer <token>"/);
    expect((await fetch(`http://${api}/tap`, { headers: { authorization: `Bearer ${'b'.repeat(32)}` } })).status).toBe(401);
    expect((await fetch(`http://${api}/tap`, { headers: { authorization: `Basic ${'a'.repeat(32)}` } })).status).toBe(401);
    expect((await runCli(['tap', '--api', api])).stderr).toMatch(/answered 401/);
    expect(await runCli(['tap', '--api', api, '--token-file', join(dir, 'nope')])).toEqual({ code: 2, stderr: `logship tap: cannot read --token-file ${join(dir, 'nope')} (ENOENT)\n` });

    const tapped = { file: '', env: '' };
    const viaFile = spawn(process.execPath, [LOGSHIP_BIN, 'tap', '--api', api, '--token-file', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const viaEnv = spawn(process.execPath, [LOGSHIP_BIN, 'tap', '--api', api], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOGSHIP_API_TOKEN: 'a'.repeat(32) } });
    viaFile.stdout.on('data', (d: Buffer) => (tapped.file += d.toString()));
    viaEnv.stdout.on('data', (d: Buffer) => (tapped.env += d.toString()));
    cleanups.push(async () => [viaFile, viaEnv].forEach((p) => p.kill('SIGINT')));
    for (let i = 0; i < 100 && !/^logship_tap_clients 2$/m.test((await get(api, '/metrics')).body); i += 1) await new Promise((r) => setTimeout(r, 100));
    const id = await runContainer({ label, script: `${numberedScript(20)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await waitForLineCount(out, 20, 30_000);
    for (let i = 0; i < 50 && (tapped.file.split('\n').length < 21 || tapped.env.split('\n').length < 21); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(tapped.file.trim().split('\n')).toHaveLength(20);
    expect(tapped.env.trim().split('\n')).toHaveLength(20);

    // a rotated Secret: the new token works at once, the old one no longer
    writeFileSync(tokenFile, 'c'.repeat(32));
    const rotated = await fetch(`http://${api}/tap`, { headers: { authorization: `Bearer ${'c'.repeat(32)}` } });
    expect(rotated.status).toBe(200);
    await rotated.body?.cancel();
    expect((await fetch(`http://${api}/tap`, { headers: { authorization: `Bearer ${'a'.repeat(32)}` } })).status).toBe(401);
  });

  it('refuses to start with /tap open beyond loopback without a token, or with a token file it cannot use: one line naming the key, exit 2', async () => {
    const dir = tempDir();
    const pipeline = (api: string): string => `api: { ${api} }\ninputs:\n  - type: docker_logs\noutputs:\n  - type: stdout\n`;
    const open = Shipper.run(pipeline('address: "0.0.0.0:0", tap: true'), join(dir, 'a'));
    expect(await open.exit()).toBe(2);
    expect(open.stderr.trim().split('\n')).toEqual([expect.stringMatching(/pipeline\.yaml:1:\d+: api\.tap: \/tap shows every container's logs and api\.address 0\.0\.0\.0:0 is reachable .*set api\.token_file/)]);
    const missing = Shipper.run(pipeline(`address: "0.0.0.0:0", tap: true, token_file: "${join(dir, 'nope')}"`), join(dir, 'b'));
    expect(await missing.exit()).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/pipeline\.yaml: api\.token_file: .*nope: no such file — check the path/)]);
    writeFileSync(join(dir, 'short'), 'secret\n');
    const weak = Shipper.run(pipeline(`tap: true, token_file: "${join(dir, 'short')}"`), join(dir, 'c'));
    expect(await weak.exit()).toBe(2);
    expect(weak.stderr).toMatch(/api\.token_file: the token in .*short has 6 characters; use at least 16/);
  });
});
