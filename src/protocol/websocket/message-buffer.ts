/**
 * Where the payload of a message is gathered when it does not arrive in one
 * piece: the fragments of a fragmented message (§5.4) or one frame split over
 * several reads. One buffer grows by doubling, so a message made of thousands of
 * tiny fragments keeps no object per fragment and costs about its own bytes.
 * It never grows past `ceiling`, nor to more than twice the bytes that actually
 * arrived, so a peer cannot make it reserve memory by announcing a large length.
 */
export class MessageBuffer {
  private buffer: Buffer = EMPTY;
  private length = 0;

  append(bytes: Uint8Array, ceiling: number): void {
    const needed = this.length + bytes.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.buffer.length * 2, ceiling)));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.length);
    this.length = needed;
  }

  /** Hands over the gathered bytes and starts empty again. */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.length);
    this.buffer = EMPTY;
    this.length = 0;
    return bytes;
  }
}

const EMPTY = Buffer.alloc(0);
