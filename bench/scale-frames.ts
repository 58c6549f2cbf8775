// What a load connection of `npm run bench:scale` does with the bytes a server sends:
// reads frame headers only (RFC 6455 §5.2), skips payloads it does not need, and keeps
// the payload of a ping, which it must echo in a pong (§5.5.2–5.5.3) or the server's
// heartbeat drops it. An SSE stream is only searched for the marker byte.
import { headerSize, readLength } from './frame-counter.js';

/** What a frame reader reports at the end of each whole frame. */
export interface FrameSink {
  /** A ping with its payload (0–125 bytes, a copy). */
  ping(payload: Uint8Array): void;
  /** Any other frame: its opcode. */
  frame(opcode: number): void;
}

const NO_BYTES = new Uint8Array(0);

export class ServerFrameReader {
  /** Payload bytes of the current frame still to skip (or to keep, for a ping). */
  private left = 0;
  private opcode = 0;
  /** A ping's payload so far. */
  private control: Uint8Array | undefined;
  private controlFill = 0;
  /** An unfinished header, split between two reads. */
  private header: Uint8Array | undefined;
  private headerFill = 0;
  private inFrame = false;

  read(chunk: Uint8Array, sink: FrameSink): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.inFrame) {
        const take = Math.min(this.left, end - at);
        if (this.control !== undefined) {
          this.control.set(chunk.subarray(at, at + take), this.controlFill);
          this.controlFill += take;
        }
        this.left -= take;
        at += take;
        if (this.left === 0) this.finish(sink);
        continue;
      }
      let length: number;
      let b0: number;
      if (this.headerFill === 0 && end - at >= 2 && chunk[at + 1] < 126) {
        // The common case: a short frame's 2-byte header, whole in this chunk.
        b0 = chunk[at];
        length = chunk[at + 1];
        at += 2;
      } else {
        const header = (this.header ??= new Uint8Array(10));
        while (at < end && (this.headerFill < 2 || this.headerFill < headerSize(header[1]))) header[this.headerFill++] = chunk[at++];
        if (this.headerFill < 2 || this.headerFill < headerSize(header[1])) break;
        b0 = header[0];
        length = readLength(header);
        this.headerFill = 0;
      }
      if ((b0 & 0x80) === 0) throw new Error('fragmented server frames are not expected here');
      this.opcode = b0 & 0x0f;
      this.left = length;
      this.inFrame = true;
      if (this.opcode === 0x9) {
        if (length > 125) throw new Error('a ping payload is at most 125 bytes (RFC 6455 §5.5)');
        this.control = length === 0 ? NO_BYTES : new Uint8Array(length);
        this.controlFill = 0;
      }
      if (length === 0) this.finish(sink);
    }
  }

  private finish(sink: FrameSink): void {
    this.inFrame = false;
    if (this.opcode === 0x9) {
      const payload = this.control ?? NO_BYTES;
      this.control = undefined;
      sink.ping(payload);
    } else sink.frame(this.opcode);
  }
}

/** A masked pong echoing `payload` (a client's frames are masked, RFC 6455 §5.3). */
export function pongFrame(payload: Uint8Array): Buffer {
  const mask = [0x37, 0xfa, 0x21, 0x3d];
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x8a;
  frame[1] = 0x80 | payload.length;
  for (let i = 0; i < 4; i++) frame[2 + i] = mask[i];
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/** Counts into bins of `binMs`: the distribution of event times without keeping every time. */
export class TimeBins {
  readonly counts: number[] = [];
  total = 0;
  constructor(readonly binMs: number) {}

  add(ms: number): void {
    const bin = Math.max(0, Math.floor(ms / this.binMs));
    while (this.counts.length <= bin) this.counts.push(0);
    this.counts[bin]++;
    this.total++;
  }
}
