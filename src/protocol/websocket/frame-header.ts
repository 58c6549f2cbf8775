/**
 * The base framing header, RFC 6455 §5.2:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  | |1|2|3|       |K|             |                               |
 *  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *  |     Extended payload length continued, if payload len == 127  |
 *  + - - - - - - - - - - - - - - - +-------------------------------+
 *  |                               |Masking-key, if MASK set to 1  |
 *  +-------------------------------+-------------------------------+
 *
 * A length up to 125 fits in the 7 bits; 126 announces a 16-bit length and 127
 * a 64-bit one whose most significant bit must be 0. The minimal form is used.
 */
export interface FrameHeader {
  fin: boolean;
  /** RSV1–RSV3 as a 3-bit number (RSV1 = 4), zero unless an extension uses them. */
  rsv: number;
  opcode: number;
  payloadLength: number;
  /** The 4-byte masking key; present exactly when the MASK bit is set. */
  maskKey?: Uint8Array;
}

/** Largest payload length a frame header here will write: 2^53 - 1 (JavaScript's safe integers). */
export const MAX_FRAME_PAYLOAD = Number.MAX_SAFE_INTEGER;

/** Size in bytes of the header for a payload of `payloadLength`. */
export function frameHeaderSize(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/**
 * Writes the header into `target` at `offset` and returns the offset just past it.
 * The caller sizes `target` with `frameHeaderSize`.
 */
export function writeFrameHeader(target: Uint8Array, offset: number, header: FrameHeader): number {
  const { payloadLength, maskKey } = header;
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`Invalid payload length: ${payloadLength}`);
  }
  target[offset] = (header.fin ? 0x80 : 0) | ((header.rsv & 0x7) << 4) | (header.opcode & 0xf);
  const maskBit = maskKey ? 0x80 : 0;
  let at = offset + 2;
  if (payloadLength < 126) {
    target[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength <= 0xffff) {
    target[offset + 1] = maskBit | 126;
    target[at] = payloadLength >>> 8;
    target[at + 1] = payloadLength & 0xff;
    at += 2;
  } else {
    target[offset + 1] = maskBit | 127;
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    target[at] = high >>> 24;
    target[at + 1] = (high >>> 16) & 0xff;
    target[at + 2] = (high >>> 8) & 0xff;
    target[at + 3] = high & 0xff;
    target[at + 4] = low >>> 24;
    target[at + 5] = (low >>> 16) & 0xff;
    target[at + 6] = (low >>> 8) & 0xff;
    target[at + 7] = low & 0xff;
    at += 8;
  }
  if (maskKey) {
    target[at] = maskKey[0];
    target[at + 1] = maskKey[1];
    target[at + 2] = maskKey[2];
    target[at + 3] = maskKey[3];
    at += 4;
  }
  return at;
}

/** A header on its own, as a new buffer. */
export function encodeFrameHeader(header: FrameHeader): Buffer {
  const buffer = Buffer.allocUnsafe(frameHeaderSize(header.payloadLength, header.maskKey !== undefined));
  writeFrameHeader(buffer, 0, header);
  return buffer;
}
