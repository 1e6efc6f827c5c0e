/** Docker's multiplexed stream (logs and exec without a TTY): `[type, 0, 0, 0, length u32 BE] payload`. */
export type FrameStream = 'stdout' | 'stderr';

const HEADER_BYTES = 8;

/**
 * Reads frames across arbitrary chunk boundaries, iteratively (dockerode's demuxStream recurses
 * once per frame and holds every buffer).
 */
export class FrameReader {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  private stream: FrameStream | undefined;
  private payloadLeft = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(
    private readonly onFrame: (stream: FrameStream, payload: Buffer) => void,
    private readonly onInvalid: (reason: string) => void = () => {},
  ) {}

  get pendingBytes(): number {
    return this.headerFilled + this.partsBytes;
  }

  /** Drops a frame cut off by the end of the stream. */
  reset(): void {
    this.headerFilled = 0;
    this.stream = undefined;
    this.payloadLeft = 0;
    this.parts = [];
    this.partsBytes = 0;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.stream === undefined) {
        const take = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < HEADER_BYTES) return;
        this.headerFilled = 0;
        const type = this.header[0];
        this.stream = type === 2 ? 'stderr' : 'stdout';
        if (type !== 1 && type !== 2) this.onInvalid(`frame of unexpected type ${String(type)} read as stdout`);
        this.payloadLeft = this.header.readUInt32BE(4);
        if (this.payloadLeft === 0) {
          this.stream = undefined;
          continue;
        }
      }
      const take = Math.min(this.payloadLeft, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      this.payloadLeft -= take;
      if (this.payloadLeft > 0) {
        this.parts.push(piece);
        this.partsBytes += take;
        return;
      }
      const payload = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.partsBytes = 0;
      const stream = this.stream;
      this.stream = undefined;
      this.onFrame(stream, payload);
    }
  }
}
