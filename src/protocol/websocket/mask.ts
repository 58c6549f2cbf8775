/**
 * Masking, RFC 6455 §5.3: octet i of the payload is XORed with octet i mod 4 of
 * the masking key. Applying the mask twice restores the data, so one function
 * both masks and unmasks.
 *
 * Byte by byte is the obvious loop; here the aligned middle of the buffer is
 * processed as 32-bit words (four octets per XOR), with the key rotated to the
 * phase at which the words start.
 */
const wordBytes = new Uint8Array(4);
const word = new Uint32Array(wordBytes.buffer);

/** Below this size a plain byte loop beats setting up a word view. */
const WORD_THRESHOLD = 64;

/**
 * XORs `data` in place with the 4-byte key at `key[keyAt]`. `phase` is the
 * payload offset of `data[0]` modulo 4, for payloads unmasked piece by piece.
 */
export function applyMask(data: Uint8Array, key: Uint8Array, phase = 0, keyAt = 0): void {
  const length = data.length;
  let i = 0;
  if (length >= WORD_THRESHOLD) {
    const misalignment = data.byteOffset & 3;
    const head = misalignment === 0 ? 0 : 4 - misalignment;
    for (; i < head; i++) data[i] ^= key[keyAt + ((phase + i) & 3)];
    const p = phase + i;
    wordBytes[0] = key[keyAt + (p & 3)];
    wordBytes[1] = key[keyAt + ((p + 1) & 3)];
    wordBytes[2] = key[keyAt + ((p + 2) & 3)];
    wordBytes[3] = key[keyAt + ((p + 3) & 3)];
    const m = word[0];
    const count = (length - i) >>> 2;
    const words = new Uint32Array(data.buffer, data.byteOffset + i, count);
    for (let w = 0; w < count; w++) words[w] ^= m;
    i += count << 2;
  }
  for (; i < length; i++) data[i] ^= key[keyAt + ((phase + i) & 3)];
}
