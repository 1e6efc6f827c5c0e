import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrograms, checkEvents, countsOf, eventsOf, GO_MODES, linesOf, PROGRAMS, runProgram, type BuiltPrograms } from '../../../test/helpers/real-programs.js';
import { recordOf } from '../../../test/helpers/transform-harness.js';
import { Ack } from '../../core/ack.js';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { Multiline, multilineSchema } from './index.js';

/**
 * The presets against what python3 (3.11), java (17) and go print: the programs of
 * test/programs/multiline/ write events to stderr and how many lines each has to stdout; every
 * event must come out of the transform as exactly one record.
 */

type Output = { stdout: string; stderr: string };
let built: BuiltPrograms | undefined;
let python: Output;
let java: Output;
let go: Output[];

// all at once: python runs while javac and go build, then java and the go processes
beforeAll(async () => {
  const programs = buildPrograms().then((b) => (built = b));
  const outputs = await Promise.all([
    runProgram('python3', [join(PROGRAMS, 'events.py'), '2000', '1']),
    programs.then((b) => runProgram('java', ['-XX:TieredStopAtLevel=1', '-cp', b.javaClasses, 'com.example.events.Events', '2000', '1'])),
    programs.then((b) => Promise.all(GO_MODES.map((mode, k) => runProgram(b.goBinary, [mode, '40', String(k + 1)])))),
  ]);
  [python, java, go] = outputs;
}, 60_000);
afterAll(() => {
  if (built) rmSync(built.dir, { recursive: true, force: true });
});

/** Each stream's lines through one multiline transform, as one container's stderr; everything drained at the end. */
function records(preset: 'python' | 'java' | 'go', streams: string[][]): string[] {
  const transform = new Multiline(multilineSchema.parse({ preset }), { metrics: new Metrics(), logger: pino({ level: 'silent' }) } as unknown as PluginContext);
  const out: string[] = [];
  const emit = (e: PipelineEvent): void => {
    out.push(e.record.message);
  };
  streams.forEach((lines, k) => {
    for (const line of lines) {
      const record = { ...recordOf(line, { id: `c${k}`, name: 'app', image: { name: 'app:1' }, labels: {} }), stream: 'stderr' as const };
      transform.process({ record, ack: new Ack(), bytes: line.length }, emit);
    }
  });
  transform.drain(emit);
  return out;
}

function expectWhole(events: string[], out: string[]): void {
  const check = checkEvents(events, out);
  expect(check.whole, `${check.summary} came out as exactly one record\n${check.examples.join('\n\n')}`).toBe(check.events);
  expect(out).toHaveLength(events.length);
}

describe('multiline presets on what real programs print', () => {
  it('python: 2,000 events of python3 — log lines, one-line summaries, logging.exception, chained exceptions, exception groups, recursion, warnings, threads', () => {
    const events = eventsOf(linesOf(python.stderr), countsOf(python.stdout));
    expectWhole(events, records('python', [linesOf(python.stderr)]));
  });

  it('java: 2,000 events of java 17 — logback, Spring Boot and java.util.logging records with stack traces, causes, suppressed, uncaught in threads', () => {
    const events = eventsOf(linesOf(java.stderr), countsOf(java.stdout));
    expectWhole(events, records('java', [linesOf(java.stderr)]));
  });

  it('go: recovered panics with debug.Stack(), goroutine dumps, and each way a process dies (panics, fatal errors, GOTRACEBACK=all and system)', () => {
    const streams = go.map((output) => linesOf(output.stderr));
    const events = go.flatMap((output, k) => eventsOf(streams[k] ?? [], countsOf(output.stdout), true));
    // one stream for all: each process's crash report must end where the next process's first line is
    expectWhole(events, records('go', [streams.flat()]));
    // and each alone, as when every process is a container of its own (drained at its end)
    expectWhole(events, records('go', streams));
  });
});
