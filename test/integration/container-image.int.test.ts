/**
 * The container form, end to end: logship's image (built here without a registry by
 * scripts/build-local-image.sh from this machine's Node 20 and deploy/Dockerfile's runtime stage)
 * runs as a container with the Docker socket mounted and host networking, next to a demo app.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { consumeAll, requireKafka } from '../helpers/kafka-cli.js';
import { readRecords, waitForRecords } from '../helpers/output-file.js';
import { REPO_ROOT, tempDir } from '../helpers/shipper.js';

const exec = promisify(execFile);
const IMAGE = 'logship-local:e2e';
const LINES = 500;
const label = uniqueLabel();
const run = label.split('=')[1] as string;
const shipperName = `logship-e2e-${run}`;

beforeAll(async () => {
  requireKafka();
  await exec(join(REPO_ROOT, 'scripts/build-local-image.sh'), [IMAGE], { timeout: 300_000 });
}, 300_000);
afterAll(async () => {
  await docker('rm', '-f', shipperName).catch(() => undefined);
  await removeContainersWithLabel(label);
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('the container image', () => {
  it("ships a demo app's stdout and its in-container file to Kafka and a file, with the right source, and not its own logs", async () => {
    const dir = tempDir('logship-e2e-');
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'state'));
    const topic = `e2e-${run}`;
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `inputs:
  - type: docker_logs
    id: containers
  - type: docker_tail
    id: files
    include: { labels: ["${label}"] }
outputs:
  - type: kafka
    brokers: ["127.0.0.1:9092"]
    topic: ${topic}
  - type: file
    path: /out/records.jsonl
`,
    );
    const demo = await runContainer({
      label,
      name: `demo-${run}`,
      extraArgs: ['--label', 'logship.tail=/var/log/app.log'],
      script: `i=1; : > /var/log/app.log; while [ $i -le ${LINES} ]; do echo "demo out $i"; echo "demo file $i" >> /var/log/app.log; [ $((i % 50)) -eq 0 ] && usleep 100000; i=$((i+1)); done; sleep 3600`,
    });
    const shipper = (
      await docker(
        'run', '-d', '--name', shipperName, '--label', label, '--network', 'host', '--health-interval', '2s',
        '-e', 'NODE_NAME=e2e-node',
        '-v', '/var/run/docker.sock:/var/run/docker.sock',
        '-v', `${join(dir, 'pipeline.yaml')}:/etc/logship/pipeline.yaml:ro`,
        '-v', `${join(dir, 'out')}:/out`,
        '-v', `${join(dir, 'state')}:/var/lib/logship`,
        IMAGE,
      )
    ).trim();

    // the image's own HEALTHCHECK (from deploy/Dockerfile) turns healthy; /readyz answers on the host network
    await until('a healthy container', async () => ((await docker('inspect', '-f', '{{.State.Health.Status}}', shipper)).trim() === 'healthy' ? true : undefined));
    const ready = await until('/readyz', async () => {
      const response = await fetch('http://127.0.0.1:2020/readyz');
      return response.ok ? ((await response.json()) as { ready: boolean }) : undefined;
    });
    expect(ready.ready).toBe(true);

    const records = await waitForRecords(join(dir, 'out/records.jsonl'), (r) => r.filter((x) => x.container.id === demo).length >= 2 * LINES);
    const fromDemo = records.filter((r) => r.container.id === demo);
    const stdout = fromDemo.filter((r) => r.message.startsWith('demo out ')).map((r) => r.message);
    const file = fromDemo.filter((r) => r.message.startsWith('demo file ')).map((r) => r.message);
    expect(stdout).toEqual(Array.from({ length: LINES }, (_, i) => `demo out ${i + 1}`));
    expect(file).toEqual(Array.from({ length: LINES }, (_, i) => `demo file ${i + 1}`));
    expect(new Set(fromDemo.filter((r) => r.message.startsWith('demo out ')).map((r) => r.source))).toEqual(new Set(['main']));
    expect(new Set(fromDemo.filter((r) => r.message.startsWith('demo file ')).map((r) => r.source))).toEqual(new Set(['exec']));
    expect(fromDemo[0]?.host.name).toBe('e2e-node');
    expect(fromDemo[0]?.container.name).toBe(`demo-${run}`);

    const messages = await until('the demo lines in Kafka', async () => {
      const all = (await consumeAll(topic)).map((m) => JSON.parse(m.payload) as { message: string; container: { id: string } });
      const demoMessages = all.filter((m) => m.container.id === demo);
      return demoMessages.length >= 2 * LINES ? all : undefined;
    });
    expect(messages.filter((m) => m.container.id === demo)).toHaveLength(2 * LINES);

    // the shipper logs (stderr, JSON lines) but never ships them: its own container is skipped
    expect(await docker('logs', shipper)).toBe('');
    const { stderr } = await exec('docker', ['logs', shipper]);
    expect(stderr).toContain('logship started');
    expect(readRecords(join(dir, 'out/records.jsonl')).filter((r) => r.container.id === shipper)).toEqual([]);
    expect(messages.filter((m) => m.container.id === shipper)).toEqual([]);

    // docker stop: SIGTERM, a graceful stop, exit code 0
    await docker('stop', '-t', '30', shipper);
    expect((await docker('inspect', '-f', '{{.State.ExitCode}}', shipper)).trim()).toBe('0');
  });
});
