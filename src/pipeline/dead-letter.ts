import type { PipelineEvent } from '../core/record.js';
import { recordJsonOrCut } from '../core/safe-json.js';
import { appendPrivateSynced } from '../state/file-modes.js';

export interface Rejection {
  event: PipelineEvent;
  code: string;
  reason: string;
}

/**
 * Records an output rejected for good (too large, not allowed, invalid, impossible to render), as
 * JSON lines with the reason, so that none is dropped silently. Written and synced before the
 * records are settled. A record that cannot be serialised whole (nesting deep enough to overflow
 * the stack) is written cut at a fixed depth, marked `record_cut`. The file holds log content:
 * owner-only, like Docker's own logs.
 */
export class DeadLetterFile {
  constructor(
    readonly path: string,
    private readonly writer: string,
    /** Which key names the writer: `output` for an output's rejections, `transform` for a transform's failures. */
    private readonly writerKind: 'output' | 'transform' = 'output',
  ) {}

  write(rejections: readonly Rejection[]): void {
    const time = new Date().toISOString();
    const lines = rejections.map(({ event, code, reason }) => {
      const { json, cut } = recordJsonOrCut(event.record);
      return `{"time":${JSON.stringify(time)},"${this.writerKind}":${JSON.stringify(this.writer)},"code":${JSON.stringify(code)},"reason":${JSON.stringify(reason)},${cut ? '"record_cut":true,' : ''}"record":${json}}\n`;
    });
    appendPrivateSynced(this.path, lines.join(''));
  }
}
