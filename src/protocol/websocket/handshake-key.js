import { createHash, randomBytes } from 'node:crypto';
/** RFC 6455 §1.3 and §4.2.2: the GUID every server appends to the client's key. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)), §4.2.2 step 5.4. */
export function computeAccept(key) {
    return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}
/** §4.1: the key is 16 random bytes, base64-encoded (24 characters ending in "=="). */
export function generateKey(random = randomBytes) {
    return Buffer.from(random(16)).toString('base64');
}
/**
 * §4.2.1 item 5: a key "that, when decoded, is 16 bytes in length": exactly 22
 * base64 characters and the "==" padding, nothing around them.
 */
export function isValidKey(key) {
    return /^[A-Za-z0-9+/]{22}==$/.test(key);
}
//# sourceMappingURL=handshake-key.js.map