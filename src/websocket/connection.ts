import { WebSocketCloseEvent, WebSocketErrorEvent, type WebSocketEventMap, WebSocketMessageEvent, type MessageData, WebSocketEvent } from './events.js';
import { type IncomingMessage, messageIterator } from './message-iterator.js';
import { CLOSED, CLOSING, CONNECTING, OPEN } from './ready-state.js';
import { SocketConnection } from './socket-connection.js';
import { listenerSlots } from './listener-slots.js';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'blob' | 'fragments';
const BINARY_TYPES: readonly string[] = ['nodebuffer', 'arraybuffer', 'blob', 'fragments'];

/** EventEmitter's own listener type. */
type Listener = Parameters<SocketConnection['on']>[1];
type EventName = 'open' | 'message' | 'close' | 'error';

/**
 * One WebSocket connection, the same class on both sides, server and client.
 * Node style, as `ws`: 'open', 'message' (data: Buffer, isBinary), 'ping',
 * 'pong', 'drain', 'close' (code, reason, wasClean), 'error' (error) — see
 * `SocketConnection`. This class adds the WHATWG face (`readyState` constants,
 * `binaryType`, `onmessage`, `addEventListener('message', …)`) and async
 * iteration over the messages.
 */
export class WebSocketConnection extends SocketConnection implements AsyncIterable<IncomingMessage> {
  constructor() {
    super();
    // What EventEmitter's constructor sets (the adapter's base sets nothing), with a
    // fast listener store rather than its dictionary (listener-slots.ts).
    const emitter = this as unknown as { _events: object; _eventsCount: number; _maxListeners: number | undefined };
    emitter._events = listenerSlots();
    emitter._eventsCount = 0;
    emitter._maxListeners = undefined;
  }

  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  // Getters on the prototype rather than fields: four fewer slots in every connection.
  get CONNECTING(): typeof CONNECTING {
    return CONNECTING;
  }
  get OPEN(): typeof OPEN {
    return OPEN;
  }
  get CLOSING(): typeof CLOSING {
    return CLOSING;
  }
  get CLOSED(): typeof CLOSED {
    return CLOSED;
  }

  /** How binary messages reach WHATWG-style listeners. Node-style listeners always get a Buffer. */
  get binaryType(): BinaryType {
    return this.#web?.binaryType ?? 'nodebuffer';
  }
  /** As in browsers, a value that is not one of the known types is ignored. */
  set binaryType(value: BinaryType) {
    if (BINARY_TYPES.includes(value)) (this.#web ??= { binaryType: 'nodebuffer' }).binaryType = value;
  }
  /** The WHATWG face's state, made on first use: most server-side connections never touch it. */
  #web: { binaryType: BinaryType; handlers?: Partial<Record<EventName, Listener>> } | undefined;

  // ---- Async iteration ----

  /**
   * Incoming messages as an async iterator. Reading from the socket pauses
   * while more than `highWaterMark` messages wait for the consumer.
   */
  messages(options?: { highWaterMark?: number }): AsyncIterableIterator<IncomingMessage> {
    return messageIterator(this, options?.highWaterMark ?? 16);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<IncomingMessage> {
    return this.messages();
  }

  // ---- WHATWG-style events ----

  addEventListener<K extends keyof WebSocketEventMap>(type: K, listener: (event: WebSocketEventMap[K]) => void, options?: { once?: boolean }): void;
  addEventListener(type: string, listener: (event: WebSocketEvent) => void, options?: { once?: boolean }): void;
  addEventListener(type: string, listener: (event: never) => void, options?: { once?: boolean }): void {
    const wrapped = this.wrapListener(type, listener);
    if (!wrapped) return;
    if (options?.once) this.once(type, wrapped);
    else this.on(type, wrapped);
  }

  removeEventListener<K extends keyof WebSocketEventMap>(type: K, listener: (event: WebSocketEventMap[K]) => void): void;
  removeEventListener(type: string, listener: (event: WebSocketEvent) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void {
    for (const candidate of this.listeners(type)) {
      if ((candidate as WrappedListener)[kOriginal] === listener) {
        this.off(type, candidate as Listener);
        return;
      }
    }
  }

  get onopen(): Listener | null {
    return this.#web?.handlers?.open ?? null;
  }
  set onopen(listener: Listener | null) {
    this.setHandler('open', listener);
  }
  get onmessage(): Listener | null {
    return this.#web?.handlers?.message ?? null;
  }
  set onmessage(listener: Listener | null) {
    this.setHandler('message', listener);
  }
  get onclose(): Listener | null {
    return this.#web?.handlers?.close ?? null;
  }
  set onclose(listener: Listener | null) {
    this.setHandler('close', listener);
  }
  get onerror(): Listener | null {
    return this.#web?.handlers?.error ?? null;
  }
  set onerror(listener: Listener | null) {
    this.setHandler('error', listener);
  }

  private setHandler(type: EventName, listener: Listener | null): void {
    const previous = this.#web?.handlers?.[type];
    if (previous) this.removeEventListener(type, previous);
    if (typeof listener !== 'function') {
      if (this.#web?.handlers) delete this.#web.handlers[type];
      return;
    }
    const web = (this.#web ??= { binaryType: 'nodebuffer' });
    (web.handlers ??= {})[type] = listener;
    this.addEventListener(type, listener);
  }

  private wrapListener(type: string, listener: (event: never) => void): WrappedListener | undefined {
    const call = listener as (event: WebSocketEvent) => void;
    let wrapped: WrappedListener;
    switch (type) {
      case 'open':
        wrapped = () => call.call(this, new WebSocketEvent('open', this));
        break;
      case 'message':
        wrapped = (data: Buffer, isBinary: boolean) =>
          call.call(this, new WebSocketMessageEvent(this, isBinary ? convertBinary(data, this.binaryType) : data.toString('utf8')));
        break;
      case 'close':
        wrapped = (code: number, reason: string, wasClean: boolean) =>
          call.call(this, new WebSocketCloseEvent(this, code, reason, wasClean));
        break;
      case 'error':
        wrapped = (error: Error) => call.call(this, new WebSocketErrorEvent(this, error));
        break;
      default:
        return undefined;
    }
    wrapped[kOriginal] = listener;
    return wrapped;
  }
}

const kOriginal = Symbol('switchboard.originalListener');
type WrappedListener = Listener & { [kOriginal]?: unknown };

function convertBinary(data: Buffer, binaryType: BinaryType): MessageData {
  switch (binaryType) {
    case 'arraybuffer':
      return data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer;
    case 'blob':
      return new Blob([data]);
    case 'fragments':
      return [data];
    default:
      return data;
  }
}
