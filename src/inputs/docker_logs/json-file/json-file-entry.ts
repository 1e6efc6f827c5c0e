import { normalizeTimestamp } from '../../../core/timestamp.js';
import { PIECE_BYTES, type LogMessage } from '../log-message.js';

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
  const entry = fastParse(data, start, end) ?? slowParse(data.subarray(start, end));
  if (!entry) return undefined;
  const timestamp = normalizeTimestamp(entry.time);
  if (!timestamp) return undefined;
  let { content } = entry;
  const { newline } = entry;
  // an unterminated entry shorter than a piece is a complete last line (the container exited)
  const terminated = newline || content.length !== PIECE_BYTES;
  if (!tty) return { stream: entry.stream, timestamp, content, terminated };
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

/** Docker's exact layout without attrs, and a log text whose only escape is its final \n; the entry is data[s, e). */
function fastParse(data: Buffer, s: number, e: number): RawEntry | undefined {
  if (e - s < 40 || !startsWith(data, PREFIX, s, e)) return undefined;
  const textStart = s + PREFIX.length;
  // a JSON string holds no unescaped quote, so this sequence can only close the log text
  const logEnd = data.indexOf(STREAM_KEY, textStart);
  if (logEnd < 0 || logEnd >= e) return undefined;
  const streamAt = logEnd + STREAM_KEY.length;
  const stream = streamAt + 7 <= e ? streamName(data, streamAt) : undefined;
  if (!stream || data[streamAt + 6] !== QUOTE) return undefined;
  const timeAt = streamAt + 7;
  if (!startsWith(data, TIME_KEY, timeAt, e)) return undefined;
  const timeStart = timeAt + TIME_KEY.length;
  const timeEnd = e - 2;
  if (timeEnd <= timeStart || data[timeEnd] !== QUOTE || data[e - 1] !== 0x7d /* } */) return undefined;
  const time = data.toString('latin1', timeStart, timeEnd);
  let textEnd = logEnd;
  let newline = false;
  if (logEnd - textStart >= 2 && data[logEnd - 2] === BACKSLASH && data[logEnd - 1] === 0x6e /* n */ && data[logEnd - 3] !== BACKSLASH) {
    textEnd = logEnd - 2;
    newline = true;
  }
  const escape = data.indexOf(BACKSLASH, textStart);
  if (escape >= 0 && escape < textEnd) {
    // escapes (quotes, control characters, \u003c for <): let JSON decode the string
    const decoded = Buffer.from(JSON.parse(`"${data.toString('utf8', textStart, logEnd)}"`) as string, 'utf8');
    return withoutNewline(decoded, stream, time);
  }
  return { content: data.subarray(textStart, textEnd), newline, stream, time };
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
