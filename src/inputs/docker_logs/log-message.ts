import type { Stream } from '../../core/record.js';

/** One message as the Docker logs API delivers it: a whole line, or one 16 KiB piece of a longer line. */
export interface LogMessage {
  stream: Stream;
  /** Normalised RFC3339 timestamp with nine fractional digits. */
  timestamp: string;
  /** The text without its line ending. */
  content: Buffer;
  /** False when the daemon cut the line here (a 16 KiB piece, or the unterminated last line). */
  terminated: boolean;
  /** The content's bytes are also its JSON string's (no quote, backslash or control character): records can copy them. */
  jsonSafe?: boolean;
}

/** json-file and local drivers cut lines into pieces of this many bytes. */
export const PIECE_BYTES = 16 * 1024;

export type MessageHandler = (message: LogMessage) => void;

/** Turns raw stream bytes into messages; keeps state across arbitrary chunk boundaries. */
export interface MessageParser {
  push(chunk: Buffer): void;
  /** Bytes of an unfinished message held back (a torn frame at the end of a stream). */
  readonly pendingBytes: number;
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
