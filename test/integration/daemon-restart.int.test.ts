import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerLogLines, numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { messageCounts, sequenceProblems, waitForRecords } from '../helpers/output-file.js';
import { REPO_ROOT, Shipper, tempDir } from '../helpers/shipper.js';

const exec = promisify(execFile);
const label = uniqueLabel();

afterAll(async () => {
  // whatever happened, leave a running engine for the next test file
  await exec(join(REPO_ROOT, 'scripts/docker-up.sh'));
  await removeContainersWithLabel(label);
});

describe('the Docker daemon going away and coming back', () => {
  it('keeps running, reconnects with backoff, reads what was written before the daemon stopped, and follows what starts after', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const shipper = Shipper.run(`inputs:\n  - type: docker_logs\n    include:\n      labels: ["${label}"]\noutputs:\n  - type: file\n    path: ${out}\n`, join(dir, 'state'));
    try {
      await shipper.ready();
      // prints until stopped; exits at once on SIGTERM so the daemon stops quickly
      const script = 'trap "exit 0" TERM; n=$(cat /tmp/run 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/run; i=1; while true; do echo "run$n $i"; i=$((i+1)); usleep 2000; done';
      const early = await runContainer({ label, script });
      await waitForRecords(out, (r) => r.length >= 300, 20_000);

      await exec(join(REPO_ROOT, 'scripts/docker-down.sh'));
      await shipper.waitForLog('cannot reach the Docker daemon', 20_000);
      await new Promise((r) => setTimeout(r, 2000));
      expect(shipper.process.exitCode).toBeNull();
      await exec(join(REPO_ROOT, 'scripts/docker-up.sh'));
      await shipper.waitForLog('Docker daemon reachable again', 30_000);

      // the early container died with the daemon; start it again, plus a new one
      await docker('start', early);
      const late = await runContainer({ label, script: numberedScript(2000) });
      await waitForExit(late);
      await docker('stop', '-t', '5', early);
      const reference = await dockerLogLines(early);
      const runs = new Map<string, number>();
      for (const line of reference.stdout) {
        const [run] = line.split(' ');
        runs.set(run as string, (runs.get(run as string) ?? 0) + 1);
      }
      expect([...runs.keys()]).toEqual(['run1', 'run2']);
      const expected = reference.stdout.length + 2000;
      const records = await waitForRecords(out, (r) => r.length >= expected, 30_000);
      const counts = messageCounts(records, early, 'stdout');
      expect(sequenceProblems(counts, 'run1', runs.get('run1') ?? 0)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(sequenceProblems(counts, 'run2', runs.get('run2') ?? 0)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(sequenceProblems(messageCounts(records, late, 'stdout'), 'out', 2000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(records).toHaveLength(expected);
      expect(shipper.process.exitCode).toBeNull();
    } finally {
      expect(await shipper.stop()).toBe(0);
    }
  });
});
