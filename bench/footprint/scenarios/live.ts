import { removeContainers, runContainers } from '../../lib/docker.js';
import { log } from '../../lib/session.js';
import { measureUntilDelivered, startAgent, stopAgent, waitAttached, Window } from '../agent.js';
import { groupLabel, idleContainers, producerContainers } from '../containers.js';
import type { Context, Row } from '../context.js';
import type { Scenario } from '../options.js';
import { esSink, fileSink, kafkaSink, type Sink } from '../sinks.js';
import { addDeliveries, ExactlyOnce } from '../verify.js';

/** What a live scenario runs: containers printing at a rate while the agent runs, into which outputs. */
interface LiveSpec {
  containers: number;
  rate: number;
  idle: number;
  outputs: Sink['kind'][];
}

function liveSpec(ctx: Context, scenario: Scenario): LiveSpec {
  const o = ctx.options;
  if (scenario === 'steady') return { ...o.steady, idle: 0, outputs: ['kafka', 'elasticsearch'] };
  if (scenario === 'scale') return { ...o.scale, idle: o.scaleIdle, outputs: ['file'] };
  return { ...o.live, idle: 0, outputs: [scenario === 'live-stdout' ? 'stdout' : 'file'] };
}

async function makeSink(ctx: Context, tag: string, kind: Sink['kind']): Promise<Sink> {
  if (kind === 'kafka') return kafkaSink(ctx, tag);
  if (kind === 'elasticsearch') return esSink(ctx, tag);
  return fileSink(ctx, tag, kind);
}

/**
 * steady, live-file, live-stdout, scale: the agent runs (attached to the idle containers, if any,
 * and settled) before the printing containers start; CPU and memory are measured from their start
 * until every output holds every line, so start-up is left out. Then every line is read back.
 * scale also runs an agent that matches no container, for the memory per container.
 */
export async function runLive(ctx: Context, scenario: Scenario, run: number): Promise<Row> {
  const spec = liveSpec(ctx, scenario);
  const tag = `${scenario}-r${run}`;
  const perContainer = spec.rate * ctx.options.duration;
  const total = perContainer * spec.containers;
  const row: Row = { scenario, run, errors: [], notes: [], lines: total, containers: spec.containers + spec.idle };
  const sinks: Sink[] = [];
  const idle = idleContainers(ctx, tag, spec.idle);
  const producers = producerContainers(ctx, tag, spec.containers, spec.rate, perContainer);
  try {
    for (const kind of spec.outputs) sinks.push(await makeSink(ctx, tag, kind));
    // the idle ones are there first, as on a node where the agent starts
    await runContainers(ctx.session, idle);
    const agent = startAgent(ctx, tag, groupLabel(ctx, tag), sinks);
    const zero = spec.idle > 0 ? startAgent(ctx, `${tag}-zero`, groupLabel(ctx, `${tag}-none`), [fileSink(ctx, `${tag}-zero`, 'file')]) : undefined;
    await Promise.all([waitAttached(agent, spec.idle, ctx.options.settleMs, row), zero && waitAttached(zero, 0, ctx.options.settleMs, row, 'the agent without containers')]);
    const window = new Window(agent.pid);
    const zeroWindow = zero && new Window(zero.pid);
    await runContainers(ctx.session, producers);
    log(`${scenario} run ${run}: ${spec.containers} containers × ${spec.rate} lines/s for ${ctx.options.duration} s started${spec.idle ? ` (and ${spec.idle} idle)` : ''}`);
    await measureUntilDelivered(agent, window, sinks, row, { lines: total, everyMs: spec.outputs.includes('elasticsearch') ? 1000 : 250, timeoutMs: ctx.options.duration * 1000 + ctx.options.timeoutMs, sinceSpawn: false });
    if (zero && zeroWindow) {
      row.zeroRssMeanMiB = zeroWindow.end().rssMeanMiB;
      row.perContainerKiB = (((row.rssMeanMiB ?? NaN) - row.zeroRssMeanMiB) * 1024) / (spec.containers + spec.idle);
      await stopAgent(zero, row, 'the agent without containers');
    }
    await stopAgent(agent, row);
    const deliveries = [];
    for (const sink of sinks) {
      const check = new ExactlyOnce(spec.containers, perContainer);
      await sink.readBack(check);
      const d = check.result();
      if (spec.outputs.length > 1) row.notes.push(`${sink.kind}: ${d.records} records, ${d.missing} missing, ${d.duplicates} duplicates`);
      deliveries.push(d);
    }
    const { missing, duplicates, foreign, altered } = addDeliveries(deliveries);
    Object.assign(row, { missing, duplicates, foreign, altered });
  } finally {
    for (const sink of sinks) sink.close();
    await removeContainers(ctx.session, [...producers, ...idle].map((c) => c.name));
  }
  return row;
}
