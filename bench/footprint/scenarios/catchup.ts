import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BULK_FILE_PROGRAM, BulkReference } from '../../lib/bulk-reference.js';
import { timeDockerLogs } from '../../lib/docker.js';
import { countDocs, putTemplate } from '../../lib/es.js';
import { produceWithKcat } from '../../lib/kcat.js';
import { pollUntil } from '../../lib/progress.js';
import { ProcessSampler, procCpuSeconds } from '../../lib/proc.js';
import { log } from '../../lib/session.js';
import { measureUntilDelivered, startAgent, stopAgent, Window } from '../agent.js';
import { groupLabel, startFinishedLog } from '../containers.js';
import type { Context, Row } from '../context.js';
import type { Scenario } from '../options.js';
import { esSink, fileSink, kafkaSink, type Copy } from '../sinks.js';
import { ExactlyOnce } from '../verify.js';

type CatchupLog = { name: string; id: string };
let finishedLog: Promise<CatchupLog> | undefined;

/** Buffered appends to a file (a reference's input, written while the output is read back). */
class Appender {
  private readonly fd: number;
  private chunk = '';

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  add(text: string): void {
    this.chunk += text;
    if (this.chunk.length > 4 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.chunk);
    this.chunk = '';
  }
}

/**
 * catchup-file, catchup-kafka, catchup-es: one container's finished log (the same for every run
 * of every catch-up scenario) read from its start by a new agent: timed and measured end to end,
 * from spawning the agent (start-up included) until the output holds every line; then every line
 * is read back, and a reference handles the same lines in the same run.
 */
export async function runCatchup(ctx: Context, scenario: Scenario, run: number): Promise<Row> {
  const lines = ctx.options.catchupLines;
  finishedLog ??= startFinishedLog(ctx, 'catchup', lines, 300_000);
  const container = await finishedLog;
  const tag = `${scenario}-r${run}`;
  const row: Row = { scenario, run, errors: [], notes: [], lines, containers: 1 };
  const sink = scenario === 'catchup-kafka' ? await kafkaSink(ctx, tag) : scenario === 'catchup-es' ? esSink(ctx, tag) : fileSink(ctx, tag, 'file');
  try {
    const agent = startAgent(ctx, tag, groupLabel(ctx, 'catchup'), [sink]);
    const window = new Window(agent.pid);
    await measureUntilDelivered(agent, window, [sink], row, { lines, everyMs: sink.kind === 'elasticsearch' ? 250 : 100, timeoutMs: ctx.options.timeoutMs, sinceSpawn: true });
    await stopAgent(agent, row);
    const check = new ExactlyOnce(1, lines);
    const input = sink.kind === 'file' ? undefined : new Appender(join(ctx.tmp, `${tag}.reference-input`));
    const refIndex = `${ctx.prefix}-${tag}-raw`;
    // what logship sent, read back, is the reference's input: the same values, the same ids
    const copy: Copy | undefined = !input ? undefined : sink.kind === 'kafka' ? (raw) => input.add(`${container.id}\t${raw}\n`) : (raw, id) => input.add(`{"index":{"_index":${JSON.stringify(refIndex)},"_id":${JSON.stringify(id)}}}\n${raw}\n`);
    try {
      await sink.readBack(check, copy);
    } finally {
      input?.close();
    }
    Object.assign(row, check.result());
    if (sink.kind === 'file') await fileReference(ctx, container, row);
    else if (row.missing !== 0 || row.duplicates !== 0) row.notes.push('no reference: the output is not complete, so its input would not be the same lines');
    else if (sink.kind === 'kafka') await kcatReference(ctx, tag, container, input?.path as string, row);
    else await bulkReference(ctx, refIndex, input?.path as string, row);
    row.ratio = (row.linesPerSec ?? NaN) / (row.refPerSec ?? NaN);
  } finally {
    sink.close();
  }
  return row;
}

/** `docker logs -t` on the same log: Docker's own read rate. */
async function fileReference(ctx: Context, container: CatchupLog, row: Row): Promise<void> {
  const reference = await timeDockerLogs(ctx.session, container.name, ctx.options.refReps);
  row.refPerSec = ctx.options.catchupLines / reference.seconds;
}

/** kcat -P sending the values logship produced, with its settings (gzip, acks=all, idempotence), to a topic of its own. */
async function kcatReference(ctx: Context, tag: string, container: CatchupLog, input: string, row: Row): Promise<void> {
  const topic = await ctx.broker.createTopic(`${ctx.prefix}-${tag}-kcat`);
  const kcat = await produceWithKcat(ctx.session, {
    brokers: ctx.options.brokers.join(','),
    topic,
    codec: 'gzip',
    input,
    headers: { source: 'main', stream: 'stdout', 'container.name': container.name },
    dir: ctx.tmp,
    tag,
    // polled as logship's topic was: the same load on the broker
    poll: async () => !Number.isNaN(await ctx.broker.topicCount(topic)),
  });
  if (kcat.aborted) return void row.errors.push('the broker went away while kcat was producing');
  if (kcat.exit.code !== 0) return void row.errors.push(`kcat exited with ${kcat.exit.code ?? kcat.exit.signal}: ${kcat.stderrTail}`);
  const count = await ctx.broker.finalCount(topic, 'kcat count');
  if (count !== ctx.options.catchupLines) return void row.errors.push(`kcat: the topic holds ${count} of ${ctx.options.catchupLines} messages`);
  row.refPerSec = count / kcat.seconds;
  row.refCpuSeconds = kcat.cpuSeconds;
}

/** The kit's raw `_bulk` loop posting the documents logship indexed (the same _ids), gzip, 4 in flight, 5000 per request. */
async function bulkReference(ctx: Context, index: string, input: string, row: Row): Promise<void> {
  const url = ctx.options.esUrl;
  await putTemplate(url, index, index, 'logship bench/footprint');
  ctx.templates.push(index);
  const ref = new BulkReference(ctx.session, 'raw _bulk loop', [BULK_FILE_PROGRAM, '--url', url, '--ndjson', input, '--gzip']);
  try {
    await ref.next('ready');
    const cpu0 = procCpuSeconds(ref.pid);
    const sampler = new ProcessSampler(ref.pid, 200);
    const t0 = performance.now();
    ref.go();
    const end = await pollUntil({ read: () => countDocs(url, index), target: ctx.options.catchupLines, unit: 'documents', everyMs: 250, stallMs: 30_000, timeoutMs: ctx.options.timeoutMs, t0: () => t0, exited: () => ref.process.isDone() });
    const usage = sampler.stop();
    if (end.error || end.reachedAt === undefined) return void row.errors.push(`raw _bulk loop: ${end.error ?? `the node did not answer at ${end.count} documents`}`);
    const done = await ref.next('done');
    if (done.error || done.failedItems) row.errors.push(`raw _bulk loop: ${String(done.error ?? `${String(done.failedItems)} items failed`)}`);
    row.refPerSec = ctx.options.catchupLines / ((end.reachedAt - t0) / 1000);
    row.refCpuSeconds = usage.cpuSeconds - cpu0;
  } finally {
    await ref.stop();
    log(`${row.scenario} run ${row.run}: raw _bulk loop ${Math.round(row.refPerSec ?? NaN)} docs/s`);
  }
}
