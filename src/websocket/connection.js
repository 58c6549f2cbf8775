import { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent, WebSocketEvent } from './events.js';
import { messageIterator } from './message-iterator.js';
import { CLOSED, CLOSING, CONNECTING, OPEN } from './ready-state.js';
import { SocketConnection } from './socket-connection.js';
const BINARY_TYPES = ['nodebuffer', 'arraybuffer', 'blob', 'fragments'];
/**
 * One WebSocket connection, the same class on both sides, server and client.
 * Node style, as `ws`: 'open', 'message' (data: Buffer, isBinary), 'ping',
 * 'pong', 'drain', 'close' (code, reason, wasClean), 'error' (error) — see
 * `SocketConnection`. This class adds the WHATWG face (`readyState` constants,
 * `binaryType`, `onmessage`, `addEventListener('message', …)`) and async
 * iteration over the messages.
 */
export class WebSocketConnection extends SocketConnection {
    static CONNECTING = CONNECTING;
    static OPEN = OPEN;
    static CLOSING = CLOSING;
    static CLOSED = CLOSED;
    // Getters on the prototype rather than fields: four fewer slots in every connection.
    get CONNECTING() {
        return CONNECTING;
    }
    get OPEN() {
        return OPEN;
    }
    get CLOSING() {
        return CLOSING;
    }
    get CLOSED() {
        return CLOSED;
    }
    /** How binary messages reach WHATWG-style listeners. Node-style listeners always get a Buffer. */
    get binaryType() {
        return this.#binaryType;
    }
    /** As in browsers, a value that is not one of the known types is ignored. */
    set binaryType(value) {
        if (BINARY_TYPES.includes(value))
            this.#binaryType = value;
    }
    #binaryType = 'nodebuffer';
    #handlers;
    // ---- Async iteration ----
    /**
     * Incoming messages as an async iterator. Reading from the socket pauses
     * while more than `highWaterMark` messages wait for the consumer.
     */
    messages(options) {
        return messageIterator(this, options?.highWaterMark ?? 16);
    }
    [Symbol.asyncIterator]() {
        return this.messages();
    }
    // ---- WHATWG-style events ----
    addEventListener(type, listener, options) {
        const wrapped = this.#wrapListener(type, listener);
        if (!wrapped)
            return;
        if (options?.once)
            this.once(type, wrapped);
        else
            this.on(type, wrapped);
    }
    removeEventListener(type, listener) {
        for (const candidate of this.listeners(type)) {
            if (candidate[kOriginal] === listener) {
                this.off(type, candidate);
                return;
            }
        }
    }
    get onopen() {
        return this.#handlers?.open ?? null;
    }
    set onopen(listener) {
        this.#setHandler('open', listener);
    }
    get onmessage() {
        return this.#handlers?.message ?? null;
    }
    set onmessage(listener) {
        this.#setHandler('message', listener);
    }
    get onclose() {
        return this.#handlers?.close ?? null;
    }
    set onclose(listener) {
        this.#setHandler('close', listener);
    }
    get onerror() {
        return this.#handlers?.error ?? null;
    }
    set onerror(listener) {
        this.#setHandler('error', listener);
    }
    #setHandler(type, listener) {
        const previous = this.#handlers?.[type];
        if (previous)
            this.removeEventListener(type, previous);
        if (typeof listener !== 'function') {
            if (this.#handlers)
                delete this.#handlers[type];
            return;
        }
        (this.#handlers ??= {})[type] = listener;
        this.addEventListener(type, listener);
    }
    #wrapListener(type, listener) {
        const call = listener;
        let wrapped;
        switch (type) {
            case 'open':
                wrapped = () => call.call(this, new WebSocketEvent('open', this));
                break;
            case 'message':
                wrapped = (data, isBinary) => call.call(this, new WebSocketMessageEvent(this, isBinary ? convertBinary(data, this.binaryType) : data.toString('utf8')));
                break;
            case 'close':
                wrapped = (code, reason, wasClean) => call.call(this, new WebSocketCloseEvent(this, code, reason, wasClean));
                break;
            case 'error':
                wrapped = (error) => call.call(this, new WebSocketErrorEvent(this, error));
                break;
            default:
                return undefined;
        }
        wrapped[kOriginal] = listener;
        return wrapped;
    }
}
const kOriginal = Symbol('switchboard.originalListener');
function convertBinary(data, binaryType) {
    switch (binaryType) {
        case 'arraybuffer':
            return data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
        case 'blob':
            return new Blob([data]);
        case 'fragments':
            return [data];
        default:
            return data;
    }
}
//# sourceMappingURL=connection.js.map