/**
 * Masking, RFC 6455 §5.3: octet i of the payload is XORed with octet i mod 4 of
 * the masking key. Applying the mask twice restores the data, so one function
 * both masks and unmasks.
 *
 * Byte by byte is the obvious loop; here the aligned middle of the buffer is
 * processed as 64-bit words (eight octets per XOR; V8 compiles XOR on a
 * BigUint64Array element to a plain machine instruction), with the key
 * repeated and rotated to the phase at which the words start.
 */
const keyBytes = new Uint8Array(8);
const keyWord = new BigUint64Array(keyBytes.buffer);
/** Below this size a plain byte loop beats setting up a word view. */
const WORD_THRESHOLD = 64;
/**
 * XORs `data` in place with the 4-byte key at `key[keyAt]`. `phase` is the
 * payload offset of `data[0]` modulo 4, for payloads unmasked piece by piece.
 */
export function applyMask(data, key, phase = 0, keyAt = 0) {
    applyMaskKey(data, (key[keyAt] << 24) | (key[keyAt + 1] << 16) | (key[keyAt + 2] << 8) | key[keyAt + 3], phase);
}
/**
 * The same, with the key as the 32-bit number its four octets spell (first
 * octet highest, as on the wire). A parser keeps the key of the frame it is
 * reading in a number field: no byte array per connection.
 */
export function applyMaskKey(data, key, phase = 0) {
    const length = data.length;
    let i = 0;
    if (length >= WORD_THRESHOLD) {
        const misalignment = data.byteOffset & 7;
        const head = misalignment === 0 ? 0 : 8 - misalignment;
        for (; i < head; i++)
            data[i] ^= keyOctet(key, phase + i);
        const p = phase + i;
        for (let j = 0; j < 8; j++)
            keyBytes[j] = keyOctet(key, p + j);
        const m = keyWord[0];
        const count = (length - i) >>> 3;
        const words = new BigUint64Array(data.buffer, data.byteOffset + i, count);
        let w = 0;
        for (; w + 3 < count; w += 4) {
            words[w] ^= m;
            words[w + 1] ^= m;
            words[w + 2] ^= m;
            words[w + 3] ^= m;
        }
        for (; w < count; w++)
            words[w] ^= m;
        i += count << 3;
    }
    // The rest (all of a short payload): four octets per turn, with the key's
    // octets taken out once, in the order that starts at this phase.
    const k0 = keyOctet(key, phase + i);
    const k1 = keyOctet(key, phase + i + 1);
    const k2 = keyOctet(key, phase + i + 2);
    const k3 = keyOctet(key, phase + i + 3);
    for (; i + 3 < length; i += 4) {
        data[i] ^= k0;
        data[i + 1] ^= k1;
        data[i + 2] ^= k2;
        data[i + 3] ^= k3;
    }
    if (i < length)
        data[i++] ^= k0;
    if (i < length)
        data[i++] ^= k1;
    if (i < length)
        data[i] ^= k2;
}
/** Octet `n mod 4` of the key (octet 0 is the highest byte of the number). */
function keyOctet(key, n) {
    return (key >>> ((3 - (n & 3)) << 3)) & 0xff;
}
//# sourceMappingURL=mask.js.map