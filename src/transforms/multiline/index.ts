import { regexText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { Ack } from '../../core/ack.js';
import { integerIn } from '../../plugins/options/numbers.js';
import { byteSizeIn, duration, MiB } from '../../plugins/options/units.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { defineTransform, type Emit, type PluginContext, type Transform } from '../../plugins/types.js';
import { patternRules, PRESET_RULES, type LineRules } from './presets.js';

/** The regular expressions the presets run, by name: each passes the safety check users' patterns pass. */
export { PATTERNS as PRESETS } from './presets.js';

const regex = regexText();

export const multilineSchema = z
  .object({
    preset: z.enum(['java', 'python', 'go']).optional().describe("Rules for these runtimes' stack traces, tracebacks and panics, with the log line before them."),
    start: regex.optional().describe('A line matching this starts a new record; other lines continue the one before.'),
    continue: regex.optional().describe('A line matching this continues the record before; other lines start a new one.'),
    flush_after: duration.default(1000).describe('A record waiting this long with no new line is passed on.'),
    max_lines: integerIn(1, 1_000_000).default(500).describe('A record is passed on when it has this many lines.'),
    max_bytes: byteSizeIn({ max: 64 * MiB }).default(256 * 1024).describe('A record is passed on when its message reaches this size.'),
  })
  .strict();

type MultilineConfig = z.output<typeof multilineSchema>;

interface Pending {
  parts: PipelineEvent[];
  lines: string[];
  /** How many of the lines are confirmed; the others were taken tentatively (see presets.ts). */
  confirmed: number;
  state: unknown;
  bytes: number;
  lastAt: number;
}

/**
 * Joins continuation lines into one record per container, stream and file. The joined record's
 * ack settles every line's, so no input checkpoints past a line still held here.
 */
export class Multiline implements Transform {
  private readonly rules: LineRules<unknown>;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly config: MultilineConfig,
    _context: PluginContext,
  ) {
    if (config.start) this.rules = patternRules(new RegExp(config.start), 'starts');
    else if (config.continue) this.rules = patternRules(new RegExp(config.continue), 'continues');
    else if (config.preset) this.rules = PRESET_RULES[config.preset] as LineRules<unknown>;
    // (the definition's check refuses a configuration without any)
    else this.rules = patternRules(/$^/, 'continues');
  }

  process: Transform['process'] = (event, emit) => {
    const record = event.record;
    const key = streamKey(record);
    const line: unknown = record.message;
    const held = this.pending.get(key);
    if (typeof line !== 'string') {
      // a message that parsed content made something else than text neither joins nor is joined
      // (and could not be counted against max_bytes)
      this.release(key, emit);
      emit(event);
      return;
    }
    if (!held) {
      this.pending.set(key, { parts: [event], lines: [line], confirmed: 1, state: this.rules.first(line), bytes: line.length, lastAt: Date.now() });
      return;
    }
    const { verdict, state } = this.rules.next(held.state, line);
    if (verdict === 'start') {
      // the lines taken tentatively are read again as lines of their own, then this one
      this.split(key, held, emit);
      this.process(event, emit);
      return;
    }
    held.parts.push(event);
    held.lines.push(line);
    if (verdict === 'join') held.confirmed = held.lines.length;
    held.state = state;
    held.bytes += line.length + 1;
    held.lastAt = Date.now();
    if (held.lines.length >= this.config.max_lines || held.bytes >= this.config.max_bytes) {
      // full: passed on as it is, lines taken tentatively included
      held.confirmed = held.lines.length;
      this.split(key, held, emit);
    }
  };

  tick(now: number, emit: Emit): void {
    for (const [key, held] of [...this.pending]) if (now - held.lastAt >= this.config.flush_after) this.release(key, emit);
  }

  drain(emit: Emit): void {
    for (const key of [...this.pending.keys()]) this.release(key, emit);
  }

  /** Passes on everything held for a stream: lines taken tentatively are not waited for any longer. */
  private release(key: string, emit: Emit): void {
    for (let held = this.pending.get(key); held; held = this.pending.get(key)) this.split(key, held, emit);
  }

  /** Passes on the confirmed lines as one record and reads the tentative ones again, as lines of their own. */
  private split(key: string, held: Pending, emit: Emit): void {
    this.pending.delete(key);
    emit(joined(held.parts.slice(0, held.confirmed), held.lines.slice(0, held.confirmed)));
    for (const part of held.parts.slice(held.confirmed)) this.process(part, emit);
  }
}

/** One record of lines: the first line's record with the lines as its message; its ack settles every line's. */
function joined(parts: PipelineEvent[], lines: string[]): PipelineEvent {
  const first = parts[0] as PipelineEvent;
  if (parts.length === 1) return first;
  const record = { ...first.record, message: lines.join('\n') };
  const ack = new Ack((outcome) => {
    for (const part of parts) part.ack.settle(outcome);
  });
  // the joined record covers every line up to its last one
  const position = (parts[parts.length - 1] as PipelineEvent).position;
  const event: PipelineEvent = { record, ack, bytes: parts.reduce((n, p) => n + p.bytes, 0), ...(position ? { position } : {}) };
  if (first.origin) event.origin = first.origin;
  return event;
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
