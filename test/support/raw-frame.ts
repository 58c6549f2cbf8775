/**
 * Builds frames byte by byte, straight from the RFC 6455 §5.2 diagram, with no
 * help from the code under test — so tests can send frames our encoder would
 * never produce (wrong masks, reserved opcodes, oversized control frames).
 */
export interface RawFrame {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload?: Uint8Array | string;
  /** A masking key, or undefined for an unmasked frame. */
  mask?: number[];
  /** Override the length field (to lie about it). */
  length?: number;
  /** Force the 16- or 64-bit length form. */
  lengthForm?: 7 | 16 | 64;
}

export function rawFrame(frame: RawFrame): Buffer {
  const payload = typeof frame.payload === 'string' ? Buffer.from(frame.payload) : Buffer.from(frame.payload ?? []);
  const length = frame.length ?? payload.length;
  const form = frame.lengthForm ?? (length < 126 ? 7 : length < 65536 ? 16 : 64);
  const bytes: number[] = [((frame.fin ?? true) ? 0x80 : 0) | ((frame.rsv ?? 0) << 4) | frame.opcode];
  const maskBit = frame.mask ? 0x80 : 0;
  if (form === 7) bytes.push(maskBit | length);
  else if (form === 16) bytes.push(maskBit | 126, (length >> 8) & 0xff, length & 0xff);
  else {
    bytes.push(maskBit | 127);
    const big = BigInt(length);
    for (let shift = 56n; shift >= 0n; shift -= 8n) bytes.push(Number((big >> shift) & 0xffn));
  }
  if (frame.mask) bytes.push(...frame.mask);
  const masked = Buffer.from(payload);
  if (frame.mask) for (let i = 0; i < masked.length; i++) masked[i] ^= frame.mask[i % 4];
  return Buffer.concat([Buffer.from(bytes), masked]);
}

/** A client frame: masked with a fixed key so expected bytes are stable. */
export function clientFrame(frame: Omit<RawFrame, 'mask'>): Buffer {
  return rawFrame({ ...frame, mask: [0x37, 0xfa, 0x21, 0x3d] });
}

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
