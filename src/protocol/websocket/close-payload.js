import { isUtf8 } from 'node:buffer';
import { CloseCode, isValidCloseCode } from './close-codes.js';
import { ProtocolError } from './protocol-error.js';
/** §5.5: a control frame's payload is at most 125 bytes, two of which hold the code. */
export const MAX_CLOSE_REASON_BYTES = 123;
/**
 * Reads a close frame's payload (§5.5.1): empty, or a 2-byte code followed by a
 * UTF-8 reason. A 1-byte payload or an unusable code is a protocol error (1002);
 * a reason that is not UTF-8 is invalid data (1007, §8.1).
 */
export function parseClosePayload(payload) {
    if (payload.length === 0)
        return { code: CloseCode.NoStatusReceived, reason: '' };
    if (payload.length === 1) {
        throw new ProtocolError(CloseCode.ProtocolError, 'Close frame payload of 1 byte cannot hold a status code');
    }
    const code = (payload[0] << 8) | payload[1];
    if (!isValidCloseCode(code)) {
        throw new ProtocolError(CloseCode.ProtocolError, `Invalid close code ${code}`);
    }
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) {
        throw new ProtocolError(CloseCode.InvalidPayload, 'Close reason is not valid UTF-8');
    }
    return { code, reason: Buffer.from(reason.buffer, reason.byteOffset, reason.length).toString('utf8') };
}
/**
 * Builds a close frame's payload. No code means an empty payload; a code must be
 * one an endpoint may send, and the reason must fit in 123 UTF-8 bytes.
 */
export function encodeClosePayload(code, reason = '') {
    if (code === undefined) {
        if (reason !== '')
            throw new TypeError('A close reason needs a close code');
        return Buffer.alloc(0);
    }
    if (!Number.isInteger(code) || !isValidCloseCode(code)) {
        throw new RangeError(`Close code ${code} may not be sent`);
    }
    const length = Buffer.byteLength(reason);
    if (length > MAX_CLOSE_REASON_BYTES) {
        throw new RangeError(`Close reason is ${length} bytes of UTF-8; at most ${MAX_CLOSE_REASON_BYTES} fit`);
    }
    const payload = Buffer.allocUnsafe(2 + length);
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    return payload;
}
//# sourceMappingURL=close-payload.js.map