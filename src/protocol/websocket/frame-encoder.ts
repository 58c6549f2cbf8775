import { applyMask } from './mask.js';
import type { MaskKeySource } from './mask-key.js';
import { frameHeaderSize, writeHeaderBytes } from './frame-header.js';
import { Opcode } from './opcodes.js';
import { smallBytes } from './small-bytes.js';

export interface FrameOptions {
  opcode: number;
  /** Last frame of its message (§5.4); default true. */
  fin?: boolean;
  /** RSV bits for an extension (RSV1 = 4); default 0. */
  rsv?: number;
  /**
   * Client frames are masked (§5.3): a fixed 4-byte key, or a source of fresh
   * keys such as `createMaskKeySource()`. Server frames never are.
   */
  mask?: Uint8Array | MaskKeySource;
}

/**
 * Encodes one frame as byte arrays to write in order.
 *
 * An unmasked frame is `[header, payload]`: the caller's payload is passed
 * through as it is, neither copied nor touched. A masked frame must not scramble the caller's bytes, so
 * the masked copy is written right after the header, in one buffer.
 */
export function encodeFrame(payload: Uint8Array, options: FrameOptions): Uint8Array[] {
  const opcode = options.opcode;
  const fin = options.fin !== false;
  const mask = options.mask;
  const length = payload.length;
  if (opcode & 0x8) checkControlFrame(length, fin);
  const lengthSize = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  if (mask === undefined) {
    // A slice of a shared slab: a typed array of its own costs ~1 µs on Deno (small-bytes.ts).
    const header = smallBytes(lengthSize);
    writeHeaderBytes(header, 0, fin, options.rsv ?? 0, opcode, length);
    return length === 0 ? [header] : [header, payload];
  }
  const keyAt = lengthSize;
  const headerSize = lengthSize + 4;
  const frame = length < 64 ? smallBytes(headerSize + length) : Buffer.allocUnsafe(headerSize + length);
  writeHeaderBytes(frame, 0, fin, options.rsv ?? 0, opcode, length);
  frame[1] |= 0x80;
  if (typeof mask === 'function') mask(frame, keyAt);
  else frame.set(mask.subarray(0, 4), keyAt);
  if (length < 64) {
    // Short payloads: copy and mask in one pass, four bytes per turn.
    const k0 = frame[keyAt];
    const k1 = frame[keyAt + 1];
    const k2 = frame[keyAt + 2];
    const k3 = frame[keyAt + 3];
    let i = 0;
    for (; i + 3 < length; i += 4) {
      frame[headerSize + i] = payload[i] ^ k0;
      frame[headerSize + i + 1] = payload[i + 1] ^ k1;
      frame[headerSize + i + 2] = payload[i + 2] ^ k2;
      frame[headerSize + i + 3] = payload[i + 3] ^ k3;
    }
    for (; i < length; i++) frame[headerSize + i] = payload[i] ^ frame[keyAt + (i & 3)];
  } else {
    const body = frame.subarray(headerSize);
    body.set(payload);
    applyMask(body, frame, 0, keyAt);
  }
  return [frame];
}

/**
 * A whole server frame in one contiguous buffer, to be encoded once and written
 * to any number of connections (a broadcast): the same bytes suit every
 * recipient because server frames are never masked. `rsv` marks a payload
 * an extension transformed (RSV1 for a compressed message, RFC 7692 §6).
 */
export function encodeSharedFrame(payload: Uint8Array, opcode: number, rsv = 0): Buffer {
  if (opcode & 0x8) checkControlFrame(payload.length, true);
  const headerSize = frameHeaderSize(payload.length, false);
  const frame = Buffer.allocUnsafe(headerSize + payload.length);
  writeHeaderBytes(frame, 0, true, rsv, opcode, payload.length);
  frame.set(payload, headerSize);
  return frame;
}

/** The parts of a frame made by `encodeSharedFrame`: a server frame, unmasked, whole. */
export interface SharedFrameParts {
  opcode: number;
  rsv: number;
  /** A view of the frame's payload, no copy. */
  payload: Uint8Array;
}

/** Reads back a frame made by `encodeSharedFrame` (for a carrier that transforms its payload, say compresses it). */
export function sharedFrameParts(frame: Uint8Array): SharedFrameParts {
  const length7 = frame[1] & 0x7f;
  const headerSize = length7 < 126 ? 2 : length7 === 126 ? 4 : 10;
  return { opcode: frame[0] & 0x0f, rsv: (frame[0] >> 4) & 0x7, payload: frame.subarray(headerSize) };
}

export interface MessageOptions {
  /** Binary (opcode 2) or text (opcode 1); text must already be UTF-8. */
  binary: boolean;
  /** Split into frames of at most this many payload bytes (§5.4); default: one frame. */
  fragmentSize?: number;
  /** For a client: every frame is masked with a fresh key from this source. */
  mask?: MaskKeySource;
  /** RSV bits set on the first frame by an extension. */
  rsv?: number;
}

/** Encodes a data message, fragmented if asked, as buffers to write in order. */
export function encodeMessage(data: Uint8Array, options: MessageOptions): Uint8Array[] {
  const opcode = options.binary ? Opcode.Binary : Opcode.Text;
  const size = options.fragmentSize ?? 0;
  if (size <= 0 || data.length <= size) {
    return encodeFrame(data, { opcode, rsv: options.rsv, mask: options.mask });
  }
  const out: Uint8Array[] = [];
  for (let start = 0; start < data.length; start += size) {
    const end = Math.min(start + size, data.length);
    const frames = encodeFrame(data.subarray(start, end), {
      opcode: start === 0 ? opcode : Opcode.Continuation,
      fin: end === data.length,
      rsv: start === 0 ? options.rsv : 0,
      mask: options.mask,
    });
    for (const frame of frames) out.push(frame);
  }
  return out;
}

/** §5.5: control frames carry at most 125 bytes and are never fragmented. */
function checkControlFrame(length: number, fin: boolean): void {
  if (length > 125) throw new RangeError(`A control frame's payload is limited to 125 bytes, got ${length}`);
  if (!fin) throw new RangeError('A control frame cannot be fragmented');
}
