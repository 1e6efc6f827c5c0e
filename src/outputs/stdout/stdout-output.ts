import { LogshipError } from '../../core/errors.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { JsonLines } from '../../core/json-lines.js';
import type { Output } from '../../plugins/types.js';
import type { StdoutConfig } from './schema.js';

/**
 * Writes records to the process's stdout; a record is delivered once the write has been flushed.
 * JSON lines copy a record's ready-made JSON when the input made one.
 */
export class StdoutOutput implements Output {
  private readonly json: boolean;

  constructor(config: StdoutConfig, private readonly out: NodeJS.WritableStream = process.stdout) {
    this.json = config.format === 'json';
  }

  write(batch: readonly PipelineEvent[]): Promise<void> {
    let chunk: string | Buffer;
    if (this.json) {
      // a fresh buffer per batch: the stream may hold on to it until the write callback
      const lines = new JsonLines(batch.length * 512);
      for (const event of batch) lines.append(event);
      chunk = lines.bytes();
    } else {
      chunk = '';
      for (const event of batch) chunk += `${human(event.record)}\n`;
    }
    return new Promise((resolve, reject) => {
      this.out.write(chunk, (err) => {
        if (err) reject(new LogshipError('STDOUT_WRITE', `cannot write to stdout: ${err.message}`, { retriable: true, cause: err }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {}
}

function human(record: LogRecord): string {
  return `${record['@timestamp']} ${record.container.name} ${record.stream}| ${record.message}`;
}
