import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { messageCounts, readRecords, sequenceProblems, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LINES = 20_000;

describe('reload (SIGHUP and --watch), against the real Docker engine', () => {
  it('applies changes without losing or doubling a line, and rejects an invalid file while the pipeline goes on', async () => {
    const label = uniqueLabel();
    const dir = tempDir();
    const [first, second, third] = ['first.jsonl', 'second.jsonl', 'third.jsonl'].map((f) => join(dir, f)) as [string, string, string];
    const file = join(dir, 'pipeline.yaml');
    const pipeline = (options: { maxLineBytes?: number; outputs: string }): string => `api: { enabled: false }
inputs:
  - type: docker_logs
    id: containers
    include: { labels: ["${label}"] }
    max_line_bytes: ${options.maxLineBytes ?? 16384}
outputs:
  - { type: file, id: first, path: ${first} }
${options.outputs}`;
    writeFileSync(file, pipeline({ outputs: '' }));
    const shipper = new Shipper(['run', file, '--state-dir', join(dir, 'state'), '--watch']);
    cleanups.push(() => removeContainersWithLabel(label));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    // ~10 s of numbered lines, so every reload happens while lines flow
    const id = await runContainer({ label, script: numberedScript(LINES, { pauseEvery: 200, pauseUs: 100_000 }) });
    await waitForRecords(first, (r) => r.length > 1000);

    // SIGHUP: an output is added; the input and the first output keep running
    writeFileSync(file, pipeline({ outputs: `  - { type: file, id: second, path: ${second} }\n` }));
    shipper.kill('SIGHUP');
    await shipper.waitForLog('outputs: added[second] kept 1');
    expect(shipper.stderr).toContain('inputs: kept 1');
    await waitForRecords(second, (r) => r.length > 500);

    // an invalid file (watched): rejected with file, line and key; lines keep arriving
    writeFileSync(file, pipeline({ outputs: `  - { type: file, id: second, pathh: ${second} }\n` }));
    await shipper.waitForLog('the running pipeline is unchanged');
    expect(shipper.stderr).toMatch(/reload rejected: \S+pipeline\.yaml:9:\d+: outputs\[1\]\.pathh: unknown key; did you mean \\"path\\"\?/);
    expect(shipper.stderr).toContain('the running pipeline is unchanged');
    const before = readRecords(first).length;
    await waitForRecords(first, (r) => r.length > before + 500);

    // watched: the input's options change (it restarts from its checkpoint) and the second output moves
    writeFileSync(file, pipeline({ maxLineBytes: 8192, outputs: `  - { type: file, id: second, path: ${third} }\n` }));
    await shipper.waitForLog('inputs: changed[containers]');
    expect(shipper.stderr).toContain('outputs: changed[second] kept 1');

    await waitForExit(id);
    const records = await waitForRecords(first, (r) => r.length >= LINES);
    await new Promise((r) => setTimeout(r, 1000));
    // the first output ran through every reload: each line exactly once
    expect(sequenceProblems(messageCounts(readRecords(first), id, 'stdout'), 'out', LINES)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(records).toHaveLength(LINES);
    // the second output, then its successor: one unbroken run up to the last line, each once
    const numbers = [...readRecords(second), ...readRecords(third)].map((r) => Number(r.message.split(' ')[1]));
    expect(numbers.at(-1)).toBe(LINES);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => (numbers[0] as number) + i));
    expect(readRecords(third).length).toBeGreaterThan(0);
    expect(shipper.process.exitCode).toBeNull();
  });
});
