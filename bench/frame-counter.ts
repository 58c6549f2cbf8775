/**
 * Counts the server frames (unmasked, §5.2) in a byte stream by reading their
 * headers only: the 2, 4 or 10 header bytes give the payload length, which is
 * skipped without being looked at. This is all the load generator does with an
 * echo, so that it costs far less than the server's full parse.
 */
export class FrameCounter {
  /** @param firstByte the first byte every frame must have: FIN + binary (an echo) by default. */
  constructor(private readonly firstByte = 0x82) {}

  /** Payload bytes of the current frame still to skip. */
  private skip = 0;
  /** An unfinished header, split between two reads. */
  private readonly header = new Uint8Array(10);
  private headerFill = 0;

  /** Returns how many frames ended in this chunk. */
  count(chunk: Uint8Array): number {
    let frames = 0;
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, end - at);
        this.skip -= take;
        at += take;
        if (this.skip === 0) frames++;
        continue;
      }
      let length: number;
      if (this.headerFill === 0 && end - at >= 2 && chunk[at + 1] < 126) {
        // The common case: a short frame's 2-byte header, whole in this chunk.
        checkFirstByte(chunk[at], this.firstByte);
        length = chunk[at + 1];
        at += 2;
      } else {
        const header = this.header;
        while (at < end && (this.headerFill < 2 || this.headerFill < headerSize(header[1]))) header[this.headerFill++] = chunk[at++];
        if (this.headerFill < 2 || this.headerFill < headerSize(header[1])) break;
        checkFirstByte(header[0], this.firstByte);
        length = readLength(header);
        this.headerFill = 0;
      }
      if (length === 0) frames++;
      else this.skip = length;
    }
    return frames;
  }
}

/** The size of a server frame's header, from its second byte (unmasked, RFC 6455 §5.2). */
export function headerSize(b1: number): number {
  if (b1 & 0x80) throw new Error('A server frame must not be masked');
  const length7 = b1 & 0x7f;
  return length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
}

/** The payload length a server frame's header gives. */
export function readLength(header: Uint8Array): number {
  const length7 = header[1] & 0x7f;
  if (length7 < 126) return length7;
  if (length7 === 126) return (header[2] << 8) | header[3];
  return (header[2] * 2 ** 24 + (header[3] << 16) + (header[4] << 8) + header[5]) * 2 ** 32 + header[6] * 2 ** 24 + ((header[7] << 16) | (header[8] << 8) | header[9]);
}

/** Every frame is a whole frame of the expected type; anything else (a close frame, say) is an error. */
function checkFirstByte(b0: number, expected: number): void {
  if (b0 !== expected) throw new Error(`Unexpected frame from the server: first byte 0x${b0.toString(16)}`);
}
