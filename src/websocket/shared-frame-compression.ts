import { constants, deflateRaw } from 'node:zlib';
import { RSV1, encodeSharedFrame, removeDeflateTail } from '../protocol/websocket/index.js';
import type { CompressionSettings } from './deflate-options.js';

type Waiter = (error: Error | null, frame?: Buffer) => void;
interface Entry {
  frame: Buffer | undefined;
  waiting: Waiter[] | undefined;
}

/** Compressed versions of shared frames, per frame and per way of compressing: made once, for every recipient. */
const compressed = new WeakMap<Uint8Array, Map<string, Entry>>();

/**
 * A broadcast compressed once (RFC 7692 with server_no_context_takeover):
 * every connection that agreed to compress each message on its own, with the
 * same window and zlib settings, gets the same bytes, so the frame is
 * compressed once for all of them, whatever their number. Keyed by the
 * uncompressed shared frame, held no longer than it is.
 */
export function cachedSharedFrame(frame: Uint8Array, windowBits: number, settings: CompressionSettings): Buffer | undefined {
  return compressed.get(frame)?.get(keyOf(windowBits, settings))?.frame;
}

/** Compresses a shared frame's payload into a new shared frame with RSV1, or waits for the compression under way. */
export function compressSharedFrame(
  frame: Uint8Array,
  parts: { opcode: number; payload: Uint8Array },
  windowBits: number,
  settings: CompressionSettings,
  callback: Waiter,
): void {
  let variants = compressed.get(frame);
  if (variants === undefined) compressed.set(frame, (variants = new Map()));
  const key = keyOf(windowBits, settings);
  const entry = variants.get(key);
  if (entry?.frame) return callback(null, entry.frame);
  if (entry?.waiting) {
    entry.waiting.push(callback);
    return;
  }
  const fresh: Entry = { frame: undefined, waiting: [callback] };
  variants.set(key, fresh);
  const options = { windowBits, level: settings.level, memLevel: settings.memLevel, finishFlush: constants.Z_SYNC_FLUSH };
  settings.limiter.run((release) => {
    deflateRaw(parts.payload, options, (error, out) => {
      release();
      const waiting = fresh.waiting!;
      fresh.waiting = undefined;
      if (error) variants.delete(key);
      else fresh.frame = encodeSharedFrame(removeDeflateTail(out), parts.opcode, RSV1);
      for (const waiter of waiting) waiter(error, fresh.frame);
    });
  });
}

function keyOf(windowBits: number, settings: CompressionSettings): string {
  return `${windowBits}/${settings.level}/${settings.memLevel}`;
}
