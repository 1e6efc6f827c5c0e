import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { readRecords, waitForLineCount } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

function pipeline(out: string, options: { dockerHost?: string; buffer?: string } = {}): string {
  return `api: { address: "127.0.0.1:0" }
inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
${options.dockerHost ? `    docker_host: ${options.dockerHost}\n` : ''}outputs:
  - type: file
    path: ${out}
${options.buffer ? `    buffer: ${options.buffer}\n` : ''}`;
}

async function start(yaml: string, stateDir: string): Promise<{ shipper: Shipper; api: string }> {
  const shipper = Shipper.run(yaml, stateDir);
  cleanups.push(() => shipper.stop());
  await shipper.waitForLog('api listening');
  await shipper.ready();
  return { shipper, api: /api listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(shipper.stderr)?.[1] as string };
}

async function metric(api: string, series: string): Promise<number> {
  const body = await (await fetch(`http://${api}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A container that printed `lines` numbered lines and exited before the shipper starts. */
async function finishedContainer(lines: number): Promise<string> {
  const id = await runContainer({ label, script: numberedScript(lines) });
  cleanups.push(() => docker('rm', '-f', id));
  await waitForExit(id);
  return id;
}

describe('faults', () => {
  it('Docker socket missing at start: a clear error, retried with backoff, /readyz says why; the shipper keeps running', async () => {
    const dir = tempDir();
    const { shipper, api } = await start(pipeline(join(dir, 'out.jsonl'), { dockerHost: `unix://${dir}/missing.sock` }), join(dir, 'state'));
    await until('two failed attempts', async () => (await metric(api, 'logship_docker_errors_total{input="docker_logs_0"}')) >= 2);
    const ready = await fetch(`http://${api}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/no socket there — mount the Docker socket/);
    expect(shipper.stderr).toMatch(/cannot reach the Docker daemon at unix:\/\/.*missing\.sock .*retrying with backoff/);
    expect((await fetch(`http://${api}/healthz`)).status).toBe(200);
  });

  it('a malformed checkpoint file: logged and moved aside, containers read from their oldest log, nothing crashes', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'checkpoints.json'), '{"version":1,"saved_at":"2026-11-29T00:00:00Z","entries":{"docker_logs_0":{"containers":{"abc');
    const id = await finishedContainer(300);
    const out = join(dir, 'out.jsonl');
    const { shipper } = await start(pipeline(out), stateDir);
    await waitForLineCount(out, 300);
    expect(readRecords(out).filter((r) => r.container.id === id).map((r) => r.message)).toEqual(Array.from({ length: 300 }, (_, i) => `out ${i + 1}`));
    expect(shipper.stderr).toMatch(/is not a logship state file .*moved it to .*checkpoints\.json\.corrupt-.* inputs resume from the oldest logs/);
    expect(readdirSync(stateDir).some((f) => f.startsWith('checkpoints.json.corrupt-'))).toBe(true);
  });

  it("a container's malformed checkpoint entry: that container is read from its oldest log", async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    const id = await finishedContainer(200);
    const entries = { 'input:docker_logs_0': { containers: { [id]: { name: 'x', since: 'yesterday', streams: { stdout: { ts: 42 } } } } } };
    writeFileSync(join(stateDir, 'checkpoints.json'), JSON.stringify({ version: 1, saved_at: new Date().toISOString(), entries }));
    const out = join(dir, 'out.jsonl');
    const { shipper } = await start(pipeline(out), stateDir);
    await waitForLineCount(out, 200);
    expect(readRecords(out).filter((r) => r.container.id === id)).toHaveLength(200);
    expect(shipper.stderr).toMatch(new RegExp(`checkpoint of container ${id.slice(0, 12)} is malformed; reading it from its oldest available log`));
  });

  it('disk full in the state directory: a clear error, backpressure through the disk buffer, no corrupted checkpoint; all lines once space is back', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', stateDir]);
    cleanups.push(() => execFileSync('umount', ['-l', stateDir]));
    const out = join(dir, 'out.jsonl');
    const { shipper, api } = await start(pipeline(out, { buffer: '{ type: disk, max_bytes: 1MiB }' }), stateDir);
    const first = await finishedContainer(100);
    await waitForLineCount(out, 100);
    await until('a checkpoint file', () => readdirSync(stateDir).includes('checkpoints.json'));

    // fill the disk, then log more
    const filler = join(stateDir, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: the disk is full
    }
    const second = await runContainer({ label, script: `${numberedScript(2000)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', second));
    await until('spool write errors', async () => (await metric(api, 'logship_buffer_write_errors_total{output="file_0"}')) > 0);
    await until('checkpoint errors', async () => (await metric(api, 'logship_checkpoint_errors_total')) > 0);
    expect(shipper.stderr).toMatch(/buffer: cannot write the spool in .* \(ENOSPC.*holding the records and retrying with backoff/);
    expect(shipper.stderr).toMatch(/cannot write checkpoints in .*ENOSPC.*the previous checkpoint file stays intact/);
    // the checkpoint file is still whole, and no temporary file is left behind
    expect(() => JSON.parse(readFileSync(join(stateDir, 'checkpoints.json'), 'utf8')) as unknown).not.toThrow();
    expect(readdirSync(stateDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const stuck = readRecords(out).filter((r) => r.container.id === second).length;
    expect(stuck).toBeLessThan(2000);

    rmSync(filler);
    await waitForLineCount(out, 2100, 60_000);
    const records = readRecords(out);
    expect(records.filter((r) => r.container.id === first)).toHaveLength(100);
    expect(records.filter((r) => r.container.id === second).map((r) => r.message)).toEqual(Array.from({ length: 2000 }, (_, i) => `out ${i + 1}`));
    await shipper.waitForLog('checkpoints written again');
  });
});
