import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, execCreations, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { readRecords, waitForLineCount } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

// Labels are written by whoever runs a container, not by the operator of the shipper.
const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

/** A shipper following, by label alone, the files containers name in `logship.tail`. */
async function labelShipper(): Promise<{ out: string; shipper: Shipper }> {
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const shipper = Shipper.run(`inputs:\n  - type: docker_tail\n    include:\n      labels: ["${label}"]\noutputs:\n  - type: file\n    path: ${out}\n`, join(dir, 'state'));
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  return { out, shipper };
}

/** A container that writes "<file name> 1" into each of `files` and names `labelled` in its label. */
async function labelledContainer(files: string[], labelled: string[] = files): Promise<string> {
  const writes = files.map((f) => `echo "${f.split('/').pop()} 1" >> ${f}`).join('; ');
  const id = await runContainer({ label, script: `${writes}; sleep 3600`, extraArgs: ['--label', `logship.tail=${labelled.join(',')}`] });
  cleanups.push(() => docker('rm', '-f', id));
  return id;
}

describe('docker_tail paths from container labels', () => {
  it('24 paths in a label: execs for the first max_label_paths (8) only, unsafe paths refused, one warning across a restart', async () => {
    const { out, shipper } = await labelShipper();
    const since = Math.floor(Date.now() / 1000);
    const files = Array.from({ length: 24 }, (_, i) => `/var/log/p${i + 1}.log`);
    // each would have made the wrapper match more than the one file it names, or was relative
    const unsafe = ['/var/log/p*.log', 'var/log/p1.log', '/var/log/$(touch /pwned).log'];
    const id = await labelledContainer(files, [unsafe[0] as string, ...files, ...unsafe.slice(1)]);
    await waitForLineCount(out, 8, 20_000);
    await settle(3000);
    expect(readRecords(out).map((r) => r.message).sort()).toEqual(files.slice(0, 8).map((f) => `${f.split('/').pop()} 1`).sort());
    expect(await execCreations(id, since)).toBe(8);
    await docker('restart', '-t', '0', id);
    await settle(3000);
    const warnings = shipper.stderr.split('\n').filter((l) => l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(id.slice(0, 12));
    expect(warnings[0]).toContain('max_label_paths');
    expect(warnings[0]).toContain('/var/log/p9.log');
    for (const path of unsafe) expect(warnings[0]).toContain(JSON.stringify(JSON.stringify(path)).slice(1, -1));
    expect(await docker('exec', id, 'ls', '/')).not.toContain('pwned');
  });

  it('20 containers followed at once: the shipper writes only JSON lines to stderr (no Node warning)', async () => {
    const { out, shipper } = await labelShipper();
    for (let i = 0; i < 20; i += 5) await Promise.all(Array.from({ length: 5 }, () => labelledContainer(['/var/log/app.log'])));
    await waitForLineCount(out, 20, 30_000);
    expect(await shipper.stop()).toBe(0);
    const lines = shipper.stderr.split('\n').filter(Boolean);
    expect(lines.filter((l) => !isJson(l))).toEqual([]);
  });
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
