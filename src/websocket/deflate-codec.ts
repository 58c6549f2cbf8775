import { type DeflateRaw, type InflateRaw, constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { CloseCode, type CompressionPlan, DEFLATE_TAIL, ProtocolError, removeDeflateTail } from '../protocol/websocket/index.js';
import type { CompressionSettings } from './deflate-options.js';
import { INLINE_INFLATE_FROM_UP_TO, INLINE_UP_TO, deflateInline, inflateInline } from './inline-deflate.js';

export type CompressCallback = (error: Error | null, compressed?: Buffer) => void;
export type DecompressCallback = (error: ProtocolError | null, data?: Buffer) => void;

const TAIL = Buffer.from(DEFLATE_TAIL);

/**
 * Up to this many compressed bytes are joined with the tail into one write:
 * each write is a trip to libuv's thread pool and back, which costs more than
 * the copy for messages this small; larger ones go in two writes.
 */
const JOIN_TAIL_UP_TO = 16 * 1024;

/**
 * One connection's zlib streams for permessage-deflate (RFC 7692 §7.2): a raw
 * DEFLATE compressor and decompressor, each made on first use. Both sync-flush
 * every write (§7.2.1), so a message costs the compressor one write (one trip
 * to the thread pool) and the decompressor one (two for large messages),
 * rather than a write and a flush each. Small messages of a side that resets
 * the context after every message skip the streams and the thread pool
 * (inline-deflate.ts); larger ones reset the stream between messages (a
 * new one costs about as much as the message), and it is closed once the connection
 * has been quiet for a sweep or two (`IDLE_SWEEP`), so a quiet connection
 * holds no zlib memory. One job at a time per direction: the callers keep
 * messages in order. Every job goes through the process's `concurrency` limiter.
 */
export class DeflateCodec {
  #deflate: DeflateRaw | undefined;
  #inflate: InflateRaw | undefined;
  #out: Buffer[] = [];
  #outLength = 0;
  #in: Buffer[] = [];
  #inLength = 0;
  #closed = false;
  /** Used since the last idle sweep. */
  #usedSinceSweep = false;
  /** Jobs under way (at most one per direction): the sweep never frees a stream in use. */
  #jobs = 0;

  constructor(
    private readonly plan: CompressionPlan,
    private readonly settings: CompressionSettings,
    /** Largest inflated message; more fails with 1009 while inflating. */
    private readonly maxPayload: number,
  ) {}

  /** Whether a zlib stream is held (for tests and the memory bench). */
  get holdsStreams(): boolean {
    return this.#deflate !== undefined || this.#inflate !== undefined;
  }

  /** Compresses one whole message: the payload for a frame with RSV1. */
  compress(data: Uint8Array, callback: CompressCallback): void {
    const { resetEachMessage, windowBits } = this.plan.compress;
    if (resetEachMessage && data.length <= INLINE_UP_TO) {
      // Done here, but answered later as the thread pool's jobs are: the caller's turn finishes first.
      if (this.#closed) return process.nextTick(callback, closedError());
      let compressed: Buffer;
      try {
        compressed = deflateInline(data, windowBits, this.settings);
      } catch (error) {
        // zlib does not fail on input it compresses (out of memory aside): the caller's callback says so, not a throw from send().
        return process.nextTick(callback, error as Error);
      }
      return process.nextTick(callback, null, compressed);
    }
    this.settings.limiter.run((release) => {
      if (this.#closed) return finish(release, callback, closedError());
      const stream = (this.#deflate ??= this.#newDeflate());
      this.#jobs++;
      const compressed = (): void => {
        this.#jobs--;
        if (this.#deflate !== stream) return finish(release, callback, closedError());
        const out = this.#out.length === 1 ? this.#out[0] : Buffer.concat(this.#out, this.#outLength);
        this.#out = [];
        this.#outLength = 0;
        if (this.plan.compress.resetEachMessage) this.#rest(stream);
        release();
        callback(null, removeDeflateTail(out));
      };
      if (data.length > 0) stream.write(data, compressed);
      else {
        // zlib makes nothing of a second sync flush in a row with no input (Z_BUF_ERROR):
        // a no-flush first, so the empty message still gets its empty block.
        stream.flush(constants.Z_NO_FLUSH);
        stream.flush(constants.Z_SYNC_FLUSH, compressed);
      }
    });
  }

  /**
   * Inflates one whole message (all its frames' payloads, joined). Stops as
   * soon as the output passes `maxPayload` (1009), without making the rest;
   * data that is not valid DEFLATE fails with 1007.
   */
  decompress(data: Buffer, callback: DecompressCallback): void {
    const { resetEachMessage, windowBits } = this.plan.decompress;
    if (resetEachMessage && data.length <= INLINE_INFLATE_FROM_UP_TO && this.maxPayload >= 1) {
      if (this.#closed) return process.nextTick(callback, goingAway());
      const result = inflateInline(data, windowBits, this.maxPayload);
      if (result.type === 'inflated') return process.nextTick(callback, null, result.data);
      if (result.type === 'failed') return process.nextTick(callback, result.error);
      // Inflates to more than is made here: again, on the thread pool.
    }
    this.settings.limiter.run((release) => {
      if (this.#closed) return finish(release, callback, goingAway());
      const stream = (this.#inflate ??= this.#newInflate());
      this.#jobs++;
      const done = (failure: ProtocolError | undefined): void => {
        this.#inflateDone = undefined;
        this.#jobs--;
        const out = this.#in.length === 1 ? this.#in[0] : Buffer.concat(this.#in, this.#inLength);
        this.#in = [];
        this.#inLength = 0;
        // A failed stream is useless, and a message whose last block had BFINAL set
        // (§7.2.3.4) ended the stream, leaving input unread: the next one starts afresh.
        if (this.#inflate !== stream) {
          // Closed meanwhile (the connection went away): nothing to keep.
        } else if (failure || stream.bytesWritten < this.#inflateWritten) this.#closeInflate();
        else if (this.plan.decompress.resetEachMessage) this.#rest(stream);
        release();
        if (failure) callback(failure);
        else callback(null, out);
      };
      this.#inflateDone = done;
      // Only this job's end: after a failure ended it early, a late callback of the old stream must not end the next.
      // Deno's node:zlib calls back a write that failed, and emits 'error' only after;
      // the stream is already `errored` then (Node and Bun never call back).
      const written = (): void => {
        if (this.#inflateDone === done) done(stream.errored ? invalidData(stream.errored) : undefined);
      };
      // §7.2.2: the tail the sender removed.
      this.#inflateWritten += data.length + TAIL.length;
      if (data.length <= JOIN_TAIL_UP_TO) stream.write(Buffer.concat([data, TAIL], data.length + TAIL.length), written);
      else {
        stream.write(data);
        stream.write(TAIL, written);
      }
    });
  }

  /** Frees both streams; jobs after this fail. */
  close(): void {
    this.#closed = true;
    this.#closeDeflate();
    this.#closeInflate();
    resting.delete(this);
  }

  /** A stream reset after its message: ready for the next, and freed by the sweep if none comes. */
  #rest(stream: DeflateRaw | InflateRaw): void {
    stream.reset();
    this.#usedSinceSweep = true;
    resting.add(this);
    sweeper ??= setInterval(sweep, IDLE_SWEEP).unref();
  }

  /** Called by the sweep: frees the streams that start afresh anyway, if unused since the last sweep. Returns whether it did. */
  static sweep(codec: DeflateCodec): boolean {
    if (codec.#usedSinceSweep || codec.#jobs > 0) {
      codec.#usedSinceSweep = false;
      return false;
    }
    if (codec.plan.compress.resetEachMessage) codec.#closeDeflate();
    if (codec.plan.decompress.resetEachMessage) codec.#closeInflate();
    return true;
  }

  #inflateDone: ((failure: ProtocolError | undefined) => void) | undefined;
  /** Bytes written to the current inflate stream: fewer taken (`bytesWritten`) means it ended. */
  #inflateWritten = 0;

  #newDeflate(): DeflateRaw {
    const stream = createDeflateRaw({
      windowBits: this.plan.compress.windowBits,
      level: this.settings.level,
      memLevel: this.settings.memLevel,
      flush: constants.Z_SYNC_FLUSH,
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.#deflate !== stream) return;
      this.#out.push(chunk);
      this.#outLength += chunk.length;
    });
    // zlib does not fail on input it compresses; a failure here is a bug in Node, not the peer.
    stream.on('error', () => this.#closeDeflate());
    return stream;
  }

  #newInflate(): InflateRaw {
    const stream = createInflateRaw({ windowBits: this.plan.decompress.windowBits, flush: constants.Z_SYNC_FLUSH });
    this.#inflateWritten = 0;
    stream.on('data', (chunk: Buffer) => {
      if (this.#inflate !== stream) return;
      this.#inLength += chunk.length;
      if (this.#inLength > this.maxPayload) {
        // An inflation bomb stops here: no more output is made (the stream is closed).
        this.#inflateDone?.(new ProtocolError(CloseCode.MessageTooBig, `Message larger than ${this.maxPayload} bytes once inflated`));
        return;
      }
      this.#in.push(chunk);
    });
    stream.on('error', (error: Error) => {
      if (this.#inflate === stream) this.#inflateDone?.(invalidData(error));
    });
    return stream;
  }

  #closeDeflate(): void {
    this.#deflate?.close();
    this.#deflate = undefined;
    this.#out = [];
    this.#outLength = 0;
  }

  #closeInflate(): void {
    this.#inflate?.close();
    this.#inflate = undefined;
  }
}

/** How often streams of quiet connections are freed (ms): after one to two of these without a message. */
export const IDLE_SWEEP = 1000;
/** Codecs holding streams they could free. */
const resting = new Set<DeflateCodec>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  for (const codec of resting) if (DeflateCodec.sweep(codec)) resting.delete(codec);
  if (resting.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function finish<E extends Error>(release: () => void, callback: (error: E) => void, error: E): void {
  release();
  callback(error);
}

function goingAway(): ProtocolError {
  return new ProtocolError(CloseCode.GoingAway, 'Connection closed');
}

function closedError(): Error {
  return new Error('WebSocket closed before the message was compressed');
}

/** 1007 for data that does not inflate: data not consistent with the message type (RFC 6455 §7.4.1). */
function invalidData(error: Error): ProtocolError {
  return new ProtocolError(CloseCode.InvalidPayload, `Invalid compressed data: ${error.message}`);
}
