/**
 * Masking, RFC 6455 §5.3: octet i of the payload is XORed with octet i mod 4 of
 * the masking key. Applying the mask twice restores the data, so one function
 * both masks and unmasks.
 *
 * Byte by byte is the obvious loop; here the aligned middle of the buffer is
 * processed as words, with the key repeated and rotated to the phase at which
 * the words start. The word width is the engine's fast one (measured, see
 * docs/runtimes-benchmarks.md): V8 (Node, Deno, Chromium) compiles XOR on a
 * BigUint64Array element to one machine instruction, about twice the speed of
 * 32-bit words; JavaScriptCore (Bun, Safari) boxes every BigInt element read,
 * about 50 times slower than 32-bit words, which it runs as fast as V8 runs 64.
 */
import { onJavaScriptCore } from './engine.js';

const keyBytes = new Uint8Array(8);
const keyWord64 = new BigUint64Array(keyBytes.buffer);
const keyWord32 = new Int32Array(keyBytes.buffer, 0, 1);

/** Below this size a plain byte loop beats setting up a word view. */
const WORD_THRESHOLD = 64;

export type WordBits = 32 | 64;

const WORD_BITS: WordBits = onJavaScriptCore ? 32 : 64;

/**
 * XORs `data` in place with the 4-byte key at `key[keyAt]`. `phase` is the
 * payload offset of `data[0]` modulo 4, for payloads unmasked piece by piece.
 */
export function applyMask(data: Uint8Array, key: Uint8Array, phase = 0, keyAt = 0): void {
  applyMaskKeyWords(data, (key[keyAt] << 24) | (key[keyAt + 1] << 16) | (key[keyAt + 2] << 8) | key[keyAt + 3], phase, WORD_BITS);
}

/**
 * The same, with the key as the 32-bit number its four octets spell (first
 * octet highest, as on the wire). A parser keeps the key of the frame it is
 * reading in a number field: no byte array per connection.
 */
export function applyMaskKey(data: Uint8Array, key: number, phase = 0): void {
  applyMaskKeyWords(data, key, phase, WORD_BITS);
}

/** applyMaskKey with the word width chosen by the caller (tests run both widths on every engine). */
export function applyMaskKeyWords(data: Uint8Array, key: number, phase: number, bits: WordBits): void {
  const length = data.length;
  let i = 0;
  if (length >= WORD_THRESHOLD) {
    const wordBytes = bits >>> 3;
    const misalignment = data.byteOffset & (wordBytes - 1);
    const head = misalignment === 0 ? 0 : wordBytes - misalignment;
    for (; i < head; i++) data[i] ^= keyOctet(key, phase + i);
    const p = phase + i;
    for (let j = 0; j < 8; j++) keyBytes[j] = keyOctet(key, p + j);
    if (bits === 64) {
      const count = (length - i) >>> 3;
      xorWords64(new BigUint64Array(data.buffer, data.byteOffset + i, count), keyWord64[0]);
      i += count << 3;
    } else {
      const count = (length - i) >>> 2;
      xorWords32(new Int32Array(data.buffer, data.byteOffset + i, count), keyWord32[0]);
      i += count << 2;
    }
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
  if (i < length) data[i++] ^= k0;
  if (i < length) data[i++] ^= k1;
  if (i < length) data[i] ^= k2;
}

function xorWords64(words: BigUint64Array, m: bigint): void {
  const count = words.length;
  let w = 0;
  for (; w + 3 < count; w += 4) {
    words[w] ^= m;
    words[w + 1] ^= m;
    words[w + 2] ^= m;
    words[w + 3] ^= m;
  }
  for (; w < count; w++) words[w] ^= m;
}

/** Eight words per turn: measured faster than four on JavaScriptCore for payloads of a few hundred bytes. */
function xorWords32(words: Int32Array, m: number): void {
  const count = words.length;
  let w = 0;
  for (; w + 7 < count; w += 8) {
    words[w] ^= m;
    words[w + 1] ^= m;
    words[w + 2] ^= m;
    words[w + 3] ^= m;
    words[w + 4] ^= m;
    words[w + 5] ^= m;
    words[w + 6] ^= m;
    words[w + 7] ^= m;
  }
  for (; w < count; w++) words[w] ^= m;
}

/** Octet `n mod 4` of the key (octet 0 is the highest byte of the number). */
function keyOctet(key: number, n: number): number {
  return (key >>> ((3 - (n & 3)) << 3)) & 0xff;
}
