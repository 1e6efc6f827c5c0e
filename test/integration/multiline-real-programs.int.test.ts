import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerLogLines, removeContainersWithLabel, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { readRecords, waitForRecords } from '../helpers/output-file.js';
import { buildPrograms, checkEvents, countsOf, eventsOf, GO_MODES, goEventsOf, PROGRAMS, type BuiltPrograms } from '../helpers/real-programs.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

/**
 * The multiline presets end to end, on what real programs print in a container: the programs
 * of test/programs/multiline/ run in logship-test/debian:1 (Debian's python3 3.11 and headless
 * JRE 17; the Java classes and the static Go binary are built on this host and copied in), and
 * the built shipper reads them: docker_logs → multiline (preset) → file. Each program writes its
 * events to stderr and how many lines each has to stdout; `docker logs` (an independent client)
 * gives the stream, and every event must be exactly one record of the output.
 */

const IMAGE = 'logship-test/debian:1';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let built: BuiltPrograms | undefined;
beforeAll(async () => {
  await docker('image', 'inspect', IMAGE).catch(() => {
    throw new Error(`test image ${IMAGE} missing — run scripts/build-test-images.sh`);
  });
  built = await buildPrograms();
}, 120_000);
afterAll(() => {
  if (built) rmSync(built.dir, { recursive: true, force: true });
});

/**
 * Runs `script` in a container of the Debian image with `files` copied in, shipped by a shipper
 * with the preset; returns the container's stdout (the manifest) and stderr lines as `docker logs`
 * gives them, and the messages of the stderr records the shipper wrote.
 */
async function shipped(preset: 'python' | 'java' | 'go', files: Record<string, string>, script: string): Promise<{ stdout: string; stderr: string[]; records: string[] }> {
  const label = uniqueLabel();
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const shipper = Shipper.run(`api: { enabled: false }
inputs:
  - type: docker_logs
    include: { labels: ["${label}"] }
transforms:
  - type: multiline
    preset: ${preset}
outputs:
  - type: file
    path: ${out}
`, join(dir, 'state'));
  cleanups.push(() => removeContainersWithLabel(label));
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  const id = (await docker('create', '--network', 'none', '--label', label, IMAGE, 'sh', '-c', script)).trim();
  for (const [from, to] of Object.entries(files)) await docker('cp', from, `${id}:${to}`);
  await docker('start', id);
  await waitForExit(id, 150_000);
  const logs = await dockerLogLines(id);
  // every line is shipped once its record is: the records' lines add up to the stream's
  const stderrRecords = (records: ReturnType<typeof readRecords>): string[] => records.filter((r) => r.container.id === id && r.stream === 'stderr').map((r) => r.message);
  const lineCount = (records: ReturnType<typeof readRecords>): number => stderrRecords(records).reduce((n, m) => n + m.split('\n').length, 0);
  const records = await waitForRecords(out, (r) => lineCount(r) >= logs.stderr.length, 60_000);
  expect(lineCount(records), 'lines shipped').toBe(logs.stderr.length);
  return { stdout: logs.stdout.join('\n'), stderr: logs.stderr, records: stderrRecords(records) };
}

function expectWhole(events: string[], records: string[]): void {
  const check = checkEvents(events, records);
  console.log(`multiline real programs: ${check.summary} came out as exactly one record`);
  expect(check.whole, `${check.summary} came out as exactly one record\n${check.examples.join('\n\n')}`).toBe(check.events);
  expect(records).toEqual(events);
}

describe('multiline presets on real programs in containers: docker_logs → multiline → file', () => {
  it('python: 5,000 events of python3 3.11 (Debian) — log lines, one-line summaries, logging.exception, chained exceptions, custom classes, exception groups, recursion, warnings, threads', async () => {
    const { stdout, stderr, records } = await shipped('python', { [join(PROGRAMS, 'events.py')]: '/tmp/events.py' }, 'python3 /tmp/events.py 5000 7');
    expectWhole(eventsOf(stderr, countsOf(stdout)), records);
  });

  it('java: 3,000 events of a JRE 17 (Debian) — logback, Spring Boot and java.util.logging records with stack traces, causes, suppressed, uncaught in threads', async () => {
    const { stdout, stderr, records } = await shipped('java', { [(built as BuiltPrograms).javaClasses]: '/tmp/classes' }, 'java -cp /tmp/classes com.example.events.Events 3000 7');
    expectWhole(eventsOf(stderr, countsOf(stdout)), records);
  });

  it('go: one process after another, each with recovered panics and goroutine dumps, ending in a panic, a fatal error or a clean exit', async () => {
    const script = `for m in ${GO_MODES.join(' ')}; do echo "== $m"; /tmp/events-go $m 100 7; done`;
    const { stdout, stderr, records } = await shipped('go', { [(built as BuiltPrograms).goBinary]: '/tmp/events-go' }, script);
    const manifests = stdout
      .split(/^== \S+\n?/m)
      .slice(1)
      .map((part) => countsOf(part));
    expect(manifests).toHaveLength(GO_MODES.length);
    expectWhole(goEventsOf(stderr, manifests), records);
  });
});
