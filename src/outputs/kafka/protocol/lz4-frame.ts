import * as lz4 from 'lz4js';
import * as xxh32 from 'lz4js/xxh32.js';

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK = 64 * 1024;
/** Frame version 01 with independent blocks: Kafka refuses dependent blocks. 64 KiB blocks. */
const LZ4_FLG = 0x60;
const LZ4_BD = 0x40;

/** An LZ4 frame as Kafka reads it (lz4js's own frames chain blocks, which Kafka does not accept). */
export function lz4Frame(input: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(LZ4_MAGIC, 0);
  header[4] = LZ4_FLG;
  header[5] = LZ4_BD;
  header[6] = (xxh32.hash(0, header, 4, 2) >> 8) & 0xff;
  parts.push(header);
  const scratch = Buffer.alloc(LZ4_BLOCK + (LZ4_BLOCK >> 7) + 64);
  for (let at = 0; at < input.length; at += LZ4_BLOCK) {
    const block = input.subarray(at, Math.min(input.length, at + LZ4_BLOCK));
    // a fresh table per block, and the block alone as source: no reference can reach an earlier block
    const size = lz4.compressBlock(block, scratch, 0, block.length, new Uint32Array(1 << 16));
    const length = Buffer.alloc(4);
    if (size === 0 || size >= block.length) {
      length.writeUInt32LE((0x80000000 | block.length) >>> 0, 0);
      parts.push(length, Buffer.from(block));
    } else {
      length.writeUInt32LE(size, 0);
      parts.push(length, Buffer.from(scratch.subarray(0, size)));
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** lz4js's decompression (the frames Kafka's producers write, chained or not). */
export function lz4Unframe(buffer: Buffer): Buffer {
  return Buffer.from(lz4.decompress(buffer));
}
