import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import kafkajs from '../../../services/kafkajs.js';
import * as lz4 from 'lz4js';
import * as xxh32 from 'lz4js/xxh32.js';
import * as snappy from 'snappyjs';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Java's snappy framing (xerial), which Kafka's JVM producers write: magic, version, then sized blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < 16 || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  for (let at = 16; at < buffer.length; ) {
    const size = buffer.readUInt32BE(at);
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at + 4, at + 4 + size))));
    at += 4 + size;
  }
  return Buffer.concat(blocks);
}

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

interface Encoder {
  buffer: Buffer;
}

let registered: Promise<void> | undefined;

/**
 * Registers snappy, lz4 and zstd with kafkajs (it has only gzip built in), using libraries without
 * native builds: snappyjs, lz4js (LZ4 frame format, as Kafka uses), and zstd compiled to WebAssembly.
 */
export function registerKafkaCodecs(): Promise<void> {
  registered ??= (async () => {
    await zstdInit();
    const codecs = CompressionCodecs as Record<number, () => unknown>;
    codecs[CompressionTypes.Snappy] = () => ({
      compress: async (encoder: Encoder) => Buffer.from(snappy.compress(encoder.buffer)),
      decompress: async (buffer: Buffer) => snappyDecompress(buffer),
    });
    codecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder: Encoder) => lz4Frame(encoder.buffer),
      decompress: async (buffer: Buffer) => Buffer.from(lz4.decompress(buffer)),
    });
    codecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: Encoder) => Buffer.from(zstdCompress(encoder.buffer, 3)),
      decompress: async (buffer: Buffer) => Buffer.from(zstdDecompress(buffer)),
    });
  })();
  return registered;
}
