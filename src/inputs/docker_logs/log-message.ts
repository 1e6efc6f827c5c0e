import type { Stream } from '../../core/record.js';

/** One message as the Docker logs API delivers it: a whole line, or one 16 KiB piece of a longer line. */
export interface LogMessage {
  stream: Stream;
  /** Normalised RFC3339 timestamp with nine fractional digits. */
  timestamp: string;
  /** The text without its line ending. */
  content: Buffer;
  /**
   * False when more of the line may follow: a message without its newline as long as a piece.
   * Such a line ends at its stream's next message with another timestamp, or at the end of the log
   * of a container that stopped (what it wrote last, without a newline).
   */
  terminated: boolean;
  /** The content's bytes are also its JSON string's (no quote, backslash or control character): records can copy them. */
  jsonSafe?: boolean;
  /**
   * The content's JSON string (without quotes) as JSON.stringify writes it, when the input holds
   * it already: json-file's text whose only escapes are \" and \\ (a JSON application log line).
   */
  json?: Buffer;
  /** content.length, when it is known without making content (see QuotedTextMessage). */
  contentBytes?: number;
  /**
   * Where the text's JSON string (json, or content when jsonSafe) sits in the input's own buffer,
   * when the input read it there (json-file): records keep the range, not a Buffer view per line.
   * Set only when the text has such a JSON string.
   */
  readonly source?: Buffer;
  readonly start?: number;
  readonly end?: number;
}

/** json-file and local drivers cut lines into pieces of this many bytes. */
export const PIECE_BYTES = 16 * 1024;

/**
 * Whether a message is its line's end. Without its newline it is one only when shorter than a
 * piece: the daemon cuts 16 KiB of raw bytes, and json-file stores each invalid UTF-8 byte (also
 * the halves of a character the cut went through) as U+FFFD, 3 bytes, so a piece reaches us as
 * 16,384 to 49,152 bytes (16,386 for one cut character) and never shorter. A shorter message
 * without a newline is the rest the daemon stored when the container's output ended.
 */
export function endsLine(newline: boolean, bytes: number): boolean {
  return newline || bytes < PIECE_BYTES;
}

export type MessageHandler = (message: LogMessage) => void;

/** Turns raw stream bytes into messages; keeps state across arbitrary chunk boundaries. */
export interface MessageParser {
  push(chunk: Buffer): void;
  /** Called when a log read ended normally: emits what is complete, drops torn frames. */
  flush(): void;
}

/**
 * True when every byte is printable ASCII other than quote and backslash: such bytes are also the
 * text's JSON string, so a record's JSON can copy them. (Bytes read from the API are not checked
 * for valid UTF-8, so anything else goes through the serialiser.)
 */
export function isJsonSafeAscii(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x5c) return false;
  }
  return true;
}
