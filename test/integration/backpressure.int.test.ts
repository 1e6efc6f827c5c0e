import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/record.js';
import { numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { sequenceProblems } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
afterAll(() => removeContainersWithLabel(label));

describe('backpressure', () => {
  it('a stalled output pauses the Docker stream instead of buffering; every line arrives once it drains', async () => {
    const dir = tempDir();
    const shipper = Shipper.run(
      `queue:\n  max_records: 1000\n  max_bytes: 1MiB\ninputs:\n  - type: docker_logs\n    include:\n      labels: ["${label}"]\noutputs:\n  - type: stdout\n`,
      join(dir, 'state'),
    );
    try {
      await shipper.ready();
      // stop reading the shipper's stdout: its pipe fills and the stdout output stalls
      shipper.process.stdout?.pause();
      const id = await runContainer({ label, script: numberedScript(100_000) });
      await waitForExit(id);
      // peak memory under backpressure is measured by bench/docker-logs, not here
      await new Promise((r) => setTimeout(r, 1500));
      shipper.process.stdout?.resume();
      const deadline = Date.now() + 60_000;
      while ((shipper.stdout.match(/\n/g)?.length ?? 0) < 100_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await shipper.stop()).toBe(0);
      const records = shipper.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord);
      const counts = new Map<string, number>();
      for (const r of records) counts.set(r.message, (counts.get(r.message) ?? 0) + 1);
      expect(sequenceProblems(counts, 'out', 100_000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      const stopped = shipper.stderr.split('\n').find((l) => l.includes('"pipeline stopped"')) ?? '{}';
      const metrics = (JSON.parse(stopped) as { metrics?: Record<string, number> }).metrics ?? {};
      expect(metrics['input_paused_total{input="docker_logs_0"}']).toBeGreaterThan(0);
    } finally {
      await shipper.stop();
    }
  });
});
