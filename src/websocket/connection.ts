import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  CloseCode,
  CloseHandshake,
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_PAYLOAD,
  FrameParser,
  type MaskKeySource,
  Opcode,
  type ParserEvent,
  ProtocolError,
  type Role,
  encodeFrame,
} from '../protocol/websocket/index.js';
import { CloseEvent, ErrorEvent, MessageEvent, type MessageData, WebSocketEvent } from './events.js';
import { type Heartbeat, type HeartbeatPeer, heartbeatClock } from './heartbeat.js';
import { type IncomingMessage, messageIterator } from './message-iterator.js';
import { Outbox } from './outbox.js';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** What `send` did with the data (after uWebSockets): */
export type SendResult =
  /** Accepted; nothing much is waiting ahead of it. */
  | 'sent'
  /** Accepted, but waiting behind unwritten data: slow down until 'drain'. */
  | 'queued'
  /** Not sent: the connection is not open, or the buffer limit was reached. */
  | 'dropped';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'blob' | 'fragments';
const BINARY_TYPES: readonly string[] = ['nodebuffer', 'arraybuffer', 'blob', 'fragments'];
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView;

export interface ConnectionOptions {
  /** Largest incoming message in bytes; larger ones close with 1009. Default 100 MiB, as `ws`. */
  maxPayload?: number;
  /** Most frames an incoming message may be split into; more close with 1009. Default 262,144. */
  maxFragments?: number;
  /**
   * Most bytes that may wait to be written to a peer that does not read.
   * Past it, `onBufferLimit` decides. Default 64 MiB.
   */
  maxBufferedAmount?: number;
  /** 'close' (default) closes with 1008; 'drop' refuses the send and keeps the connection. */
  onBufferLimit?: 'close' | 'drop';
  /** How long to wait for the peer's part of the closing handshake before destroying the socket (ms). Default 30 s. */
  closeTimeout?: number;
}

/** Options resolved once and shared by every connection of a server: no per-connection copy. */
export interface ConnectionSettings {
  readonly role: Role;
  readonly maxPayload: number;
  readonly maxFragments: number;
  readonly maxBufferedAmount: number;
  readonly onBufferLimit: 'close' | 'drop';
  readonly closeTimeout: number;
  /** Masking keys for a client's frames; undefined for a server. */
  readonly mask: MaskKeySource | undefined;
  /** Watches the connections for half-open peers (one for a whole server). */
  readonly heartbeat?: Heartbeat;
  /** A set that lists the connections while they are open, such as a server's `clients`. */
  readonly tracker?: Set<WebSocketConnection>;
}

export function resolveSettings(role: Role, options: ConnectionOptions, mask?: MaskKeySource): ConnectionSettings {
  return {
    role,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    maxFragments: options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
    maxBufferedAmount: options.maxBufferedAmount ?? 64 * 1024 * 1024,
    onBufferLimit: options.onBufferLimit ?? 'close',
    closeTimeout: options.closeTimeout ?? 30_000,
    mask,
  };
}

const kConnection = Symbol('switchboard.connection');
type AttachedSocket = Socket & { [kConnection]: WebSocketConnection };

/** EventEmitter's own listener type. */
type Listener = Parameters<EventEmitter['on']>[1];
type EventName = 'open' | 'message' | 'close' | 'error';

/**
 * One WebSocket connection over a socket that finished the opening handshake:
 * the same class on both sides, server and client. It drives the sans-I/O core
 * (parser, encoder, closing handshake) with the socket's bytes.
 *
 * Events, Node style: 'open', 'message' (data: Buffer, isBinary), 'ping',
 * 'pong', 'drain', 'close' (code, reason, wasClean), 'error' (error). The
 * WHATWG style works too: `onmessage`, `addEventListener('message', …)`.
 */
export class WebSocketConnection extends EventEmitter implements HeartbeatPeer, AsyncIterable<IncomingMessage> {
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

  readyState: number = CONNECTING;
  /** The subprotocol agreed in the handshake, or ''. */
  protocol = '';
  /** The extensions agreed in the handshake, as a header value, or ''. */
  extensions = '';
  /** How binary messages reach WHATWG-style listeners. Node-style listeners always get a Buffer. */
  get binaryType(): BinaryType {
    return this.binaryKind;
  }
  /** As in browsers, a value that is not one of the known types is ignored. */
  set binaryType(value: BinaryType) {
    if (BINARY_TYPES.includes(value)) this.binaryKind = value;
  }
  private binaryKind: BinaryType = 'nodebuffer';

  /** `heartbeatClock()` time; small integers, so no number box per connection. */
  lastSeen = 0;
  pingSentAt = 0;

  protected socket: AttachedSocket | undefined;
  protected settings: ConnectionSettings | undefined;
  private parser: FrameParser | undefined;
  // Made on first use: an idle connection never needs them (most of a server's connections, most of the time).
  private closeState: CloseHandshake | undefined;
  private pendingFrames: Outbox | undefined;
  private get closing(): CloseHandshake {
    return (this.closeState ??= new CloseHandshake());
  }
  private get outbox(): Outbox {
    return (this.pendingFrames ??= new Outbox());
  }
  private closeTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private flushScheduled = false;
  private needDrain = false;
  private paused = false;
  private failed = false;
  private handlers: Partial<Record<EventName, Listener>> | undefined;

  constructor() {
    super();
    // EventEmitter starts every instance with a dictionary-mode listener store
    // (184 B); a fast object with slots for the usual events takes 56 B. Node's
    // own streams do the same for their `_events`.
    (this as unknown as { _events: object })._events = listenerSlots();
  }

  /** The names of events that have listeners (the empty slots above are not events). */
  override eventNames(): (string | symbol)[] {
    return super.eventNames().filter((name) => this.listenerCount(name) > 0);
  }

  /** Bytes of frames sent but not yet handed to the kernel (ours and the socket's buffers). */
  get bufferedAmount(): number {
    return (this.pendingFrames?.bytes ?? 0) + (this.socket?.writableLength ?? 0);
  }

  get readingPaused(): boolean {
    return this.paused;
  }

  /** Starts the connection on a socket whose handshake is complete. Internal to the server and client. */
  attach(socket: Socket, head: Buffer, settings: ConnectionSettings): void {
    const attached = socket as AttachedSocket;
    attached[kConnection] = this;
    this.socket = attached;
    this.settings = settings;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    // Bytes that came with the handshake are the first frames; read them after 'open'.
    // Unshifted before the 'data' listener, they wait for the stream to resume on the
    // next tick: once a listener is there, a flowing socket would deliver them at once,
    // while the connection still counts as connecting, and they would be dropped.
    if (head.length > 0) socket.unshift(head);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
    socket.on('drain', onSocketDrain);
    // A pause() made while connecting holds once the socket is there.
    if (this.paused) socket.pause();
    this.readyState = OPEN;
    this.lastSeen = heartbeatClock();
    settings.heartbeat?.add(this);
    settings.tracker?.add(this);
  }

  // ---- Sending ----

  /**
   * Sends a message: text for a string, binary for bytes (unless `binary:
   * false`). Returns what happened to it; `callback` runs once it is written.
   */
  send(data: SendData, options?: { binary?: boolean } | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): SendResult {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (this.readyState === CONNECTING) {
      throw new DOMException('WebSocket is not open: readyState 0 (CONNECTING)', 'InvalidStateError');
    }
    let payload: Uint8Array;
    let binary: boolean;
    if (typeof data === 'string') {
      payload = Buffer.from(data);
      binary = options?.binary ?? false;
    } else {
      payload = toBytes(data);
      binary = options?.binary ?? true;
    }
    return this.queue(payload, binary ? Opcode.Binary : Opcode.Text, callback);
  }

  /** Sends a ping (§5.5.2); the peer answers with a pong carrying the same bytes. */
  ping(data: SendData = EMPTY, callback?: (error?: Error | null) => void): SendResult {
    return this.sendControl(Opcode.Ping, data, callback);
  }

  /** Sends an unsolicited pong (§5.5.3), e.g. as a one-way heartbeat. */
  pong(data: SendData = EMPTY, callback?: (error?: Error | null) => void): SendResult {
    return this.sendControl(Opcode.Pong, data, callback);
  }

  private sendControl(opcode: number, data: SendData, callback?: (error?: Error | null) => void): SendResult {
    if (this.readyState === CONNECTING) {
      throw new DOMException('WebSocket is not open: readyState 0 (CONNECTING)', 'InvalidStateError');
    }
    const payload = typeof data === 'string' ? Buffer.from(data) : toBytes(data);
    if (payload.length > 125) throw new RangeError('A control frame carries at most 125 bytes');
    return this.queue(payload, opcode, callback);
  }

  /** Pauses reading from the peer (TCP backpressure reaches it); the heartbeat spares a paused connection. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }

  private queue(payload: Uint8Array, opcode: number, callback?: (error?: Error | null) => void): SendResult {
    const socket = this.socket;
    const settings = this.settings;
    if (this.readyState !== OPEN || !socket || !settings) {
      callback?.(new Error('WebSocket is not open'));
      return 'dropped';
    }
    return this.queueFrames(encodeFrame(payload, { opcode, mask: settings.mask }), socket, settings, callback);
  }

  /**
   * Sends a frame encoded beforehand with `encodeSharedFrame`: the same bytes
   * can go to any number of server-side connections (a broadcast encodes once).
   * Subject to the same buffer limit and result as `send`. Server side only,
   * since a client's frames must each be masked with a fresh key.
   */
  sendFrame(frame: Uint8Array, callback?: (error?: Error | null) => void): SendResult {
    const socket = this.socket;
    const settings = this.settings;
    if (this.readyState !== OPEN || !socket || !settings) {
      callback?.(new Error('WebSocket is not open'));
      return 'dropped';
    }
    if (settings.mask) throw new TypeError('sendFrame is for server-side connections: client frames must be masked');
    return this.queueFrames([frame], socket, settings, callback);
  }

  private queueFrames(
    frames: Uint8Array[],
    socket: Socket,
    settings: ConnectionSettings,
    callback?: (error?: Error | null) => void,
  ): SendResult {
    let size = 0;
    for (const frame of frames) size += frame.length;
    if (this.bufferedAmount + size > settings.maxBufferedAmount) {
      callback?.(new Error('Send buffer limit reached'));
      if (settings.onBufferLimit === 'close') this.close(CloseCode.PolicyViolation, 'Send buffer limit reached');
      return 'dropped';
    }
    this.outbox.push(frames, callback);
    this.scheduleFlush();
    if (this.bufferedAmount <= socket.writableHighWaterMark) return 'sent';
    this.needDrain = true;
    return 'queued';
  }

  private scheduleFlush(): void {
    // During a read, the flush at its end takes everything: one write answers a whole read.
    if (this.reading || this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(flushConnection, this);
  }

  /** @internal */
  flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    const outbox = this.pendingFrames;
    if (!socket || !outbox || outbox.empty || socket.destroyed) return;
    // Flushed once, then dropped (see Outbox.flush).
    this.pendingFrames = undefined;
    // A socket that takes it all without asking to wait (the kernel took the bytes at
    // once) emits no 'drain' of its own, yet a sender told 'queued' waits for ours.
    if (outbox.flush(socket) && this.needDrain) process.nextTick(drainConnection, this);
  }

  /** @internal Emits 'drain' once what waits is back under the socket's high-water mark, as 'sent' means. */
  onDrain(): void {
    const socket = this.socket;
    if (this.needDrain && (this.pendingFrames?.empty ?? true) && socket && socket.writableLength <= socket.writableHighWaterMark) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  // ---- Receiving ----

  /** @internal */
  receive(chunk: Buffer): void {
    this.lastSeen = heartbeatClock();
    this.reading = true;
    try {
      (this.parser ??= this.createParser()).push(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.fail(error);
    } finally {
      this.reading = false;
      // Between messages a parser holds nothing a new one would not have: let it go, so
      // the many connections that are quiet most of the time keep no parser.
      if (this.parser?.atRest) this.parser = undefined;
      this.flush();
    }
  }

  private createParser(): FrameParser {
    const settings = this.settings!;
    return new FrameParser({
      role: settings.role,
      maxPayload: settings.maxPayload,
      maxFragments: settings.maxFragments,
      onEvent: onParserEvent,
      receiver: this,
    });
  }

  /** @internal */
  onFrameEvent(event: ParserEvent): void {
    try {
      switch (event.type) {
        case 'message':
          if (this.readyState === OPEN) this.emit('message', event.data, event.binary);
          break;
        case 'ping':
          // §5.5.2: answer a ping with a pong carrying the same application data.
          if (this.readyState === OPEN) this.queue(event.data, Opcode.Pong);
          this.emit('ping', event.data);
          break;
        case 'pong':
          this.emit('pong', event.data);
          break;
        case 'close':
          this.onCloseFrame(event.code, event.reason);
          break;
      }
    } catch (error) {
      // An exception from an application listener must not leave the parser
      // half-way through a chunk: rethrow it on its own, as an uncaught error.
      process.nextTick(rethrow, error);
    }
  }

  // ---- Closing ----

  /**
   * Starts the closing handshake (§7.1.2). Without arguments the close frame
   * carries no code (the peer sees 1005). Throws for codes that may not be sent.
   */
  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED) return;
    const payload = this.closing.close(code, reason);
    if (payload === undefined) return;
    this.readyState = CLOSING;
    this.queueCloseFrame(payload);
    this.afterCloseFrames();
  }

  /** Destroys the socket at once, with no closing handshake. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this.socket?.destroy();
  }

  private onCloseFrame(code: number, reason: string): void {
    const echo = this.closing.receive(code, reason);
    this.readyState = CLOSING;
    if (echo !== undefined) this.queueCloseFrame(echo);
    this.afterCloseFrames();
  }

  /** §7.1.7: fail the connection with the parser's close code. */
  private fail(error: ProtocolError): void {
    // The parser repeats its error for any later chunk; fail once.
    if (this.failed) return;
    this.failed = true;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    const reason = error.message.length <= 123 ? error.message : '';
    const payload = this.closing.close(error.closeCode, reason);
    this.readyState = CLOSING;
    if (payload !== undefined) this.queueCloseFrame(payload);
    this.flush();
    // Nothing more will be read from a peer that broke the protocol.
    this.socket?.end();
    this.armCloseTimer();
  }

  private queueCloseFrame(payload: Buffer): void {
    const socket = this.socket;
    const settings = this.settings;
    if (!socket || !settings) return;
    this.outbox.push(encodeFrame(payload, { opcode: Opcode.Close, mask: settings.mask }));
    this.scheduleFlush();
  }

  /**
   * §7.1.1: once both close frames are exchanged, the server closes the TCP
   * connection first; a client gives it `closeTimeout` to do so. Until then,
   * `closeTimeout` also bounds the wait for the peer's close frame.
   */
  private afterCloseFrames(): void {
    if (this.closing.state === 'closed' && this.settings?.role === 'server') {
      this.flush();
      this.socket?.end();
    }
    this.armCloseTimer();
  }

  private armCloseTimer(): void {
    if (this.closeTimer || !this.socket) return;
    this.closeTimer = setTimeout(destroySocket, this.settings?.closeTimeout ?? 30_000, this.socket);
    this.closeTimer.unref();
  }

  /**
   * @internal The peer closed its half of TCP: nothing more will arrive (§7.1.5:
   * without a close frame, the code is 1006). An http.Server's sockets allow
   * half-open connections, so end ours too, after what is queued; otherwise the
   * socket would linger in CLOSE_WAIT until the heartbeat, or forever without one.
   */
  onSocketEnd(): void {
    if (this.readyState === OPEN) this.readyState = CLOSING;
    this.flush();
    this.socket?.end();
    // A peer that stopped reading never takes our unwritten bytes: bound the wait.
    this.armCloseTimer();
  }

  /** @internal */
  onSocketClose(): void {
    this.readyState = CLOSED;
    clearTimeout(this.closeTimer);
    this.settings?.heartbeat?.delete(this);
    this.settings?.tracker?.delete(this);
    this.pendingFrames?.discard(new Error('WebSocket closed before the data was written'));
    const { code, reason, wasClean } = this.closing.outcome();
    this.emit('close', code, reason, wasClean);
  }

  /** @internal */
  onSocketError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.socket?.destroy();
  }

  /** @internal */
  sendHeartbeatPing(): void {
    if (this.readyState === OPEN) this.queue(EMPTY, Opcode.Ping);
  }

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

  addEventListener(type: string, listener: (event: never) => void, options?: { once?: boolean }): void {
    const wrapped = this.wrapListener(type, listener);
    if (!wrapped) return;
    if (options?.once) this.once(type, wrapped);
    else this.on(type, wrapped);
  }

  removeEventListener(type: string, listener: (event: never) => void): void {
    for (const candidate of this.listeners(type)) {
      if ((candidate as WrappedListener)[kOriginal] === listener) {
        this.off(type, candidate as Listener);
        return;
      }
    }
  }

  get onopen(): Listener | null {
    return this.handlers?.open ?? null;
  }
  set onopen(listener: Listener | null) {
    this.setHandler('open', listener);
  }
  get onmessage(): Listener | null {
    return this.handlers?.message ?? null;
  }
  set onmessage(listener: Listener | null) {
    this.setHandler('message', listener);
  }
  get onclose(): Listener | null {
    return this.handlers?.close ?? null;
  }
  set onclose(listener: Listener | null) {
    this.setHandler('close', listener);
  }
  get onerror(): Listener | null {
    return this.handlers?.error ?? null;
  }
  set onerror(listener: Listener | null) {
    this.setHandler('error', listener);
  }

  private setHandler(type: EventName, listener: Listener | null): void {
    const previous = this.handlers?.[type];
    if (previous) this.removeEventListener(type, previous);
    if (typeof listener !== 'function') {
      if (this.handlers) delete this.handlers[type];
      return;
    }
    (this.handlers ??= {})[type] = listener;
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
          call.call(this, new MessageEvent(this, isBinary ? convertBinary(data, this.binaryType) : data.toString('utf8')));
        break;
      case 'close':
        wrapped = (code: number, reason: string, wasClean: boolean) =>
          call.call(this, new CloseEvent(this, code, reason, wasClean));
        break;
      case 'error':
        wrapped = (error: Error) => call.call(this, new ErrorEvent(this, error));
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

const EMPTY = Buffer.alloc(0);

// The prototype of the listener store: no inherited keys, so `emit('toString')`
// finds no listener, yet its instances keep fast (in-object) properties.
const NO_INHERITED_KEYS: object = Object.create(null);
function listenerSlots(): Record<EventName, undefined> {
  const slots = Object.create(NO_INHERITED_KEYS) as Record<EventName, undefined>;
  slots.message = undefined;
  slots.close = undefined;
  slots.error = undefined;
  slots.open = undefined;
  return slots;
}

// Socket listeners shared by every connection: `this` is the socket, which
// points back to its connection, so no closure is made per connection.
function onSocketData(this: AttachedSocket, chunk: Buffer): void {
  this[kConnection].receive(chunk);
}
function onSocketEnd(this: AttachedSocket): void {
  this[kConnection].onSocketEnd();
}
function onSocketClose(this: AttachedSocket): void {
  this[kConnection].onSocketClose();
}
function onSocketError(this: AttachedSocket, error: Error): void {
  this[kConnection].onSocketError(error);
}
function onSocketDrain(this: AttachedSocket): void {
  this[kConnection].onDrain();
}
function onParserEvent(this: WebSocketConnection, event: ParserEvent): void {
  this.onFrameEvent(event);
}
function flushConnection(connection: WebSocketConnection): void {
  connection.flush();
}
function drainConnection(connection: WebSocketConnection): void {
  connection.onDrain();
}
function destroySocket(socket: Socket): void {
  socket.destroy();
}
function rethrow(error: unknown): never {
  throw error;
}

function toBytes(data: Buffer | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('send() takes a string, a Buffer, an ArrayBuffer or a typed array');
}

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
