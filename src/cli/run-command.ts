import { resolve } from 'node:path';
import { createLogger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import { formatProblem } from '../config/config-error.js';
import { loadPipelineFile, type Pipeline } from '../config/load.js';
import { ApiServer } from '../api/api-server.js';
import { ApiToken } from '../api/api-token.js';
import { ReadinessCheck } from '../api/readiness.js';
import type { Logger } from '../core/logger.js';
import { PipelineRuntime } from '../pipeline/runtime.js';
import type { RunArgs } from './args.js';
import { Reloader } from './reloader.js';
import { statusLine, summarize } from './status.js';
import { DEFAULT_PIPELINE, defaultStateDir } from './paths.js';
import { tuneGarbageCollection } from './gc-tuning.js';

/**
 * `logship run`: runs until SIGTERM/SIGINT, then stops gracefully; a second signal exits at once.
 * SIGHUP (and, with --watch, a change of the file) reloads the pipeline.
 */
export async function runCommand(args: RunArgs): Promise<number> {
  const file = args.pipeline ?? DEFAULT_PIPELINE;
  const pipeline = loadPipelineFile(file);
  // an unreadable or weak API token stops the start (exit 2) before any container is read
  const apiToken = pipeline.settings.api.enabled ? ApiToken.fromSettings(pipeline.settings.api, pipeline.file) : undefined;
  const logger = createLogger(args.logLevel);
  const gcFlags = tuneGarbageCollection();
  if (gcFlags.length) logger.debug({ v8_flags: gcFlags }, 'garbage collection tuned for a per-node agent');
  for (const warning of pipeline.warnings) logger.warn(formatProblem(warning));
  const stateDir = resolve(args.stateDir ?? pipeline.settings.state_dir ?? defaultStateDir());
  const runtime = new PipelineRuntime(pipeline, { stateDir, logger });
  const reloader = new Reloader(file, runtime, logger);

  let stopping: Promise<void> | undefined;
  const stopped = new Promise<number>((resolveExit) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn(`${signal} again: exiting now (checkpoints cover only delivered records)`);
        process.exit(130);
      }
      logger.info(`${signal}: stopping`);
      reloader.close();
      stopping = reloader.idle().then(() => runtime.stop()).then(
        () => resolveExit(0),
        (err) => {
          logger.error(`stop failed: ${errorMessage(err)}`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // before start: SIGHUP's default action ends the process; a reload asked for while starting waits for it
  const started = runtime.start();
  process.on('SIGHUP', () => {
    if (stopping) return;
    logger.info(`SIGHUP: reloading ${file}`);
    void started.then(() => reloader.request('SIGHUP'));
  });
  await started;
  if (args.watch) {
    reloader.watch();
    logger.info({ pipeline: file }, 'watching the pipeline file: changes are reloaded');
  }
  // a pipeline whose inputs hold no connection (a finished generator) must still run until signalled
  const keepAlive = setInterval(() => undefined, 1 << 30);
  void stopped.finally(() => clearInterval(keepAlive));
  const api = await startApi(pipeline, runtime, logger, apiToken);
  logger.info({ stateDir }, 'logship started');
  const statusTimer = startStatusLine(runtime);
  void stopped.finally(() => statusTimer && clearInterval(statusTimer));
  const code = await stopped;
  await api?.close();
  return code;
}

/**
 * On a terminal, a status line on stderr refreshed every second: records/s in and out, lag, what
 * is queued and buffered, errors. Off when stderr is not a TTY (a container's log, a pipe).
 */
function startStatusLine(runtime: PipelineRuntime): NodeJS.Timeout | undefined {
  if (!process.stderr.isTTY || process.env.LOGSHIP_NO_STATUS) return undefined;
  let previous = runtime.metrics.snapshot();
  let previousAt = Date.now();
  const timer = setInterval(() => {
    const current = runtime.metrics.snapshot();
    const now = Date.now();
    const line = statusLine(summarize(previous, current, (now - previousAt) / 1000));
    process.stderr.write(`\r\x1b[K${line.slice(0, Math.max(20, (process.stderr.columns ?? 120) - 1))}`);
    previous = current;
    previousAt = now;
  }, 1000);
  timer.unref();
  return timer;
}

/** The HTTP API, unless disabled; an address in use costs the API, not the shipping. */
async function startApi(pipeline: Pipeline, runtime: PipelineRuntime, logger: Logger, token: ApiToken | undefined): Promise<ApiServer | undefined> {
  const { api } = pipeline.settings;
  if (!api.enabled) return undefined;
  const healthChecks = runtime.healthChecks();
  const server = new ApiServer({
    address: api.address,
    metrics: runtime.metrics,
    router: runtime.router,
    readiness: new ReadinessCheck(healthChecks, () => runtime.outputHealth()),
    logger,
    tap: api.tap,
    token,
  });
  try {
    const port = await server.listen();
    const tap = api.tap ? `, /tap${token ? ' with a bearer token' : ''}` : '';
    logger.info({ address: api.address.replace(/:\d+$/, `:${port}`) }, `api listening on http://${api.address.replace(/:\d+$/, `:${port}`)} (/metrics, /healthz, /readyz${tap})`);
    return server;
  } catch (err) {
    logger.warn(`api not started on ${api.address}: ${errorMessage(err)} — logship runs without it; set api.address or api.enabled: false`);
    return undefined;
  }
}
