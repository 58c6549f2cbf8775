import type { DeflateParameters, WindowBits } from './permessage-deflate.js';
import type { Role } from './frame-parser.js';

/**
 * The framing rules of permessage-deflate, RFC 7692 §6 and §7.2, without the
 * compressor itself: which bit marks a compressed message, the 4-octet tail a
 * sender removes and a receiver puts back, and what each side's DEFLATE
 * streams must be given the agreed parameters. The zlib streams live with the
 * carrier (they are asynchronous); these rules are pure.
 */

/** RSV1 as the 3-bit RSV number of a frame header (RSV1 = 4): "Per-Message Compressed" (§6). */
export const RSV1 = 4;

/**
 * The end of an empty non-final stored block, `00 00 ff ff`: a sync flush ends
 * with it; the sender removes it (§7.2.1) and the receiver appends it back
 * before inflating (§7.2.2).
 */
export const DEFLATE_TAIL: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/**
 * A compressed message's payload from the output of a DEFLATE sync flush:
 * without the `00 00 ff ff` tail (§7.2.1). Output that does not end with it
 * was not sync-flushed, a programming error, so this throws. A flush of
 * nothing new yields only the tail: the payload is then the single octet
 * `00` (the start of an empty stored block, which the receiver's tail
 * completes), never an empty payload, which some receivers choke on.
 */
export function removeDeflateTail<T extends Uint8Array>(flushed: T): T {
  const end = flushed.length - DEFLATE_TAIL.length;
  if (end < 0 || !DEFLATE_TAIL.every((octet, i) => flushed[end + i] === octet)) {
    throw new RangeError('A sync-flushed DEFLATE block ends with 00 00 ff ff (RFC 7692 §7.2.1)');
  }
  return (end === 0 ? flushed.subarray(0, 1) : flushed.subarray(0, end)) as T;
}

/** How one direction's DEFLATE stream must work under the agreed parameters. */
export interface DeflateStreamPlan {
  /** The LZ77 window, 2^windowBits bytes. */
  windowBits: WindowBits;
  /** The stream starts afresh for every message (no context takeover, §7.1.1). */
  resetEachMessage: boolean;
}

/** What this side's compressor and decompressor must do (§7.1.1, §7.1.2). */
export interface CompressionPlan {
  /** Our messages, compressed under the limits the peer asked for. */
  compress: DeflateStreamPlan;
  /** The peer's messages: its window and whether it resets its context. */
  decompress: DeflateStreamPlan;
}

/**
 * Which parameters bind which stream: a server compresses under the
 * `server_*` parameters and inflates what the client compressed under the
 * `client_*` ones; a client the other way round. An absent window size is
 * 15 (32 KiB, §7.1.2).
 */
export function compressionPlan(parameters: DeflateParameters, role: Role): CompressionPlan {
  const server: DeflateStreamPlan = {
    windowBits: parameters.serverMaxWindowBits ?? 15,
    resetEachMessage: parameters.serverNoContextTakeover,
  };
  const client: DeflateStreamPlan = {
    windowBits: parameters.clientMaxWindowBits ?? 15,
    resetEachMessage: parameters.clientNoContextTakeover,
  };
  return role === 'server' ? { compress: server, decompress: client } : { compress: client, decompress: server };
}
