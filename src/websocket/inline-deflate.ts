import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { CloseCode, DEFLATE_TAIL, ProtocolError, removeDeflateTail } from '../protocol/websocket/index.js';
import type { CompressionSettings } from './deflate-options.js';

/**
 * Small messages whose DEFLATE stream starts afresh anyway (no context
 * takeover, RFC 7692 §7.1.1) are compressed and inflated right here, each with
 * a zlib stream of its own, rather than on libuv's thread pool: for a message
 * of a few hundred bytes the trip to a pool thread and back (locks, wake-ups,
 * context switches) costs several times the zlib work itself (bench:deflate,
 * docs/benchmarks.md). The work done here is bounded: at most this many bytes
 * are compressed here (DEFLATE costs by the input byte).
 */
export const INLINE_UP_TO = 4 * 1024;

/** At most this many compressed bytes are inflated here (inflating costs by the output byte, bounded below). */
export const INLINE_INFLATE_FROM_UP_TO = 16 * 1024;

/** At most this many inflated bytes are made here; a message that inflates to more is inflated again on the thread pool. */
export const INLINE_INFLATE_UP_TO = 64 * 1024;

const TAIL = Buffer.from(DEFLATE_TAIL);

/** The payload for a frame with RSV1: `data` compressed from an empty window and sync-flushed (§7.2.1). */
export function deflateInline(data: Uint8Array, windowBits: number, settings: CompressionSettings): Buffer {
  const flushed = deflateRawSync(data, { windowBits, level: settings.level, memLevel: settings.memLevel, finishFlush: constants.Z_SYNC_FLUSH });
  return removeDeflateTail(flushed);
}

export type InlineInflation =
  | { type: 'inflated'; data: Buffer }
  | { type: 'failed'; error: ProtocolError }
  /** More than `INLINE_INFLATE_UP_TO` bytes, but maybe not more than `maxPayload`: for the thread pool. */
  | { type: 'too-large' };

/**
 * Inflates one whole message from an empty window (§7.2.2: with the tail put
 * back). More than `maxPayload` bytes fails with 1009 and data that is not
 * valid DEFLATE with 1007, as on the thread pool.
 */
export function inflateInline(data: Buffer, windowBits: number, maxPayload: number): InlineInflation {
  const limit = Math.min(maxPayload, INLINE_INFLATE_UP_TO);
  try {
    const input = Buffer.concat([data, TAIL], data.length + TAIL.length);
    return { type: 'inflated', data: inflateRawSync(input, { windowBits, finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limit }) };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') {
      return { type: 'failed', error: new ProtocolError(CloseCode.InvalidPayload, `Invalid compressed data: ${(error as Error).message}`) };
    }
    if (limit < maxPayload) return { type: 'too-large' };
    return { type: 'failed', error: new ProtocolError(CloseCode.MessageTooBig, `Message larger than ${maxPayload} bytes once inflated`) };
  }
}
