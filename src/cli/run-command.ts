import { resolve } from 'node:path';
import { createLogger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import { loadPipelineFile } from '../config/load.js';
import { PipelineRuntime } from '../pipeline/runtime.js';
import type { RunArgs } from './args.js';
import { DEFAULT_PIPELINE, defaultStateDir } from './paths.js';

/** `logship run`: runs until SIGTERM/SIGINT, then stops gracefully; a second signal exits at once. */
export async function runCommand(args: RunArgs): Promise<number> {
  const file = args.pipeline ?? DEFAULT_PIPELINE;
  const pipeline = loadPipelineFile(file);
  const logger = createLogger(args.logLevel);
  const stateDir = resolve(args.stateDir ?? pipeline.settings.state_dir ?? defaultStateDir());
  const runtime = new PipelineRuntime(pipeline, { stateDir, logger });

  let stopping: Promise<void> | undefined;
  const stopped = new Promise<number>((resolveExit) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn(`${signal} again: exiting now (checkpoints cover only delivered records)`);
        process.exit(130);
      }
      logger.info(`${signal}: stopping`);
      stopping = runtime.stop().then(
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
  await runtime.start();
  logger.info({ stateDir }, 'logship started');
  return stopped;
}
