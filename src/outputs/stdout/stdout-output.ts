import { LogshipError } from '../../core/errors.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { recordToJson } from '../../core/record-json.js';
import type { Output } from '../../plugins/types.js';
import type { StdoutConfig } from './schema.js';

/** Writes records to the process's stdout; a record is delivered once the write has been flushed. */
export class StdoutOutput implements Output {
  private readonly render: (record: LogRecord) => string;

  constructor(config: StdoutConfig, private readonly out: NodeJS.WritableStream = process.stdout) {
    this.render = config.format === 'human' ? human : recordToJson;
  }

  write(batch: readonly PipelineEvent[]): Promise<void> {
    let text = '';
    for (const event of batch) text += `${this.render(event.record)}\n`;
    return new Promise((resolve, reject) => {
      this.out.write(text, (err) => {
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
