/** Small writes on paths that run once per record, where a call into Buffer's native methods costs more than the bytes. */

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
