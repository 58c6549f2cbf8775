// One Server-Sent Events response (WHATWG HTML §9.2) over node:http or the node:http2
// compatibility API: headers, `retry:`, events written at once, keep-alive comments and a
// bound on what a slow client may leave queued.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Http2ServerRequest, Http2ServerResponse, Http2Stream } from 'node:http2';
import { type Writable, addAbortSignal } from 'node:stream';
import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../protocol/hub/contract.js';
import { positiveInteger } from '../protocol/integer-option.js';
import { serializeComment, serializeEvent, serializeRetry, type SseEventInit } from '../protocol/sse/index.js';
import { writeHead } from './write-head.js';
import { isHttp2Response } from './http2-response.js';
import { countBackpressure, countSseClosed, countSseOpened, countSseWrite } from '../metrics/library-metrics.js';

export type SseRequest = IncomingMessage | Http2ServerRequest;
export type SseResponse = ServerResponse | Http2ServerResponse;

export interface SseStreamOptions {
  /** Reconnection time sent first as `retry:`, in ms; null sends none. Default 3 000. */
  readonly retryMs?: number | null;
  /** Interval of keep-alive comments, in ms, so proxies and NATs keep the idle connection; 0 disables. Default 15 000. */
  readonly keepAliveMs?: number;
  /**
   * Most bytes a client may leave unsent before its stream is dropped (close reason
   * `slow-client`). A client that cannot keep up resumes later with Last-Event-ID instead
   * of growing server memory. Default 8 MiB, as pub/sub (docs/limits.md).
   */
  readonly maxBufferedAmount?: number;
  /** @deprecated The former name of `maxBufferedAmount`, honoured when that is absent. */
  readonly maxBufferedBytes?: number;
  /** Extra response headers (e.g. CORS). */
  readonly headers?: OutgoingHttpHeaders;
  /**
   * HTTP/1.1 body framing. `close` (default) sends the stream as a body delimited by the end
   * of the connection (RFC 9112 §6.3 rule 8) with `Connection: close`: no chunk framing per
   * event, one socket write per event burst. An event stream never ends in a reusable state
   * anyway. `chunked` keeps the connection reusable after the stream ends, for intermediaries
   * that insist on it. Ignored over HTTP/2, which has its own framing.
   */
  readonly http1Framing?: 'close' | 'chunked';
}

/** Why a stream ended. */
export type SseCloseReason = 'client-gone' | 'closed' | 'slow-client';

export const SSE_DEFAULTS = Object.freeze({
  retryMs: 3000,
  keepAliveMs: 15_000,
  maxBufferedAmount: HUB_STREAM_MAX_BUFFERED_AMOUNT,
  /** @deprecated The former name of `maxBufferedAmount`. */
  maxBufferedBytes: HUB_STREAM_MAX_BUFFERED_AMOUNT,
});

export class SseStream {
  private keepAlive: NodeJS.Timeout | undefined;
  private wroteSinceTick = false;
  private reason: SseCloseReason | null = null;
  private readonly closeListeners = new Set<(reason: SseCloseReason) => void>();
  private readonly maxBufferedAmount: number;
  // HTTP/1.1 socket corked until the end of the tick, so a burst of events is one write.
  private corkable: Socket | null = null;
  private corked = false;

  constructor(
    private readonly res: SseResponse,
    options: SseStreamOptions = {},
  ) {
    const retryMs = options.retryMs === undefined ? SSE_DEFAULTS.retryMs : options.retryMs;
    const keepAliveMs = options.keepAliveMs ?? SSE_DEFAULTS.keepAliveMs;
    this.maxBufferedAmount = positiveInteger(options.maxBufferedAmount ?? options.maxBufferedBytes ?? SSE_DEFAULTS.maxBufferedAmount, 'maxBufferedAmount');
    if (!Number.isFinite(keepAliveMs) || keepAliveMs < 0) throw new RangeError('keepAliveMs must be >= 0');

    res.on('close', this.onResponseClose);
    if (!isHttp2Response(res) && (options.http1Framing ?? 'close') === 'close') {
      // Node then writes `Connection: close` and no Transfer-Encoding.
      res.useChunkedEncodingByDefault = false;
      res.shouldKeepAlive = false;
      this.corkable = res.socket;
    }
    writeHead(res, 200, {
      ...options.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: proxies must not compress or re-chunk, which would delay events.
      'cache-control': 'no-cache, no-transform',
      // nginx buffers proxied responses unless told otherwise.
      'x-accel-buffering': 'no',
    });
    // Writing at once sends the head before the first event, so the client sees `open` now.
    countSseOpened();
    this.write(retryMs === null ? serializeComment() : serializeRetry(retryMs) + '\n', false);
    if (keepAliveMs > 0) {
      this.keepAlive = setInterval(this.tick, keepAliveMs);
      this.keepAlive.unref();
    }
  }

  get closed(): boolean {
    return this.reason !== null;
  }

  get closeReason(): SseCloseReason | null {
    return this.reason;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return isHttp2Response(this.res) ? this.res.stream.writableLength : this.res.writableLength;
  }

  /** Writes one event; false when the stream is closed (the event was not sent). */
  send(event: SseEventInit): boolean {
    return this.writeRaw(serializeEvent(event));
  }

  comment(text = ''): boolean {
    return this.write(serializeComment(text), false);
  }

  /** Writes already-serialized stream text (lets one serialization serve many clients). */
  writeRaw(text: string): boolean {
    return this.write(text, true);
  }

  /** `message`: the text is an event, counted as a message sent (comments are not). */
  private write(text: string, message: boolean): boolean {
    if (this.reason !== null) return false;
    countSseWrite(text, message);
    this.wroteSinceTick = true;
    if (this.corkable !== null && !this.corked) {
      this.corked = true;
      this.corkable.cork();
      process.nextTick(this.uncork);
    }
    // Both kinds of response are Writables; their overloads of `write` do not unify as a union.
    (this.res as Writable).write(text);
    if (this.bufferedBytes > this.maxBufferedAmount) {
      this.finish('slow-client');
      return false;
    }
    return true;
  }

  /** Ends the response normally; the client will reconnect unless told otherwise. */
  close(): void {
    this.finish('closed');
  }

  onClose(listener: (reason: SseCloseReason) => void): void {
    if (this.reason !== null) listener(this.reason);
    else this.closeListeners.add(listener);
  }

  private readonly tick = (): void => {
    // Only idle streams need the comment; traffic keeps intermediaries awake already.
    if (!this.wroteSinceTick) this.comment();
    this.wroteSinceTick = false;
  };

  private readonly uncork = (): void => {
    this.corked = false;
    this.corkable?.uncork();
  };

  private readonly onResponseClose = (): void => {
    this.finish('client-gone');
  };

  private finish(reason: SseCloseReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    countSseClosed();
    if (reason === 'slow-client') countBackpressure('sse', 'closed');
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    this.res.off('close', this.onResponseClose);
    if (reason === 'slow-client') {
      // Dropping queued bytes is the point: end() would wait for the slow reader.
      if (isHttp2Response(this.res)) cancel(this.res.stream);
      else this.res.destroy();
    } else if (reason === 'closed') {
      this.res.end();
    }
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener(reason);
  }
}

/**
 * Resets the stream with CANCEL (RFC 9113 §8.7: no longer needed), its queued data
 * dropped. Destroyed with an AbortError, which Node and Bun both reset with CANCEL; an
 * AbortSignal is the public way to destroy with one. Not `close(NGHTTP2_CANCEL)`: on
 * Bun 1.4's server that sends the RST_STREAM but the session then sends no more DATA on
 * any of its streams (docs/runtimes.md).
 */
function cancel(stream: Http2Stream): void {
  const controller = new AbortController();
  addAbortSignal(controller.signal, stream);
  controller.abort();
}
