import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { readRecords, waitForRecords } from '../helpers/output-file.js';
import { REPO_ROOT, Shipper, tempDir } from '../helpers/shipper.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('transforms in a running pipeline', () => {
  it('the acceptance pipeline: JSON parsed under app, the stack trace as one record, DEBUG dropped — exactly three records', async () => {
    rmSync('/tmp/out.jsonl', { force: true });
    const dir = tempDir();
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
transforms:
  - type: multiline
    match: "docker.main.**"
    preset: java
  - type: json
    match: "docker.main.**"
    target: app
  - type: grep
    match: "**"
    exclude: { message: "^DEBUG" }
outputs:
  - type: file
    match: "docker.**"
    path: /tmp/out.jsonl
`);
    await removeContainersWithLabel('app=demo');
    const shipper = new Shipper(['run', file, '--state-dir', join(dir, 'state')]);
    cleanups.push(() => removeContainersWithLabel('app=demo'));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const script = [
      `echo '{"level":"warn","msg":"slow"}'`,
      'echo "DEBUG noise"',
      'echo \'Exception in thread "main" java.lang.IllegalStateException: boom\'',
      'printf "\\tat com.example.App.run(App.java:10)\\n\\tat com.example.App.main(App.java:3)\\n"',
      'echo after-trace',
      'sleep 3600',
    ].join('; ');
    await runContainer({ label: 'app=demo', script });
    await waitForRecords('/tmp/out.jsonl', (r) => r.some((x) => x.message === 'after-trace'), 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const records = readRecords('/tmp/out.jsonl');
    expect(records.map((r) => r.message)).toEqual([
      '{"level":"warn","msg":"slow"}',
      'Exception in thread "main" java.lang.IllegalStateException: boom\n\tat com.example.App.run(App.java:10)\n\tat com.example.App.main(App.java:3)',
      'after-trace',
    ]);
    expect(records[0]?.app).toEqual({ level: 'warn', msg: 'slow' });
  });

  it('pipelines/app-files.yaml: a Java stack trace from stdout as one record, JSON lines of the log file parsed with their own time', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    process.env.LOGSHIP_OUT = out;
    const shipper = new Shipper(['run', join(REPO_ROOT, 'pipelines/app-files.yaml'), '--state-dir', join(dir, 'state')]);
    delete process.env.LOGSHIP_OUT;
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const script = [
      'echo "starting"',
      'printf "Exception in thread \\"main\\" java.lang.IllegalStateException: boom\\n\\tat com.x.A.run(A.java:10)\\n\\tat com.x.Main.main(Main.java:3)\\n"',
      'echo "after the trace"',
      'echo \'{"level":"warn","msg":"disk","time":"2026-11-28T10:00:00.5Z"}\' >> /var/log/app.log',
      'echo "not json" >> /var/log/app.log',
      'sleep 3600',
    ].join('; ');
    const id = await runContainer({ label: 'logship.tail=/var/log/app.log', script });
    cleanups.push(() => docker('rm', '-f', id));
    const records = await waitForRecords(out, (r) => r.length >= 5, 30_000);
    const main = records.filter((r) => r.source === 'main').map((r) => r.message);
    expect(main).toEqual(['starting', 'Exception in thread "main" java.lang.IllegalStateException: boom\n\tat com.x.A.run(A.java:10)\n\tat com.x.Main.main(Main.java:3)', 'after the trace']);
    const files = records.filter((r) => r.source === 'exec');
    expect(files[0]).toMatchObject({ level: 'warn', msg: 'disk', '@timestamp': '2026-11-28T10:00:00.500000000Z' });
    expect(files[1]).toMatchObject({ message: 'not json', parse_error: expect.stringMatching(/^json: /) });
  });

  it('a container printing forged tag, container and host fields is routed by its real tag, with its real container and host', async () => {
    const dir = tempDir();
    const label = uniqueLabel();
    const shipper = Shipper.run(`host_name: real-host
api: { enabled: false }
inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
transforms:
  - type: json
outputs:
  - type: file
    match: "docker.main.**"
    path: ${join(dir, 'main.jsonl')}
  - type: file
    match: "security.**"
    path: ${join(dir, 'security.jsonl')}
`, join(dir, 'state'));
    cleanups.push(() => removeContainersWithLabel(label));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const forged = '{"tag":"security.audit.sshd","container":{"id":"0000","name":"sshd","labels":{"role":"bastion"}},"host":{"name":"bastion"},"level":"warn"}';
    const id = await runContainer({ label, script: `echo '${forged}'; echo done; sleep 3600` });
    const [record] = await waitForRecords(join(dir, 'main.jsonl'), (r) => r.some((x) => x.message === 'done'), 30_000);
    const name = (await docker('inspect', '-f', '{{.Name}}', id)).trim().replace(/^\//, '');
    expect(record).toMatchObject({ tag: `docker.main.${name}`, container: { id, name }, host: { name: 'real-host' }, level: 'warn', message: forged });
    expect(record?._parsed).toEqual({ tag: 'security.audit.sshd', container: { id: '0000', name: 'sshd', labels: { role: 'bastion' } }, host: { name: 'bastion' } });
    expect(readRecords(join(dir, 'security.jsonl'))).toEqual([]);
  });
});
