import { Http2ServerResponse, constants as h2 } from 'node:http2';
import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../protocol/hub/contract.js';
import { positiveInteger } from '../protocol/integer-option.js';
import { serializeComment, serializeEvent, serializeRetry } from '../protocol/sse/index.js';
import { writeHead } from './write-head.js';
export const SSE_DEFAULTS = Object.freeze({
    retryMs: 3000,
    keepAliveMs: 15_000,
    maxBufferedAmount: HUB_STREAM_MAX_BUFFERED_AMOUNT,
    /** @deprecated The former name of `maxBufferedAmount`. */
    maxBufferedBytes: HUB_STREAM_MAX_BUFFERED_AMOUNT,
});
export class SseStream {
    res;
    keepAlive;
    wroteSinceTick = false;
    reason = null;
    closeListeners = new Set();
    maxBufferedAmount;
    // HTTP/1.1 socket corked until the end of the tick, so a burst of events is one write.
    corkable = null;
    corked = false;
    constructor(res, options = {}) {
        this.res = res;
        const retryMs = options.retryMs === undefined ? SSE_DEFAULTS.retryMs : options.retryMs;
        const keepAliveMs = options.keepAliveMs ?? SSE_DEFAULTS.keepAliveMs;
        this.maxBufferedAmount = positiveInteger(options.maxBufferedAmount ?? options.maxBufferedBytes ?? SSE_DEFAULTS.maxBufferedAmount, 'maxBufferedAmount');
        if (!Number.isFinite(keepAliveMs) || keepAliveMs < 0)
            throw new RangeError('keepAliveMs must be >= 0');
        res.on('close', this.onResponseClose);
        if (!(res instanceof Http2ServerResponse) && (options.http1Framing ?? 'close') === 'close') {
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
        this.writeRaw(retryMs === null ? serializeComment() : serializeRetry(retryMs) + '\n');
        if (keepAliveMs > 0) {
            this.keepAlive = setInterval(this.tick, keepAliveMs);
            this.keepAlive.unref();
        }
    }
    get closed() {
        return this.reason !== null;
    }
    get closeReason() {
        return this.reason;
    }
    /** Bytes written but not yet handed to the kernel. */
    get bufferedBytes() {
        if (this.res instanceof Http2ServerResponse)
            return this.res.stream.writableLength;
        return this.res.writableLength;
    }
    /** Writes one event; false when the stream is closed (the event was not sent). */
    send(event) {
        return this.writeRaw(serializeEvent(event));
    }
    comment(text = '') {
        return this.writeRaw(serializeComment(text));
    }
    /** Writes already-serialized stream text (lets one serialization serve many clients). */
    writeRaw(text) {
        if (this.reason !== null)
            return false;
        this.wroteSinceTick = true;
        if (this.corkable !== null && !this.corked) {
            this.corked = true;
            this.corkable.cork();
            process.nextTick(this.uncork);
        }
        if (this.res instanceof Http2ServerResponse)
            this.res.write(text);
        else
            this.res.write(text);
        if (this.bufferedBytes > this.maxBufferedAmount) {
            this.finish('slow-client');
            return false;
        }
        return true;
    }
    /** Ends the response normally; the client will reconnect unless told otherwise. */
    close() {
        this.finish('closed');
    }
    onClose(listener) {
        if (this.reason !== null)
            listener(this.reason);
        else
            this.closeListeners.add(listener);
    }
    tick = () => {
        // Only idle streams need the comment; traffic keeps intermediaries awake already.
        if (!this.wroteSinceTick)
            this.comment();
        this.wroteSinceTick = false;
    };
    uncork = () => {
        this.corked = false;
        this.corkable?.uncork();
    };
    onResponseClose = () => {
        this.finish('client-gone');
    };
    finish(reason) {
        if (this.reason !== null)
            return;
        this.reason = reason;
        clearInterval(this.keepAlive);
        this.keepAlive = undefined;
        this.res.off('close', this.onResponseClose);
        if (reason === 'slow-client') {
            // Dropping queued bytes is the point: end() would wait for the slow reader.
            if (this.res instanceof Http2ServerResponse)
                this.res.stream.close(h2.NGHTTP2_CANCEL);
            else
                this.res.destroy();
        }
        else if (reason === 'closed') {
            this.res.end();
        }
        const listeners = [...this.closeListeners];
        this.closeListeners.clear();
        for (const listener of listeners)
            listener(reason);
    }
}
//# sourceMappingURL=sse-stream.js.map