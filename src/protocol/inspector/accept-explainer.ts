import { toHex } from './hex.js';
import { sha1 } from './sha1.js';

/** RFC 6455 §1.3 / §4.2.2: the GUID every server appends to the client's key (same as handshake-key.ts). */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface AcceptStep {
  name: 'key' | 'concatenate' | 'sha1' | 'base64' | 'compare';
  /** What the step produced: text, or hex for the digest. */
  value: string;
  explanation: string;
}

export interface AcceptExplanation {
  key: string;
  accept: string;
  /** Whether `expected` (the server's Sec-WebSocket-Accept), when given, is the right answer. */
  matches?: boolean;
  steps: AcceptStep[];
}

/**
 * The `Sec-WebSocket-Accept` computation of RFC 6455 §4.2.2 item 5.4, step by
 * step, for a teaching view: the client's key, key + GUID, the SHA-1 of that,
 * and its base64. With `expected`, a last step says whether a server's answer
 * is right (the client's check, §4.1 item 4 of the response rules). Pure and
 * synchronous: SHA-1 and base64 are computed here, so a browser can run it.
 */
export function explainAccept(key: string, expected?: string): AcceptExplanation {
  const joined = key + GUID;
  const digest = sha1(asciiBytes(joined));
  const accept = base64(digest);
  const steps: AcceptStep[] = [
    {
      name: 'key',
      value: key,
      explanation: 'Sec-WebSocket-Key: 16 random bytes the client chose, base64-encoded (§4.1, §11.3.1)',
    },
    {
      name: 'concatenate',
      value: joined,
      explanation: `the key as text, followed by the GUID ${GUID} (§1.3, §4.2.2 item 5.4); the key is not base64-decoded`,
    },
    {
      name: 'sha1',
      value: toHex(digest),
      explanation: `SHA-1 of those ${joined.length} ASCII bytes: a 20-byte digest (RFC 3174)`,
    },
    {
      name: 'base64',
      value: accept,
      explanation: 'the digest base64-encoded (RFC 4648 §4): the Sec-WebSocket-Accept value the server must send (§4.2.2)',
    },
  ];
  if (expected === undefined) return { key, accept, steps };
  const matches = expected.trim() === accept;
  steps.push({
    name: 'compare',
    value: expected,
    explanation: matches
      ? "the server's Sec-WebSocket-Accept is this value: it read this client's key (§4.1)"
      : `the server sent ${JSON.stringify(expected)}, not ${accept}: the client must fail the connection (§4.1)`,
  });
  return { key, accept, matches, steps };
}

function asciiBytes(text: string): Uint8Array {
  // Keys are base64 (ASCII); anything wider is kept to its low byte, as a wrong key deserves no more.
  return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 4648 §4 base64, with padding. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >>> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}
