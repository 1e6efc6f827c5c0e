import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { waitForLineCount } from '../helpers/output-file.js';
import { LOGSHIP_BIN, Shipper, tempDir } from '../helpers/shipper.js';

const run = promisify(execFile);
const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

describe('logship top', () => {
  it("prints a running shipper's per-plugin table from its API; a clear error when no shipper answers", async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const yaml = `api: { address: "127.0.0.1:0" }\ninputs:\n  - type: docker_logs\n    include: { labels: ["${label}"] }\noutputs:\n  - type: file\n    path: ${out}\n    buffer: { type: disk }\n`;
    const shipper = Shipper.run(yaml, join(dir, 'state'));
    cleanups.push(() => shipper.stop());
    await shipper.waitForLog('api listening');
    await shipper.ready();
    const api = /api listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(shipper.stderr)?.[1] as string;
    const id = await runContainer({ label, script: `${numberedScript(250)}; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await waitForLineCount(out, 250);

    const { stdout } = await run(process.execPath, [LOGSHIP_BIN, 'top', '--once', '--interval', '0.5', '--api', api]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^logship {2}in \d+\/s {2}out \d+\/s {2}lag [\d.]+s {2}queued \d+ {2}buffer [\d.]+ (B|KiB|MiB) {2}errors 0$/);
    expect(lines[2]).toMatch(/^plugin\s+kind\s+records\/s/);
    expect(stdout).toMatch(/^docker_logs_0\s+input\s+\d+\s+250\s+0\s/m);
    expect(stdout).toMatch(/^file_0\s+output\s+\d+\s+250\s+0\s+0\s+0\s+0\s+[\d.]+ (B|KiB|MiB)\s+[\d.]+$/m);

    const failed = await run(process.execPath, [LOGSHIP_BIN, 'top', '--once', '--api', '127.0.0.1:1']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/logship top: no logship API on 127\.0\.0\.1:1 .*is logship running with api\.enabled/);
  });
});
