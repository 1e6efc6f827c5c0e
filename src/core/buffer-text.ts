/**
 * Text in and out of Buffers on paths that run once per log line. Buffer.prototype.toString
 * checks its arguments and looks the encoding up on every call: in a profile of the json-file
 * reader that wrapper cost as much as the decoding itself. Node's per-encoding methods
 * (latin1Slice, utf8Slice: on Buffer.prototype since Node 0.x, what toString calls) skip it.
 * Where they are missing, toString does the same work.
 */
interface EncodingSlices {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}

const proto = Buffer.prototype as unknown as EncodingSlices;
const hasSlices = typeof proto.latin1Slice === 'function' && typeof proto.utf8Slice === 'function';

/** data[start, end) as Latin-1 (ASCII timestamps). */
export const latin1Text: (data: Buffer, start: number, end: number) => string = hasSlices
  ? (data, start, end) => (data as unknown as Required<EncodingSlices>).latin1Slice(start, end)
  : (data, start, end) => data.toString('latin1', start, end);

/** data[start, end) as UTF-8 (invalid sequences become U+FFFD, as with toString). */
export const utf8Text: (data: Buffer, start: number, end: number) => string = hasSlices
  ? (data, start, end) => (data as unknown as Required<EncodingSlices>).utf8Slice(start, end)
  : (data, start, end) => data.toString('utf8', start, end);

/** Writes an ASCII string byte by byte: for short strings cheaper than a call into Buffer.write. */
export function writeAscii(target: Buffer, offset: number, text: string): number {
  for (let i = 0; i < text.length; i += 1) target[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}

/** Copies a short buffer byte by byte (constants of a few bytes: cheaper than Buffer.copy's checks). */
export function copySmall(target: Buffer, offset: number, source: Uint8Array): number {
  for (let i = 0; i < source.length; i += 1) target[offset + i] = source[i] as number;
  return offset + source.length;
}

/** Copies source[start, end) to target at offset; returns the offset after it. No view is made: lines are copied from the chunk they were read in. */
export function copyRange(target: Buffer, offset: number, source: Buffer, start: number, end: number): number {
  if (end - start <= 64) {
    for (let i = start; i < end; i += 1) target[offset + i - start] = source[i] as number;
    return offset + end - start;
  }
  return offset + source.copy(target, offset, start, end);
}
