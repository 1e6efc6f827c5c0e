import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { numberedScript, removeContainersWithLabel, runContainer, waitForExit } from '../helpers/docker-cli.js';
import { messageCounts, sequenceProblems, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

/** Runs the CLI to completion. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const shipper = new Shipper(args);
  const code = await shipper.exit();
  return { code, stdout: shipper.stdout, stderr: shipper.stderr };
}

describe('the acceptance pipeline, exactly as the issue states it', () => {
  afterAll(() => removeContainersWithLabel('app=demo'));

  it('npx logship run that.yaml --state-dir /tmp/state ships labelled containers to /tmp/out.jsonl', async () => {
    rmSync('/tmp/out.jsonl', { force: true });
    rmSync('/tmp/state', { recursive: true, force: true });
    const file = join(tempDir(), 'that.yaml');
    writeFileSync(file, `inputs:
  - type: docker_logs
    include:
      labels: ["app=demo"]
outputs:
  - type: file
    match: "docker.**"
    path: /tmp/out.jsonl
`);
    await removeContainersWithLabel('app=demo');
    const shipper = new Shipper(['logship', 'run', file, '--state-dir', '/tmp/state'], { command: ['npx'] });
    try {
      await shipper.ready();
      const demo = await runContainer({ label: 'app=demo', script: numberedScript(1000, { stderr: true }) });
      const other = await runContainer({ label: 'app=other', script: numberedScript(10) });
      await waitForExit(demo);
      const records = await waitForRecords('/tmp/out.jsonl', (r) => r.length >= 2000);
      expect(sequenceProblems(messageCounts(records, demo, 'stdout'), 'out', 1000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(sequenceProblems(messageCounts(records, demo, 'stderr'), 'err', 1000)).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(records.some((r) => r.container.id === other)).toBe(false);
      expect(records[0]?.container.labels).toEqual({ app: 'demo' });
      await removeContainersWithLabel('app=other');
    } finally {
      // npx forwards SIGTERM to logship and then ends itself by the same signal
      const code = await shipper.stop();
      expect(code === 0 || shipper.process.signalCode === 'SIGTERM').toBe(true);
      // npm may exit before logship has finished its graceful stop: its stderr is still ours
      for (let i = 0; i < 100 && !shipper.stderr.includes('pipeline stopped'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(shipper.stderr).toContain('pipeline stopped');
    }
  });
});

describe('bad input', () => {
  it('a malformed pipeline file: one line per problem with file, line and key; exit 2; no stack trace', async () => {
    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, `inputs:
  - type: docker_logs
    includ:
      labels: ["app=demo"]
outputs:
  - type: file
    path: /tmp/x.jsonl
    format: pretty
  - type: kafkaa
`);
    for (const command of [['run', file, '--state-dir', tempDir()], ['validate', file]]) {
      const { code, stdout, stderr } = await cli(command);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toEqual([
        `${file}:3:5: inputs[0].includ: unknown key; did you mean "include"? (valid keys: type, id, docker_host, tag, include, exclude, pod_sandboxes, start_at, mode, logs_dir, max_line_bytes)`,
        `${file}:8:5: outputs[0].format: unknown key (valid keys: type, id, match, dead_letter_path, buffer, path, mkdir, fsync, batch_max_records)`,
        `${file}:9:11: outputs[1].type: unknown output type "kafkaa"; did you mean "kafka"? (available: file, stdout, kafka, elasticsearch, opensearch)`,
      ]);
      expect(stderr).not.toMatch(/\s+at .*\(.*:\d+:\d+\)/);
    }
  });

  it('YAML syntax errors and missing files exit 2 with the file named', async () => {
    const file = join(tempDir(), 'syntax.yaml');
    writeFileSync(file, 'inputs:\n  - type: docker_logs\n outputs: [\n');
    const syntax = await cli(['validate', file]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`^${file}:\\d+:\\d+: YAML syntax: `));
    const missing = await cli(['run', '/nonexistent/p.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('/nonexistent/p.yaml: no such file — check the path');
  });

  it('a state directory used by a running shipper is refused with exit 2', async () => {
    const stateDir = tempDir();
    const file = join(tempDir(), 'p.yaml');
    writeFileSync(file, 'inputs:\n  - type: docker_logs\n    include:\n      labels: ["nothing=matches"]\noutputs:\n  - type: stdout\n');
    const first = new Shipper(['run', file, '--state-dir', stateDir]);
    try {
      await first.ready();
      const second = await cli(['run', file, '--state-dir', stateDir]);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/state directory .* is in use by process \d+ — stop it, or give this shipper its own --state-dir/);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });
});

describe('run', () => {
  it('keeps running until signalled when no input holds a connection, then stops gracefully', async () => {
    const dir = tempDir();
    const shipper = Shipper.run(`api: { enabled: false }\ninputs:\n  - type: generator\n    count: 100\noutputs:\n  - type: file\n    path: ${join(dir, 'out.jsonl')}\n`, join(dir, 'state'));
    await shipper.waitForLog('generator: done');
    await new Promise((r) => setTimeout(r, 2000));
    expect(shipper.process.exitCode).toBeNull();
    expect(await shipper.stop()).toBe(0);
    expect(shipper.stderr).toContain('pipeline stopped');
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(100);
  });
});

describe('validate and plugins', () => {
  it('validate accepts every shipped pipeline', async () => {
    const { code, stdout } = await cli(['validate', 'pipelines/default.yaml']);
    expect(code).toBe(0);
    expect(stdout).toContain('pipelines/default.yaml: ok');
  });

  it('plugins lists every plugin from the registry, and one plugin\'s options', async () => {
    const list = await cli(['plugins']);
    expect(list.code).toBe(0);
    for (const type of ['docker_logs', 'file', 'stdout']) expect(list.stdout).toContain(type);
    const one = await cli(['plugins', 'docker_logs']);
    for (const option of ['include.labels', 'exclude.images', 'start_at', 'max_line_bytes']) expect(one.stdout).toContain(option);
  });
});
