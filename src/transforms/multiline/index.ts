import { regexText } from '../../config/validators.js';
import { z } from 'zod';
import { Ack } from '../../core/ack.js';
import { integerIn } from '../../config/numbers.js';
import { byteSizeIn, duration, MiB } from '../../config/units.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { defineTransform, type Emit, type PluginContext, type Transform } from '../../plugins/types.js';

/** Continuation patterns of common stack traces. */
export const PRESETS: Record<'java' | 'python' | 'go', string> = {
  // "\tat com.x.Y.z(Y.java:10)", "Caused by: …", "\t... 12 more", "\tSuppressed: …"
  java: '^(\\s+at\\s|\\s+\\.\\.\\.\\s+\\d+\\s+more|\\s*Caused by:|\\s*Suppressed:|\\s+)',
  // indented frames, and the final "ValueError: …" line of a traceback
  python: '^(\\s|[A-Za-z_][\\w.]*(Error|Exception|Warning|Exit|Interrupt)(:|$))',
  // "goroutine 1 [running]:", "main.main()", "main.(*T).m(…)", "\t/src/main.go:12 +0x1d", blank lines, "created by …";
  // the name stops at the first "(", so a line of "(" is one linear scan (not one per "("), see presets.test.ts
  go: '^(\\s|$|goroutine \\d+ \\[|[\\w./*-]+\\([^\\n]*\\)$|created by |\\[signal )',
};

const regex = regexText();

export const multilineSchema = z
  .object({
    preset: z.enum(['java', 'python', 'go']).optional().describe('Continuation rules for stack traces and panics of these runtimes.'),
    start: regex.optional().describe('A line matching this starts a new record; other lines continue the one before.'),
    continue: regex.optional().describe('A line matching this continues the record before; other lines start a new one.'),
    flush_after: duration.default(1000).describe('A record waiting this long with no new line is passed on.'),
    max_lines: integerIn(1, 1_000_000).default(500).describe('A record is passed on when it has this many lines.'),
    max_bytes: byteSizeIn({ max: 64 * MiB }).default(256 * 1024).describe('A record is passed on when its message reaches this size.'),
  })
  .strict();

type MultilineConfig = z.output<typeof multilineSchema>;

interface Pending {
  first: PipelineEvent;
  parts: PipelineEvent[];
  lines: string[];
  bytes: number;
  lastAt: number;
}

/**
 * Joins continuation lines into one record per container, stream and file. The joined record's
 * ack settles every line's, so no input checkpoints past a line still held here.
 */
export class Multiline implements Transform {
  private readonly startRe: RegExp | undefined;
  private readonly continueRe: RegExp | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly config: MultilineConfig,
    _context: PluginContext,
  ) {
    this.startRe = config.start ? new RegExp(config.start) : undefined;
    const continuePattern = config.continue ?? (config.preset ? PRESETS[config.preset] : undefined);
    this.continueRe = continuePattern ? new RegExp(continuePattern) : undefined;
  }

  process: Transform['process'] = (event, emit) => {
    const record = event.record;
    const key = streamKey(record);
    const line: unknown = record.message;
    const held = this.pending.get(key);
    if (typeof line !== 'string') {
      // a message that parsed content made something else than text neither joins nor is joined
      // (and could not be counted against max_bytes)
      if (held) this.release(key, emit);
      emit(event);
      return;
    }
    const continues = this.startRe ? !this.startRe.test(line) : (this.continueRe?.test(line) ?? false);
    if (held && continues) {
      held.parts.push(event);
      held.lines.push(line);
      held.bytes += line.length + 1;
      held.lastAt = Date.now();
      if (held.lines.length >= this.config.max_lines || held.bytes >= this.config.max_bytes) this.release(key, emit);
      return;
    }
    if (held) this.release(key, emit);
    this.pending.set(key, { first: event, parts: [event], lines: [line], bytes: line.length, lastAt: Date.now() });
  };

  tick(now: number, emit: Emit): void {
    for (const [key, held] of this.pending) if (now - held.lastAt >= this.config.flush_after) this.release(key, emit);
  }

  drain(emit: Emit): void {
    for (const key of [...this.pending.keys()]) this.release(key, emit);
  }

  private release(key: string, emit: Emit): void {
    const held = this.pending.get(key);
    if (!held) return;
    this.pending.delete(key);
    if (held.parts.length === 1) {
      emit(held.first);
      return;
    }
    const record = { ...held.first.record, message: held.lines.join('\n') };
    const parts = held.parts;
    const ack = new Ack((outcome) => {
      for (const part of parts) part.ack.settle(outcome);
    });
    const joined: PipelineEvent = { record, ack, bytes: parts.reduce((n, p) => n + p.bytes, 0) };
    if (held.first.origin) joined.origin = held.first.origin;
    emit(joined);
  }
}

/** Which stream a line belongs to: container, stream, source and file. Any field may hold anything after a transform. */
function streamKey(record: LogRecord): string {
  const container = record.container as unknown;
  const id = container !== null && typeof container === 'object' ? (container as { id?: unknown }).id : undefined;
  const log = record.log as unknown;
  const file = log !== null && typeof log === 'object' ? (log as { file?: { path?: unknown } | null }).file : undefined;
  const path = file !== null && typeof file === 'object' ? file.path : undefined;
  return `${String(id)}/${String(record.stream)}/${String(record.source)}/${String(path ?? '')}`;
}

export const multilineTransform = defineTransform({
  kind: 'transform',
  type: 'multiline',
  summary: 'Joins continuation lines (stack traces, panics) into one record per container, stream and file, by start or continue pattern or a java/python/go preset.',
  docs: 'docs/plugins/multiline.md',
  schema: multilineSchema,
  check: (config) => {
    const given = [config.preset, config.start, config.continue].filter((v) => v !== undefined).length;
    return given === 1 ? [] : [{ key: 'preset', message: 'give exactly one of preset, start or continue' }];
  },
  examples: [
    {
      title: 'Java stack traces of the api containers as one record each',
      pipeline: `inputs:
  - type: docker_logs
    include: { labels: ["app=api"] }
transforms:
  - type: multiline
    preset: java
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Multiline(config, context),
});
