import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { messageCounts, readRecords, sequenceProblems, waitForLineCount, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
afterAll(() => removeContainersWithLabel(label));

describe('kill -9 of the shipper', () => {
  it.each(['api', 'file'])('three kills during a 100,000-line run, then a restart: every line exactly once (mode %s)', async (mode) => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    const pipeline = `inputs:
  - type: docker_logs
    mode: ${mode}
    include:
      labels: ["${label}"]
outputs:
  - type: file
    path: ${out}
`;
    // 50,000 lines on each stream, paced to last about 10 s, so the kills land mid-stream
    const script = numberedScript(50_000, { stderr: true, pauseEvery: 500, pauseUs: 100_000 });
    let shipper = Shipper.run(pipeline, stateDir);
    await shipper.ready();
    const id = await runContainer({ label, script });
    const killedAt: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const target = (kill + 1) * 20_000;
      await waitForLineCount(out, target, 30_000);
      shipper.kill('SIGKILL');
      await shipper.exit();
      killedAt.push(await waitForLineCount(out, 0));
      shipper = Shipper.run(pipeline, stateDir);
      await shipper.ready();
    }
    await waitForExit(id);
    const records = await waitForRecords(out, (r) => r.length >= 100_000, 60_000);
    // let a late duplicate show up, if there were one
    await new Promise((r) => setTimeout(r, 1500));
    expect(await shipper.stop()).toBe(0);
    const final = readRecords(out);
    expect(killedAt.every((n, i) => n >= (i + 1) * 20_000 && n < 100_000)).toBe(true);
    expect(sequenceProblems(messageCounts(final, id, 'stdout'), 'out', 50_000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sequenceProblems(messageCounts(final, id, 'stderr'), 'err', 50_000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(final).toHaveLength(100_000);
    expect(records.length).toBeLessThanOrEqual(100_000);
  });

  it('lines written while the shipper is down, by a container that exits meanwhile, are shipped after the restart', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    const pipeline = `inputs:\n  - type: docker_logs\n    include:\n      labels: ["${label}-down"]\noutputs:\n  - type: file\n    path: ${out}\n`;
    const first = Shipper.run(pipeline, stateDir);
    await first.ready();
    const before = await runContainer({ label: `${label}-down`, script: `${numberedScript(1000)}; sleep 2; i=1001; while [ $i -le 2000 ]; do echo "out $i"; i=$((i+1)); done` });
    await waitForRecords(out, (r) => r.length >= 1000, 20_000);
    first.kill('SIGKILL');
    await first.exit();
    // while nobody watches: the first container finishes, a second one runs and exits
    await waitForExit(before);
    const during = await runContainer({ label: `${label}-down`, script: numberedScript(1000) });
    await waitForExit(during);
    const second = Shipper.run(pipeline, stateDir);
    await second.ready();
    const records = await waitForRecords(out, (r) => r.length >= 3000, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await second.stop()).toBe(0);
    expect(sequenceProblems(messageCounts(records, before, 'stdout'), 'out', 2000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sequenceProblems(messageCounts(records, during, 'stdout'), 'out', 1000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(readRecords(out)).toHaveLength(3000);
    await removeContainersWithLabel(`${label}-down`);
  });
});
