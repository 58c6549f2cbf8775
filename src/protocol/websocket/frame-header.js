/** Largest payload length a frame header here will write: 2^53 - 1 (JavaScript's safe integers). */
export const MAX_FRAME_PAYLOAD = Number.MAX_SAFE_INTEGER;
/** Size in bytes of the header for a payload of `payloadLength`. */
export function frameHeaderSize(payloadLength, masked) {
    const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
    return 2 + lengthBytes + (masked ? 4 : 0);
}
/**
 * Writes the first bytes of a header — FIN, RSV, opcode and the length in its
 * shortest form — at `target[at]`, with the MASK bit clear, and returns the
 * offset just past them. A masked frame's caller sets the MASK bit and writes
 * the 4-byte key next. Positional arguments keep this hot path allocation-free.
 */
export function writeFrameHeader(target, at, fin, rsv, opcode, payloadLength) {
    if (!(payloadLength >= 0 && payloadLength <= MAX_FRAME_PAYLOAD) || payloadLength % 1 !== 0) {
        throw new RangeError(`Invalid payload length: ${payloadLength}`);
    }
    return writeHeaderBytes(target, at, fin, rsv, opcode, payloadLength);
}
/** `writeFrameHeader` without the length check, for lengths of real buffers. */
export function writeHeaderBytes(target, at, fin, rsv, opcode, payloadLength) {
    target[at] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf);
    if (payloadLength < 126) {
        target[at + 1] = payloadLength;
        return at + 2;
    }
    if (payloadLength <= 0xffff) {
        target[at + 1] = 126;
        target[at + 2] = payloadLength >>> 8;
        target[at + 3] = payloadLength & 0xff;
        return at + 4;
    }
    target[at + 1] = 127;
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    target[at + 2] = high >>> 24;
    target[at + 3] = (high >>> 16) & 0xff;
    target[at + 4] = (high >>> 8) & 0xff;
    target[at + 5] = high & 0xff;
    target[at + 6] = low >>> 24;
    target[at + 7] = (low >>> 16) & 0xff;
    target[at + 8] = (low >>> 8) & 0xff;
    target[at + 9] = low & 0xff;
    return at + 10;
}
/** A header on its own, as a new buffer. */
export function encodeFrameHeader(header) {
    const { maskKey } = header;
    const buffer = Buffer.allocUnsafe(frameHeaderSize(header.payloadLength, maskKey !== undefined));
    const at = writeFrameHeader(buffer, 0, header.fin, header.rsv, header.opcode, header.payloadLength);
    if (maskKey) {
        buffer[1] |= 0x80;
        buffer.set(maskKey.subarray(0, 4), at);
    }
    return buffer;
}
//# sourceMappingURL=frame-header.js.map