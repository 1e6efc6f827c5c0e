import { parsePrometheus, statusTable, summarize, type Snapshot } from './status.js';

async function sample(api: string): Promise<Snapshot> {
  const response = await fetch(`http://${api}/metrics`);
  if (!response.ok) throw new Error(`${api}/metrics answered ${response.status}`);
  return parsePrometheus(await response.text());
}

/**
 * `logship top`: per plugin records/s, totals, errors, queue and buffer fill and lag of a running
 * shipper, from its /metrics, refreshed every interval (`once`: one table and exit).
 */
export async function topCommand(api: string, options: { once: boolean; intervalMs: number }, write: (text: string) => void): Promise<number> {
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  let previous: Snapshot;
  let previousAt = Date.now();
  try {
    previous = await sample(api);
  } catch (err) {
    process.stderr.write(`logship top: no logship API on ${api} (${(err as Error).message}) — is logship running with api.enabled, and on which api.address?\n`);
    return 2;
  }
  const clear = process.stdout.isTTY && !options.once;
  while (!stopped) {
    await new Promise((r) => setTimeout(r, options.intervalMs));
    let current: Snapshot;
    try {
      current = await sample(api);
    } catch (err) {
      process.stderr.write(`logship top: ${api}: ${(err as Error).message}\n`);
      return 2;
    }
    const now = Date.now();
    const table = statusTable(summarize(previous, current, (now - previousAt) / 1000));
    write(clear ? `\x1b[H\x1b[2J${table}\n` : `${table}\n`);
    if (options.once) return 0;
    previous = current;
    previousAt = now;
  }
  return 0;
}
