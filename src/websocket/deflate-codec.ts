import { type DeflateRaw, type InflateRaw, constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { CloseCode, type CompressionPlan, DEFLATE_TAIL, ProtocolError, removeDeflateTail } from '../protocol/websocket/index.js';
import type { CompressionSettings } from './deflate-options.js';

export type CompressCallback = (error: Error | null, compressed?: Buffer) => void;
export type DecompressCallback = (error: ProtocolError | null, data?: Buffer) => void;

const TAIL = Buffer.from(DEFLATE_TAIL);

/**
 * One connection's zlib streams for permessage-deflate (RFC 7692 §7.2): a raw
 * DEFLATE compressor and decompressor, each made on first use and, when its
 * side resets the context after every message, closed once it is idle, so a
 * quiet connection holds no zlib memory. One job at a time per direction: the
 * callers keep messages in order. Every job goes through the process's
 * `concurrency` limiter.
 */
export class DeflateCodec {
  #deflate: DeflateRaw | undefined;
  #inflate: InflateRaw | undefined;
  #out: Buffer[] = [];
  #outLength = 0;
  #in: Buffer[] = [];
  #inLength = 0;
  #closed = false;

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

  /**
   * Compresses one whole message: the payload for a frame with RSV1. `more`
   * says another message waits to be compressed, so a context that is reset
   * after each message is reset rather than freed.
   */
  compress(data: Uint8Array, more: boolean, callback: CompressCallback): void {
    this.settings.limiter.run((release) => {
      if (this.#closed) return finish(release, callback, closedError());
      const stream = (this.#deflate ??= this.#newDeflate());
      stream.write(data);
      stream.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.#deflate !== stream) return finish(release, callback, closedError());
        const out = this.#out.length === 1 ? this.#out[0] : Buffer.concat(this.#out, this.#outLength);
        this.#out = [];
        this.#outLength = 0;
        if (this.plan.compress.resetEachMessage) {
          if (more) stream.reset();
          else this.#closeDeflate();
        }
        release();
        callback(null, removeDeflateTail(out));
      });
    });
  }

  /**
   * Inflates one whole message (all its frames' payloads, joined). Stops as
   * soon as the output passes `maxPayload` (1009), without making the rest;
   * data that is not valid DEFLATE fails with 1007.
   */
  decompress(data: Buffer, callback: DecompressCallback): void {
    this.settings.limiter.run((release) => {
      if (this.#closed) return finish(release, callback, new ProtocolError(CloseCode.GoingAway, 'Connection closed'));
      const stream = (this.#inflate ??= this.#newInflate());
      this.#inflateDone = (failure) => {
        this.#inflateDone = undefined;
        const out = this.#in.length === 1 ? this.#in[0] : Buffer.concat(this.#in, this.#inLength);
        this.#in = [];
        this.#inLength = 0;
        // A failed stream is useless; one reset after each message need not be kept either; and
        // a message whose last block had BFINAL set (§7.2.3.4) ended the stream: the next starts afresh.
        if (failure || this.plan.decompress.resetEachMessage || stream.readableEnded) this.#closeInflate();
        release();
        if (failure) callback(failure);
        else callback(null, out);
      };
      stream.write(data);
      // §7.2.2: the tail the sender removed.
      stream.write(TAIL);
      stream.flush(constants.Z_SYNC_FLUSH, () => this.#inflateDone?.(undefined));
    });
  }

  /** Frees both streams; jobs after this fail. */
  close(): void {
    this.#closed = true;
    this.#closeDeflate();
    this.#closeInflate();
  }

  #inflateDone: ((failure: ProtocolError | undefined) => void) | undefined;

  #newDeflate(): DeflateRaw {
    const stream = createDeflateRaw({
      windowBits: this.plan.compress.windowBits,
      level: this.settings.level,
      memLevel: this.settings.memLevel,
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
    const stream = createInflateRaw({ windowBits: this.plan.decompress.windowBits });
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
      this.#inflateDone?.(new ProtocolError(CloseCode.InvalidPayload, `Invalid compressed data: ${error.message}`));
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

function finish<E extends Error>(release: () => void, callback: (error: E) => void, error: E): void {
  release();
  callback(error);
}

function closedError(): Error {
  return new Error('WebSocket closed before the message was compressed');
}
