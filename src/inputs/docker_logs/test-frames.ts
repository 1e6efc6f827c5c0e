/** Builds Docker log stream bytes for tests. */
export function frame(type: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

export function ts(second: number, nanos: number): string {
  return `2026-11-28T22:09:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`;
}

/** Splits a buffer at random points (seeded, so failures repeat). */
export function randomChunks(data: Buffer, seed: number, maxChunk = 40): Buffer[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
