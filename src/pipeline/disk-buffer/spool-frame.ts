import { crc32c } from '../../core/crc32c.js';

/**
 * One spool entry on disk: payload length (u32 BE), CRC-32C of the payload (u32 BE), payload.
 * The checksum tells a torn or damaged entry from a good one after a crash.
 */
export const FRAME_HEADER = 8;
/** Larger lengths can only come from damage: no record is that big. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32c(payload), 4);
  payload.copy(frame, FRAME_HEADER);
  return frame;
}

export type FrameScan =
  | { kind: 'frame'; payload: Buffer; end: number }
  /** not enough bytes for the frame at `at` (yet, or ever if the file is complete: a torn write) */
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/** Reads the frame starting at `at` in `bytes`. */
export function scanFrame(bytes: Buffer, at: number): FrameScan {
  if (bytes.length - at < FRAME_HEADER) return { kind: 'incomplete' };
  const length = bytes.readUInt32BE(at);
  if (length > MAX_PAYLOAD) return { kind: 'corrupt', reason: `entry length ${length} is impossible` };
  const end = at + FRAME_HEADER + length;
  if (end > bytes.length) return { kind: 'incomplete' };
  const payload = bytes.subarray(at + FRAME_HEADER, end);
  if (crc32c(payload) !== bytes.readUInt32BE(at + 4)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  return { kind: 'frame', payload, end };
}
