import { applyMask } from './mask.js';
import type { MaskKeySource } from './mask-key.js';
import { frameHeaderSize, writeFrameHeader } from './frame-header.js';
import { Opcode, isControlOpcode } from './opcodes.js';

export interface FrameOptions {
  opcode: number;
  /** Last frame of its message (§5.4); default true. */
  fin?: boolean;
  /** RSV bits for an extension (RSV1 = 4); default 0. */
  rsv?: number;
  /** Client frames carry a fresh key (§5.3); server frames never do. */
  maskKey?: Uint8Array;
}

/** Payloads up to this size are copied next to their header: one buffer beats two for the kernel. */
const MERGE_LIMIT = 1024;

/**
 * Encodes one frame as buffers to write in order.
 *
 * An unmasked frame with a large payload is `[header, payload]`, the caller's
 * payload untouched and uncopied. A masked frame must not scramble the caller's
 * bytes, so the masked copy is written right after the header in one buffer.
 */
export function encodeFrame(payload: Uint8Array, options: FrameOptions): Buffer[] {
  const { maskKey } = options;
  const header = {
    fin: options.fin ?? true,
    rsv: options.rsv ?? 0,
    opcode: options.opcode,
    payloadLength: payload.length,
    maskKey,
  };
  if (isControlOpcode(options.opcode)) checkControlFrame(payload.length, header.fin);
  const headerSize = frameHeaderSize(payload.length, maskKey !== undefined);
  if (maskKey === undefined && payload.length > MERGE_LIMIT) {
    const head = Buffer.allocUnsafe(headerSize);
    writeFrameHeader(head, 0, header);
    return [head, toBuffer(payload)];
  }
  const frame = Buffer.allocUnsafe(headerSize + payload.length);
  writeFrameHeader(frame, 0, header);
  frame.set(payload, headerSize);
  if (maskKey) applyMask(frame.subarray(headerSize), maskKey);
  return [frame];
}

/**
 * A whole server frame in one contiguous buffer, to be encoded once and written
 * to any number of connections (a broadcast): the same bytes suit every
 * recipient because server frames are never masked.
 */
export function encodeSharedFrame(payload: Uint8Array, opcode: number): Buffer {
  if (isControlOpcode(opcode)) checkControlFrame(payload.length, true);
  const headerSize = frameHeaderSize(payload.length, false);
  const frame = Buffer.allocUnsafe(headerSize + payload.length);
  writeFrameHeader(frame, 0, { fin: true, rsv: 0, opcode, payloadLength: payload.length });
  frame.set(payload, headerSize);
  return frame;
}

export interface MessageOptions {
  /** Binary (opcode 2) or text (opcode 1); text must already be UTF-8. */
  binary: boolean;
  /** Split into frames of at most this many payload bytes (§5.4); default: one frame. */
  fragmentSize?: number;
  /** Present for a client: every frame gets a fresh key from it. */
  maskKeys?: MaskKeySource;
  /** RSV bits set on the first frame by an extension. */
  rsv?: number;
}

/** Encodes a data message, fragmented if asked, as buffers to write in order. */
export function encodeMessage(data: Uint8Array, options: MessageOptions): Buffer[] {
  const opcode = options.binary ? Opcode.Binary : Opcode.Text;
  const size = options.fragmentSize ?? 0;
  if (size <= 0 || data.length <= size) {
    return encodeFrame(data, { opcode, rsv: options.rsv, maskKey: options.maskKeys?.() });
  }
  const out: Buffer[] = [];
  for (let start = 0; start < data.length; start += size) {
    const end = Math.min(start + size, data.length);
    const frames = encodeFrame(data.subarray(start, end), {
      opcode: start === 0 ? opcode : Opcode.Continuation,
      fin: end === data.length,
      rsv: start === 0 ? options.rsv : 0,
      maskKey: options.maskKeys?.(),
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

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
