import { ErrorCode } from '../core/error-codes.js';
import { LogshipError, errorMessage } from '../core/errors.js';
import type { Output } from './types.js';

/**
 * An output whose implementation (and its client library) is imported only when a pipeline
 * uses it: the Kafka and Elasticsearch clients cost a third of a second of start-up CPU and
 * their memory, which a pipeline writing to stdout should not pay. Loading starts at once; a
 * failure to load or construct is retried at the next write, as a retriable error.
 */
export function lazyOutput(load: () => Promise<Output>): Output {
  let instance: Promise<Output> | undefined;
  const get = (): Promise<Output> => {
    instance ??= load().catch((err: unknown) => {
      instance = undefined;
      throw err instanceof LogshipError ? err : new LogshipError(ErrorCode.OUTPUT_START, `cannot start the output: ${errorMessage(err)}`, { retriable: true, cause: err });
    });
    return instance;
  };
  void get().catch(() => undefined);
  return {
    async write(batch, attempt) {
      return (await get()).write(batch, attempt);
    },
    async close() {
      const loaded = await instance?.catch(() => undefined);
      await loaded?.close();
    },
  };
}
