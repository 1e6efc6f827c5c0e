import { LogshipError } from '../../core/errors.js';
import type { PipelineEvent } from '../../core/record.js';
import { JsonLines } from '../../core/json-lines.js';
import { renderFailure } from '../../plugins/record-failure.js';
import type { ItemFailure, Output } from '../../plugins/types.js';
import { humanLine } from './human-line.js';
import type { StdoutConfig } from './schema.js';
import { ErrorCode } from '../../core/error-codes.js';

/**
 * Writes records to the process's stdout; a record is delivered once the write has been flushed.
 * JSON lines copy a record's ready-made JSON when the input made one.
 */
export class StdoutOutput implements Output {
  private readonly json: boolean;

  constructor(config: StdoutConfig, private readonly out: NodeJS.WritableStream = process.stdout) {
    this.json = config.format === 'json';
  }

  /** A record that cannot be rendered is left out of the write and reported as its own failure. */
  write(batch: readonly PipelineEvent[]): Promise<{ failures: ItemFailure[] }> {
    const failures: ItemFailure[] = [];
    let chunk: string | Buffer;
    if (this.json) {
      // a fresh buffer per batch: the stream may hold on to it until the write callback
      const lines = new JsonLines(batch.length * 512);
      batch.forEach((event, index) => {
        try {
          lines.append(event);
        } catch (err) {
          failures.push(renderFailure(index, err));
        }
      });
      chunk = lines.bytes();
    } else {
      chunk = '';
      batch.forEach((event, index) => {
        try {
          chunk += `${humanLine(event.record)}\n`;
        } catch (err) {
          failures.push(renderFailure(index, err));
        }
      });
    }
    if (chunk.length === 0) return Promise.resolve({ failures });
    return new Promise((resolve, reject) => {
      this.out.write(chunk, (err) => {
        if (err) reject(new LogshipError(ErrorCode.STDOUT_WRITE, `cannot write to stdout: ${err.message}`, { retriable: true, cause: err }));
        else resolve({ failures });
      });
    });
  }

  async close(): Promise<void> {}
}
