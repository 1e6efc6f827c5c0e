import { mkdirSync, openSync, writeSync, fdatasyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PipelineEvent } from '../core/record.js';
import { recordToJson } from '../core/record-json.js';

export interface Rejection {
  event: PipelineEvent;
  code: string;
  reason: string;
}

/**
 * Records an output rejected for good (too large, not allowed, invalid), as JSON lines with the
 * reason, so that none is dropped silently. Written and synced before the records are settled.
 */
export class DeadLetterFile {
  constructor(
    readonly path: string,
    private readonly outputId: string,
  ) {}

  write(rejections: readonly Rejection[]): void {
    const time = new Date().toISOString();
    const lines = rejections.map(
      ({ event, code, reason }) => `{"time":${JSON.stringify(time)},"output":${JSON.stringify(this.outputId)},"code":${JSON.stringify(code)},"reason":${JSON.stringify(reason)},"record":${recordToJson(event.record)}}\n`,
    );
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, lines.join(''));
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
