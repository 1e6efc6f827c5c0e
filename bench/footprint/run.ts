// Benchmark: the footprint of a per-node agent — CPU per line and memory — with JSON application
// logs from many containers, live (steady, live-file, live-stdout, scale), idle, and catching up
// on a finished log (catchup-file, catchup-kafka, catchup-es, each against a reference). Every
// run checks that every line arrived exactly once. See README.md.
// Run with `node bench/footprint/run.mjs` after `npm run build` (bench/run.sh does both).

import { mkdirSync, writeFileSync } from 'node:fs';
import { requireDockerImage } from '../lib/docker.js';
import { deleteIndicesSync, esCall } from '../lib/es.js';
import { BrokerAdmin } from '../lib/kafka-admin.js';
import { kcatVersion } from '../lib/kcat.js';
import { missingBuild } from '../lib/paths.js';
import { printProfiles } from '../lib/profile.js';
import { EXIT_CORRECTNESS, EXIT_SETUP, errorText, loadBefore, log, printLoad, Session } from '../lib/session.js';
import { fmt } from '../lib/stats.js';
import { BUSYBOX, DEBIAN } from './containers.js';
import type { Context, Row } from './context.js';
import { readOptions, type Scenario } from './options.js';
import { printReport } from './report.js';
import { runCatchup } from './scenarios/catchup.js';
import { runIdle } from './scenarios/idle.js';
import { runLive } from './scenarios/live.js';

const options = readOptions();
const session = new Session({ keep: options.keep });
const prefix = `bench-fp-${session.runId}`;
const ctx: Context = {
  session,
  options,
  tmp: '',
  broker: new BrokerAdmin(options.brokers, `logship-bench-${session.runId}`),
  prefix,
  templates: [],
  runLabel: `logship.bench.run=${session.runId}`,
};
session.containerLabels.push(ctx.runLabel);
// topics and indices go on every exit path (a signal included), synchronously
session.onCleanup.push(() => {
  if (options.keep) {
    if (ctx.broker.createdTopics.length || ctx.templates.length) log(`kept the topics and indices ${prefix}-*`);
    return;
  }
  if (!ctx.broker.deleteTopicsSync()) log(`could not delete the topics ${prefix}-*; they stay on the broker`);
  if (ctx.templates.length && !deleteIndicesSync(options.esUrl, `${prefix}-*`, ctx.templates)) log(`could not delete the indices ${prefix}-*`);
});

const uses = (...which: Scenario[]): boolean => options.scenarios.some((s) => which.includes(s));

async function measure(scenario: Scenario, run: number): Promise<Row> {
  if (scenario === 'idle') return runIdle(ctx, run);
  if (scenario.startsWith('catchup-')) return runCatchup(ctx, scenario, run);
  return runLive(ctx, scenario, run);
}

/** What stops the benchmark before it starts: no build, no Docker or images, no broker, no node. */
async function setupProblem(): Promise<string | undefined> {
  const missing = missingBuild(['inputs/docker_logs/index.js']);
  if (missing) return `${missing} is missing: run \`npm run build\` first (or bench/run.sh)`;
  try {
    requireDockerImage(DEBIAN);
    requireDockerImage(BUSYBOX);
  } catch (err) {
    return errorText(err);
  }
  if (uses('steady', 'catchup-kafka')) {
    try {
      kcatVersion();
      await ctx.broker.waitForBroker('start');
    } catch (err) {
      return `Kafka: ${errorText(err)} (kcat and a broker are needed for steady and catchup-kafka; scripts/kafka-up.sh)`;
    }
  }
  if (uses('steady', 'catchup-es')) {
    const health = await esCall(options.esUrl, 'GET', '/_cluster/health?wait_for_status=yellow&timeout=30s').catch((err: unknown) => ({ status: 0, text: errorText(err) }));
    if (health.status !== 200) return `no Elasticsearch node answers on ${options.esUrl} (${health.status} ${health.text.slice(0, 200)}); start one with scripts/elasticsearch-up.sh`;
  }
  return undefined;
}

function failedRow(r: Row): boolean {
  return r.errors.length > 0 || r.missing !== 0 || r.duplicates !== 0 || Boolean(r.foreign) || Boolean(r.altered);
}

session.main(async () => {
  const problem = await setupProblem();
  if (problem) {
    log(problem);
    return EXIT_SETUP;
  }
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  ctx.tmp = session.makeTmp('logship-bench-footprint-');
  log(`node ${process.version}, scenarios ${options.scenarios.join(',')}, ${options.runs} run(s) each, id ${session.runId}`);
  const before = loadBefore();

  const rows: Row[] = [];
  for (const scenario of options.scenarios) {
    for (let run = 1; run <= options.runs; run++) {
      let row: Row;
      try {
        row = await measure(scenario, run);
      } catch (err) {
        log(`${scenario} run ${run} failed: ${(err as Error).stack ?? String(err)}`);
        row = { scenario, run, errors: [errorText(err)], notes: [] };
      }
      rows.push(row);
      const cpu = scenario === 'idle' ? `${fmt(row.cpuPctCore, 2)} % of a core` : `${fmt(row.cpuUsPerLine, 1)} µs/line`;
      log(`${scenario} run ${run}: ${cpu}, RSS max ${fmt(row.rssMaxMiB, 1)} MiB, mean ${fmt(row.rssMeanMiB, 1)} MiB, missing ${fmt(row.missing)}, duplicates ${fmt(row.duplicates)}${row.errors.length ? `; ${row.errors.join('; ')}` : ''}`);
    }
  }
  await ctx.broker.disconnect();

  const summary = printReport(rows, options);
  let failed = false;
  const notes: string[] = [];
  for (const r of rows) {
    const n = [...r.errors, ...r.notes];
    if (r.foreign) n.push(`${r.foreign} records that are no line of the benchmark's containers`);
    if (r.altered) n.push(`${r.altered} records whose message is not the line printed`);
    if (n.length) notes.push(`${r.scenario} run ${r.run}: ${n.join('; ')}`);
    if (failedRow(r)) failed = true;
  }
  if (notes.length) process.stdout.write(`${notes.join('\n')}\n`);
  const load = printLoad(before);
  const profiles = printProfiles(rows, { title: (r) => r.scenario, oncePer: (r) => r.scenario, inclusive: true });
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ bench: 'footprint', options, node: process.version, load, summary, runs: rows, profiles }, null, 2)}\n`);
  process.stdout.write(failed ? 'RESULT: FAIL (lines missing, duplicated or a run failed)\n' : 'RESULT: OK (every line arrived exactly once)\n');
  return failed ? EXIT_CORRECTNESS : 0;
});
