import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numberedScript, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { KAFKA, requireKafka, waitForMessages } from '../helpers/kafka-cli.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const run = label.split('=')[1] as string;
beforeAll(() => requireKafka());
afterAll(() => removeContainersWithLabel(label));

describe('kafka output and a topic Kafka refuses for good', () => {
  it('container names that differ only by "." and "_": the refused topic\'s records are dead-lettered, the others keep flowing', async () => {
    const state = tempDir('logship-kafka-refused-');
    const shipper = Shipper.run(
      `inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
outputs:
  - type: kafka
    brokers: ["${KAFKA}"]
    topic: "logs.{container.name}"
`,
      state,
    );
    try {
      await shipper.ready();
      // Kafka refuses to create a topic whose name differs from an existing one only by . and _
      await runContainer({ label, name: `dot.${run}`, script: `${numberedScript(50)}; sleep 3600` });
      await waitForMessages(`logs.dot.${run}`, 50, 60_000);
      await runContainer({ label, name: `dot_${run}`, script: `${numberedScript(50)}; sleep 3600` });
      // records that follow, of another container, must not wait behind the refused ones
      await new Promise((r) => setTimeout(r, 2_000));
      await runContainer({ label, name: `after-${run}`, script: `${numberedScript(200)}; sleep 3600` });
      const after = await waitForMessages(`logs.after-${run}`, 200, 60_000);
      expect(after).toHaveLength(200);

      const deadLetters = join(state, 'dead-letter', 'kafka_0.jsonl');
      const deadline = Date.now() + 30_000;
      let lines: Array<{ code: string; reason: string; record: { message: string } }> = [];
      while (Date.now() < deadline) {
        lines = existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof lines)[number]) : [];
        if (lines.length >= 50) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(lines.map((l) => l.record.message).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `out ${i + 1}`).sort());
      expect(new Set(lines.map((l) => l.code))).toEqual(new Set(['KAFKA_INVALID_TOPIC']));
      expect(lines[0]?.reason).toContain('INVALID_TOPIC_EXCEPTION');
    } finally {
      await shipper.stop();
    }
  });
});
