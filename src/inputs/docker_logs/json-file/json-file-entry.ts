import { normalizeTimestamp } from '../../../core/timestamp.js';
import { PIECE_BYTES, type LogMessage } from '../log-message.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const CR = 0x0d;
const NEWLINE = 0x0a;
const PREFIX = Buffer.from('{"log":"');
const STREAM_KEY = Buffer.from('","stream":"');
const TIME_KEY = Buffer.from(',"time":"');
/** The escaped line ending json-file stores: backslash, n. */
const ESCAPED_NEWLINE = Buffer.from('\\n');

/**
 * Parses one json-file entry, `{"log":"…","stream":"stdout","time":"…"}` (plus `attrs` when
 * log-opts add labels), into the message the logs API would have sent for it: same content, same
 * stream (`tty` for a TTY container), same timestamp padded to nine digits. Undefined when the
 * line is not such an entry.
 */
export function parseJsonFileEntry(line: Buffer, tty: boolean): LogMessage | undefined {
  const fast = fastParse(line);
  const entry = fast ?? slowParse(line);
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

/** Docker's exact layout without attrs, and a log text whose only escape is its final \n. */
function fastParse(line: Buffer): RawEntry | undefined {
  if (line.length < 40 || line.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return undefined;
  // a JSON string holds no unescaped quote, so this sequence can only close the log text
  const logEnd = line.indexOf(STREAM_KEY, PREFIX.length);
  if (logEnd < 0) return undefined;
  const streamAt = logEnd + STREAM_KEY.length;
  const stream = line.toString('latin1', streamAt, streamAt + 6);
  if ((stream !== 'stdout' && stream !== 'stderr') || line[streamAt + 6] !== QUOTE) return undefined;
  const timeAt = streamAt + 7;
  if (line.compare(TIME_KEY, 0, TIME_KEY.length, timeAt, timeAt + TIME_KEY.length) !== 0) return undefined;
  const timeStart = timeAt + TIME_KEY.length;
  const timeEnd = line.indexOf(QUOTE, timeStart);
  if (timeEnd < 0 || timeEnd !== line.length - 2 || line[line.length - 1] !== 0x7d /* } */) return undefined;
  const time = line.toString('latin1', timeStart, timeEnd);
  let textEnd = logEnd;
  let newline = false;
  if (logEnd - PREFIX.length >= 2 && line.compare(ESCAPED_NEWLINE, 0, 2, logEnd - 2, logEnd) === 0 && line[logEnd - 3] !== BACKSLASH) {
    textEnd = logEnd - 2;
    newline = true;
  }
  const text = line.subarray(PREFIX.length, textEnd);
  if (text.indexOf(BACKSLASH) >= 0) {
    // escapes (quotes, control characters, \u003c for <): let JSON decode the string
    const decoded = Buffer.from(JSON.parse(`"${line.toString('utf8', PREFIX.length, logEnd)}"`) as string, 'utf8');
    return withoutNewline(decoded, stream, time);
  }
  return { content: text, newline, stream, time };
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
