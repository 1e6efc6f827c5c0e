import { latin1Text } from '../../../core/buffer-text.js';
import { normalizeTimestamp } from '../../../core/timestamp.js';
import type { Stream } from '../../../core/record.js';
import { endsLine, type LogMessage } from '../log-message.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const CR = 0x0d;
const NEWLINE = 0x0a;
const PREFIX = Buffer.from('{"log":"');
const STREAM_KEY = Buffer.from('","stream":"');
const TIME_KEY = Buffer.from(',"time":"');

/**
 * Parses one json-file entry, `{"log":"…","stream":"stdout","time":"…"}` (plus `attrs` when
 * log-opts add labels), into the message the logs API would have sent for it: same content, same
 * stream (`tty` for a TTY container), same timestamp padded to nine digits. Undefined when the
 * line is not such an entry.
 */
export function parseJsonFileEntry(data: Buffer, tty: boolean, start = 0, end = data.length): LogMessage | undefined {
  const fast = fastParse(data, start, end, tty);
  if (fast) return fast;
  const entry = slowParse(data.subarray(start, end));
  if (!entry) return undefined;
  const timestamp = normalizeTimestamp(entry.time);
  if (!timestamp) return undefined;
  return message(entry.content, entry.newline, entry.stream, timestamp, tty);
}

function message(text: Buffer, newline: boolean, stream: 'stdout' | 'stderr', timestamp: string, tty: boolean): LogMessage {
  let content = text;
  const terminated = endsLine(newline, content.length);
  if (!tty) return { stream, timestamp, content, terminated };
  // as the API's TTY reader: one stream, and a line's \r\n ending loses its \r
  if (newline && content.length > 0 && content[content.length - 1] === CR) content = content.subarray(0, content.length - 1);
  return { stream: 'tty', timestamp, content, terminated };
}

interface RawEntry {
  /** The text without its final newline. */
  content: Buffer;
  newline: boolean;
  stream: 'stdout' | 'stderr';
  time: string;
}

function withoutNewline(content: Buffer, stream: 'stdout' | 'stderr', time: string): RawEntry {
  const newline = content.length > 0 && content[content.length - 1] === NEWLINE;
  return { content: newline ? content.subarray(0, content.length - 1) : content, newline, stream, time };
}

/** `","stream":"stdout","time":"` from the log text's closing quote to the time's opening one. */
const STREAM_AND_TIME_BYTES = STREAM_KEY.length + 7 + TIME_KEY.length;

/**
 * Docker's exact layout without attrs, read from its fixed end backwards (time, then stream), so
 * the log text is never searched; undefined for anything else (the slow path decides). The entry
 * is data[s, e). Runs once per line: no object besides the message, one string for the time.
 */
function fastParse(data: Buffer, s: number, e: number, tty: boolean): LogMessage | undefined {
  if (e - s < 40 || data[e - 1] !== 0x7d /* } */ || data[e - 2] !== QUOTE || !startsWith(data, PREFIX, s, e)) return undefined;
  // the time is 20 to 30 characters: "YYYY-MM-DDTHH:MM:SS" plus an optional trimmed fraction, and Z
  let timeStart = e - 32;
  // `":"` before a nine-digit time; with fewer digits that place holds the key's own quote
  if (data[timeStart - 1] !== QUOTE || data[timeStart - 2] !== 0x3a /* : */) {
    // fewer than nine fraction digits (json-file trims trailing zeros)
    timeStart = e - 3;
    const earliestStart = Math.max(s, e - 3 - 30);
    while (timeStart > earliestStart && data[timeStart - 1] !== QUOTE) timeStart -= 1;
  }
  const timestamp = paddedTime(data, timeStart, e - 2);
  if (timestamp === undefined) return undefined;
  const logEnd = timeStart - STREAM_AND_TIME_BYTES;
  const textStart = s + PREFIX.length;
  if (logEnd < textStart || !startsWith(data, STREAM_KEY, logEnd, e) || !startsWith(data, TIME_KEY, timeStart - TIME_KEY.length, e)) return undefined;
  const streamAt = logEnd + STREAM_KEY.length;
  const stream = streamName(data, streamAt);
  if (!stream || data[streamAt + 6] !== QUOTE) return undefined;
  let textEnd = logEnd;
  let newline = false;
  if (logEnd - textStart >= 2 && data[logEnd - 2] === BACKSLASH && data[logEnd - 1] === 0x6e /* n */ && data[logEnd - 3] !== BACKSLASH) {
    textEnd = logEnd - 2;
    newline = true;
  }
  // Docker's encoder escapes quotes, backslashes and control characters, so a text without a
  // backslash is its own JSON string; memchr finds the first one faster than a loop
  const escape = data.indexOf(BACKSLASH, textStart);
  if (escape !== -1 && escape < textEnd) {
    // only quotes and backslashes escaped (JSON logged as text): what JSON.stringify writes too,
    // so records copy these bytes instead of serialising the text again
    const escapes = quoteEscapes(data, escape, textEnd);
    if (escapes >= 0) {
      const bytes = textEnd - textStart - escapes;
      const quoted = new QuotedTextMessage(tty ? 'tty' : stream, timestamp, endsLine(newline, bytes), data, textStart, textEnd);
      quoted.contentBytes = bytes;
      return quoted;
    }
    // other escapes (control characters, \u003c for <): let JSON decode the string
    const decoded = Buffer.from(JSON.parse(`"${data.toString('utf8', textStart, logEnd)}"`) as string, 'utf8');
    const raw = withoutNewline(decoded, stream, '');
    return message(raw.content, raw.newline, stream, timestamp, tty);
  }
  // a text without escapes is its own JSON string: CR is escaped, so TTY lines need no trimming
  return new PlainTextMessage(tty ? 'tty' : stream, timestamp, endsLine(newline, textEnd - textStart), data, textStart, textEnd);
}

/**
 * How many escapes data[escape, end) holds (the first backslash at `escape`) when they are all \"
 * or \\; -1 when it holds any other (Docker writes \n, \t, \u00XX, \u003c… which JSON.stringify
 * writes otherwise). Counts without copying: most such lines are never unescaped.
 */
function quoteEscapes(data: Buffer, escape: number, end: number): number {
  // a loop, not indexOf: escapes in a JSON log line are a few bytes apart, and each indexOf call
  // costs more than the bytes it skips
  let escapes = 0;
  for (let i = escape; i < end; i += 1) {
    if (data[i] !== BACKSLASH) continue;
    const next = data[i + 1];
    if ((next !== QUOTE && next !== BACKSLASH) || i + 1 >= end) return -1;
    escapes += 1;
    i += 1;
  }
  return escapes;
}

/** A message whose text is source[start, end) of the chunk json-file was read in (no view is made unless asked). */
abstract class TextRangeMessage implements LogMessage {
  abstract readonly jsonSafe: boolean;
  abstract readonly contentBytes: number;
  abstract readonly content: Buffer;

  constructor(
    readonly stream: Stream,
    readonly timestamp: string,
    readonly terminated: boolean,
    readonly source: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}
}

/**
 * A text json-file holds with only \" and \\ escaped (JSON logged as text): those bytes are its
 * JSON string as JSON.stringify writes it, so records copy them, and the text is unescaped only if
 * something reads `content` (a line in pieces, a record built).
 */
class QuotedTextMessage extends TextRangeMessage {
  readonly jsonSafe = false;
  /** Bytes of the unescaped text (the range less one per escape). */
  contentBytes = 0;
  private unescaped: Buffer | undefined;

  get json(): Buffer {
    return this.source.subarray(this.start, this.end);
  }

  get content(): Buffer {
    return (this.unescaped ??= unescapeQuotes(this.json));
  }
}

/** A text json-file holds without any escape: its bytes are its JSON string too. */
class PlainTextMessage extends TextRangeMessage {
  readonly jsonSafe = true;

  get contentBytes(): number {
    return this.end - this.start;
  }

  get content(): Buffer {
    return this.source.subarray(this.start, this.end);
  }
}

/** JSON string bytes with only \" and \\ escapes, unescaped. */
export function unescapeQuotes(json: Buffer): Buffer {
  const out = Buffer.allocUnsafe(json.length);
  let o = 0;
  for (let i = 0; i < json.length; i += 1) {
    let byte = json[i] as number;
    if (byte === BACKSLASH) byte = json[++i] as number;
    out[o++] = byte;
  }
  return out.subarray(0, o);
}

/** Where "YYYY-MM-DDTHH:MM:SS" has digits (the rest are -, T and : separators). */
const DATE_DIGITS = Uint8Array.from([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]);
/** Reused to pad a trimmed time to nine fractional digits without building strings piece by piece. */
const timeScratch = Buffer.alloc(30);

/**
 * json-file's UTC time in data[from, to) ("…:05Z", "…:05.12Z", up to nine digits) as RFC3339
 * with exactly nine fractional digits; undefined when it is not such a time.
 */
function paddedTime(data: Buffer, from: number, to: number): string | undefined {
  const length = to - from;
  if (length < 20 || length > 30 || data[to - 1] !== 0x5a /* Z */) return undefined;
  if (data[from + 4] !== 0x2d || data[from + 7] !== 0x2d || data[from + 10] !== 0x54 || data[from + 13] !== 0x3a || data[from + 16] !== 0x3a) return undefined;
  for (let k = 0; k < DATE_DIGITS.length; k += 1) if (!isDigit(data[from + (DATE_DIGITS[k] as number)])) return undefined;
  if (length === 30 && data[from + 19] === 0x2e /* . */) {
    for (let i = 20; i < 29; i += 1) if (!isDigit(data[from + i])) return undefined;
    return latin1Text(data, from, to);
  }
  if (length !== 20 && data[from + 19] !== 0x2e) return undefined;
  const scratch = timeScratch;
  for (let i = 0; i < 19; i += 1) scratch[i] = data[from + i] as number;
  scratch[19] = 0x2e;
  const digits = Math.max(0, length - 21);
  for (let i = 0; i < 9; i += 1) {
    const byte = i < digits ? data[from + 20 + i] : 0x30;
    if (!isDigit(byte)) return undefined;
    scratch[20 + i] = byte as number;
  }
  scratch[29] = 0x5a;
  return latin1Text(scratch, 0, 30);
}

function isDigit(byte: number | undefined): boolean {
  // undefined (past the end) gives NaN, for which both comparisons are false
  const digit = (byte as number) - 0x30;
  return digit >= 0 && digit <= 9;
}

function startsWith(data: Buffer, prefix: Buffer, at: number, end: number): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i += 1) if (data[at + i] !== prefix[i]) return false;
  return true;
}

/** "stdout" or "stderr" at this offset, without building a string. */
function streamName(line: Buffer, at: number): 'stdout' | 'stderr' | undefined {
  if (line[at] !== 0x73 || line[at + 1] !== 0x74 || line[at + 2] !== 0x64) return undefined; // std
  if (line[at + 3] === 0x6f && line[at + 4] === 0x75 && line[at + 5] === 0x74) return 'stdout';
  if (line[at + 3] === 0x65 && line[at + 4] === 0x72 && line[at + 5] === 0x72) return 'stderr';
  return undefined;
}

function slowParse(line: Buffer): RawEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  const entry = value as { log?: unknown; stream?: unknown; time?: unknown };
  if (typeof entry !== 'object' || entry === null || typeof entry.log !== 'string' || typeof entry.time !== 'string') return undefined;
  if (entry.stream !== 'stdout' && entry.stream !== 'stderr') return undefined;
  return withoutNewline(Buffer.from(entry.log, 'utf8'), entry.stream, entry.time);
}
