import { removeContainers, runContainers } from '../../lib/docker.js';
import { sleep } from '../../lib/session.js';
import { startAgent, stopAgent, waitAttached, Window } from '../agent.js';
import { groupLabel, idleContainers } from '../containers.js';
import type { Context, Row } from '../context.js';
import { fileSink } from '../sinks.js';

/**
 * idle: the agent attached to N containers that print nothing, and beside it the same agent
 * matching no container; both measured over the same window once settled. What the first uses
 * more than the second is what following the containers costs.
 */
export async function runIdle(ctx: Context, run: number): Promise<Row> {
  const tag = `idle-r${run}`;
  const n = ctx.options.idle;
  const row: Row = { scenario: 'idle', run, errors: [], notes: [], lines: 0, containers: n };
  const idle = idleContainers(ctx, tag, n);
  const out = fileSink(ctx, tag, 'file');
  try {
    await runContainers(ctx.session, idle);
    const agent = startAgent(ctx, tag, groupLabel(ctx, tag), [out]);
    const zero = startAgent(ctx, `${tag}-zero`, groupLabel(ctx, `${tag}-none`), [fileSink(ctx, `${tag}-zero`, 'file')]);
    await Promise.all([waitAttached(agent, n, ctx.options.settleMs, row), waitAttached(zero, 0, ctx.options.settleMs, row, 'the agent without containers')]);
    const window = new Window(agent.pid);
    const zeroWindow = new Window(zero.pid);
    await sleep(ctx.options.idleSeconds * 1000);
    const used = window.end();
    const zeroUsed = zeroWindow.end();
    row.seconds = used.seconds;
    row.cpuSeconds = used.cpuSeconds;
    row.cpuPctCore = (100 * used.cpuSeconds) / used.seconds;
    row.rssMaxMiB = used.rssMaxMiB;
    row.rssMeanMiB = used.rssMeanMiB;
    row.zeroRssMeanMiB = zeroUsed.rssMeanMiB;
    row.perContainerKiB = ((used.rssMeanMiB - zeroUsed.rssMeanMiB) * 1024) / n;
    row.notes.push(`without containers: ${((100 * zeroUsed.cpuSeconds) / zeroUsed.seconds).toFixed(2)} % of a core, RSS mean ${zeroUsed.rssMeanMiB.toFixed(1)} MiB`);
    await stopAgent(zero, row, 'the agent without containers');
    await stopAgent(agent, row);
    // nothing was printed: anything in the output is foreign
    row.foreign = await out.count();
    row.missing = 0;
    row.duplicates = 0;
  } finally {
    out.close();
    await removeContainers(ctx.session, idle.map((c) => c.name));
  }
  return row;
}
