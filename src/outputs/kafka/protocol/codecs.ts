import kafkajs from '../../../services/kafkajs.js';
import type { KafkaCompression } from '../../../services/kafka.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Java's snappy framing (xerial), which Kafka's JVM producers write: magic, version, then sized blocks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function snappyDecompress(snappy: typeof import('snappyjs'), buffer: Buffer): Buffer {
  if (buffer.length < 16 || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  for (let at = 16; at < buffer.length; ) {
    const size = buffer.readUInt32BE(at);
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at + 4, at + 4 + size))));
    at += 4 + size;
  }
  return Buffer.concat(blocks);
}

interface Encoder {
  buffer: Buffer;
}

const registered = new Map<KafkaCompression, Promise<void>>();

/**
 * Registers the codec an output uses with kafkajs (it has only gzip built in), from libraries
 * without native builds: snappyjs, lz4js (LZ4 frame format, as Kafka uses), and zstd compiled to
 * WebAssembly. Each is loaded when first asked for: zstd's WebAssembly memory (16 MiB) and lz4js's
 * tables (5 MiB) were a sixth of a gzip shipper's heap.
 */
export function registerKafkaCodec(compression: KafkaCompression): Promise<void> {
  let done = registered.get(compression);
  if (!done) {
    done = load(compression);
    registered.set(compression, done);
  }
  return done;
}

async function load(compression: KafkaCompression): Promise<void> {
  const codecs = CompressionCodecs as Record<number, () => unknown>;
  if (compression === 'snappy') {
    const snappy = await import('snappyjs');
    codecs[CompressionTypes.Snappy] = () => ({
      compress: async (encoder: Encoder) => Buffer.from(snappy.compress(encoder.buffer)),
      decompress: async (buffer: Buffer) => snappyDecompress(snappy, buffer),
    });
  } else if (compression === 'lz4') {
    const { lz4Frame, lz4Unframe } = await import('./lz4-frame.js');
    codecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder: Encoder) => lz4Frame(encoder.buffer),
      decompress: async (buffer: Buffer) => lz4Unframe(buffer),
    });
  } else if (compression === 'zstd') {
    const zstd = await import('@bokuweb/zstd-wasm');
    await zstd.init();
    codecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: Encoder) => Buffer.from(zstd.compress(encoder.buffer, 3)),
      decompress: async (buffer: Buffer) => Buffer.from(zstd.decompress(buffer)),
    });
  }
}
