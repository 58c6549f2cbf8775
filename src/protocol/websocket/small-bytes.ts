/**
 * Small, short-lived byte arrays (frame headers, short masked frames) carved out
 * of a shared slab, as Node's Buffer pool does for Buffers, but browser-safe.
 *
 * Why: `new Uint8Array(n)` gives every array a backing store of its own. Node's
 * V8 keeps arrays of up to 64 bytes on the JavaScript heap, where that is cheap;
 * Deno's V8 build does not, and there each one costs about 1 µs (measured:
 * 1.1 µs for `new Uint8Array(2)`, against 0.15 µs for a view of a slab; on Node
 * and Bun both take 0.02–0.15 µs), more than encoding the frame. Every slice
 * is handed out once; a full slab is let go, and lives on only as long as a
 * slice of it does. JavaScriptCore (Bun) is the exception the other way: a
 * fresh small array costs it ~0.02 µs and a view of a slab ~0.14 µs, so there
 * each array is its own.
 */
import { onJavaScriptCore } from './engine.js';

const SLAB_SIZE = 8192;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** `size` bytes (at most SLAB_SIZE), zero-filled, starting at a multiple of 8 in their slab. */
export function slabBytes(size: number): Uint8Array {
  if (used + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  // A view made directly, not `subarray`: V8 looks up the species constructor for that, 2× slower.
  const bytes = new Uint8Array(slab, used, size);
  // The next slice starts 8-aligned: the word loops of applyMask need no head on it.
  used = (used + size + 7) & ~7;
  return bytes;
}

/** A fresh array per call: the fast choice on JavaScriptCore. */
export function freshBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

/** `size` zero-filled bytes for a short-lived small array, made the way that is fast on this engine. */
export const smallBytes: (size: number) => Uint8Array = onJavaScriptCore ? freshBytes : slabBytes;
