import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { docker, runContainer } from '../helpers/docker-cli.js';
import { waitForRecords } from '../helpers/output-file.js';
import { REPO_ROOT, Shipper, tempDir } from '../helpers/shipper.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('transforms in a running pipeline', () => {
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
    expect(files[0]).toMatchObject({ app: { level: 'warn', msg: 'disk' }, '@timestamp': '2026-11-28T10:00:00.500000000Z' });
    expect(files[1]).toMatchObject({ message: 'not json', parse_error: expect.stringMatching(/^json: /) });
  });
});
