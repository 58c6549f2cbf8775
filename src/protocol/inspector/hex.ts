/** Bytes as lowercase hex pairs, separated by `separator` (a space by default). */
export function toHex(bytes: Uint8Array, separator = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += HEX_PAIRS[bytes[i]];
  }
  return out;
}

/**
 * Hex as people paste it: pairs with or without spaces, colons, commas, newlines
 * or `0x` prefixes. Anything else, or an odd digit count, is an error that says where.
 */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  const bad = /[^0-9a-f]/i.exec(digits);
  if (bad) throw new SyntaxError(`Not a hex digit: ${JSON.stringify(bad[0])}`);
  if (digits.length % 2 !== 0) throw new SyntaxError(`Odd number of hex digits (${digits.length}): bytes are pairs`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
