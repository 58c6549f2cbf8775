import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CloseCode, type EndpointEvent, Opcode, WebSocketProtocol, type WriteCallback } from '../protocol/websocket/index.js';
import type { ConnectionSettings } from './connection-settings.js';
import {
  type HeartbeatPeer,
  giveUp,
  heartbeatClock,
  lastSeen,
  messageInProgress,
  messageTimedOut,
  pingSentAt,
  sendPing,
  writeBacklog,
} from './heartbeat.js';
import { listenerSlots } from './listener-slots.js';
import { MessageRate } from './message-rate.js';
import { ReadTurns } from './read-turns.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, type ReadyState, type SendResult } from './ready-state.js';
import { writeOutgoing } from './socket-writer.js';

// Flags of a connection, in one small integer rather than a field each.
const READING = 1; // inside a read: its end flushes everything at once
const FLUSH_SCHEDULED = 2;
const NEED_DRAIN = 4; // a sender was told 'queued' and waits for 'drain'
const PAUSED = 8;

/** How long a connection failed for a local limit gets for its close frame to leave (ms). */
const FAIL_GRACE = 1000;

const kSocket = Symbol('switchboard.socket');
type AttachedSocket = Socket & { [kSocket]: SocketAdapter };

// Functions defined in the class's static block, where they may reach its private
// members: listeners shared by every connection, and the server's and client's way in.
type SocketListener = (this: AttachedSocket) => void;
let onSocketData: (this: AttachedSocket, chunk: Buffer) => void;
let onSocketEnd: SocketListener;
let onSocketClose: SocketListener;
let onSocketError: (this: AttachedSocket, error: Error) => void;
let onSocketDrain: SocketListener;
let onEndpointEvent: (this: SocketAdapter, event: EndpointEvent) => void;
let flushConnection: (connection: SocketAdapter) => void;
let resumeDeferred: (connection: SocketAdapter, rest: Buffer) => void;
let drainConnection: (connection: SocketAdapter) => void;

// The adapter's operations, for the faces built on it (and the server and client that start it).
/** Starts a connection on a socket whose opening handshake is complete. */
export let attachSocket: (connection: SocketAdapter, socket: Socket, head: Buffer, settings: ConnectionSettings) => void;
/** Queues a frame of `size` bytes that `produce` has the endpoint encode, within the buffer limit. */
export let enqueue: (
  connection: SocketAdapter,
  size: number,
  callback: WriteCallback | undefined,
  produce: (core: WebSocketProtocol<SocketAdapter>) => void,
) => SendResult;
/** Pauses reading from the peer, so TCP pushes back on it; `resumeReading` undoes it. */
export let pauseReading: (connection: SocketAdapter) => void;
export let resumeReading: (connection: SocketAdapter) => void;
/** Starts the closing handshake (§7.1.2); throws for a code that may not be sent. */
export let startClose: (connection: SocketAdapter, code?: number, reason?: string) => void;
/** Destroys the socket at once, with no closing handshake. */
export let terminateSocket: (connection: SocketAdapter) => void;

/**
 * The adapter between a TCP (or TLS) socket and the sans-I/O endpoint
 * (`WebSocketProtocol`): it feeds the socket's bytes to the endpoint, writes
 * what the endpoint produces, turns the endpoint's signals into socket calls
 * (end, destroy, a timer bounding the closing handshake), and keeps the send
 * buffer bounded. It is also the Node-style face: an EventEmitter with
 * 'message' (data, isBinary), 'ping', 'pong', 'drain', 'close' (code, reason,
 * wasClean) and 'error'.
 *
 * The endpoint lives only while it holds something (a message half read, a
 * close begun, frames not yet written): the many connections of a server that
 * are quiet most of the time keep none.
 */
export class SocketAdapter extends EventEmitter implements HeartbeatPeer {
  /** The subprotocol agreed in the handshake, or ''. */
  protocol = '';
  /** The extensions agreed in the handshake, as a header value, or ''. */
  extensions = '';

  /** @internal `heartbeatClock()` time; small integers, so no number box per connection. */
  [lastSeen] = 0;
  /** @internal */
  [pingSentAt] = 0;

  #state: ReadyState = CONNECTING;
  #flags = 0;
  #socket: AttachedSocket | undefined;
  #settings: ConnectionSettings | undefined;
  #core: WebSocketProtocol<SocketAdapter> | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Pongs answered while the socket was not taking our bytes. */
  #unsentPongs = 0;

  constructor() {
    super();
    (this as unknown as { _events: object })._events = listenerSlots();
  }

  /** The names of events that have listeners (the empty slots above are not events). */
  override eventNames(): (string | symbol)[] {
    return super.eventNames().filter((name) => this.listenerCount(name) > 0);
  }

  get readyState(): ReadyState {
    return this.#state;
  }

  /** @internal For the client's handshake, which ends before any socket is attached. */
  protected setReadyState(state: ReadyState): void {
    this.#state = state;
  }

  /** Bytes of frames sent but not yet handed to the kernel (the endpoint's and the socket's). */
  get bufferedAmount(): number {
    return (this.#core?.bufferedBytes ?? 0) + (this.#socket?.writableLength ?? 0);
  }

  /** @internal Whether this end masks its frames (a client, §5.3). */
  protected get masksFrames(): boolean {
    return this.#settings?.mask !== undefined;
  }

  /** True while `pause()` holds reading. */
  get readingPaused(): boolean {
    return (this.#flags & PAUSED) !== 0;
  }

  #attach(socket: Socket, head: Buffer, settings: ConnectionSettings): void {
    const attached = socket as AttachedSocket;
    attached[kSocket] = this;
    this.#socket = attached;
    this.#settings = settings;
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
    if (this.readingPaused) socket.pause();
    this.#state = OPEN;
    this[lastSeen] = heartbeatClock();
    settings.heartbeat?.add(this);
    settings.tracker?.add(this);
  }

  // ---- Sending: the send queue and its limit ----

  /**
   * Queues what `produce` makes the endpoint encode (a frame of `size` bytes),
   * subject to the buffer limit, and says what became of it.
   */
  #enqueue(size: number, callback: WriteCallback | undefined, produce: (core: WebSocketProtocol<SocketAdapter>) => void): SendResult {
    if (!this.#roomFor(size, callback)) return 'dropped';
    produce(this.#endpoint());
    return this.#queued();
  }

  /** Whether a frame of `size` bytes may be queued now; if not, says why to the sender and applies the buffer policy. */
  #roomFor(size: number, callback?: WriteCallback): boolean {
    const settings = this.#settings;
    if (this.#state !== OPEN || !settings || this.#core?.state === 'closing' || this.#core?.failed) {
      callback?.(new Error('WebSocket is not open'));
      return false;
    }
    if (this.bufferedAmount + size > settings.maxBufferedAmount) {
      callback?.(new Error('Send buffer limit reached'));
      if (settings.onBufferLimit === 'close') this.#failLocally(CloseCode.PolicyViolation, 'Send buffer limit reached');
      return false;
    }
    return true;
  }

  #queued(): SendResult {
    this.#scheduleFlush();
    if (this.bufferedAmount <= this.#socket!.writableHighWaterMark) return 'sent';
    this.#flags |= NEED_DRAIN;
    return 'queued';
  }

  #pause(): void {
    if (this.readingPaused) return;
    this.#flags |= PAUSED;
    this.#socket?.pause();
  }

  #resume(): void {
    if (!this.readingPaused) return;
    this.#flags &= ~PAUSED;
    // A read deferred while paused goes first; the socket resumes after it.
    if (!turns.release(this)) this.#socket?.resume();
  }

  #endpoint(): WebSocketProtocol<SocketAdapter> {
    return (this.#core ??= new WebSocketProtocol<SocketAdapter>(this.#settings!, onEndpointEvent, this));
  }

  #scheduleFlush(): void {
    // During a read, the flush at its end takes everything: one write answers a whole read.
    if ((this.#flags & (READING | FLUSH_SCHEDULED)) !== 0) return;
    this.#flags |= FLUSH_SCHEDULED;
    process.nextTick(flushConnection, this);
  }

  /** Writes what the endpoint has produced, then lets a quiet endpoint go. */
  #flush(): void {
    this.#flags &= ~FLUSH_SCHEDULED;
    const core = this.#core;
    const socket = this.#socket;
    if (!core || !socket || socket.destroyed) return;
    const outgoing = core.takeOutgoing();
    if (core.atRest) this.#core = undefined;
    if (!outgoing) return;
    // A socket that takes it all without asking to wait (the kernel took the bytes at
    // once) emits no 'drain' of its own, yet a sender told 'queued' waits for ours.
    if (writeOutgoing(socket, outgoing) && (this.#flags & NEED_DRAIN) !== 0) process.nextTick(drainConnection, this);
  }

  /** Emits 'drain' once what waits is back under the socket's high-water mark, as 'sent' means. */
  #onDrain(): void {
    const socket = this.#socket;
    if (!socket || socket.writableLength > socket.writableHighWaterMark) return;
    this.#unsentPongs = 0;
    if ((this.#flags & NEED_DRAIN) !== 0 && (this.#core?.bufferedBytes ?? 0) === 0) {
      this.#flags &= ~NEED_DRAIN;
      this.emit('drain');
    }
  }

  // ---- Receiving ----

  #receive(chunk: Buffer): void {
    this[lastSeen] = heartbeatClock();
    const settings = this.#settings!;
    const used = turns.framesUsed(this);
    const budget = settings.framesPerTurn - used;
    if (budget <= 0) return this.#defer(chunk);
    this.#flags |= READING;
    const core = this.#endpoint();
    let read = chunk.length;
    try {
      read = core.receive(chunk, budget);
    } finally {
      this.#flags &= ~READING;
      this.#afterEndpoint(core, true);
    }
    turns.record(this, used + core.framesRead);
    if (read < chunk.length) this.#defer(chunk.subarray(read));
  }

  /**
   * Leaves the rest of a read for a later turn of the event loop: reading pauses
   * (so TCP pushes back) and resumes once every other peer had its turn.
   */
  #defer(rest: Buffer): void {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    socket.pause();
    turns.defer(this, rest);
  }

  #resumeDeferred(rest: Buffer): void {
    if (this.#state === CLOSED) return;
    // The application paused reading meanwhile: the rest waits for its resume().
    if (this.readingPaused) return turns.hold(this, rest);
    this.#receive(rest);
    if (!turns.isDeferred(this)) this.#socket?.resume();
  }

  #onEndpointEvent(event: EndpointEvent): void {
    try {
      switch (event.type) {
        case 'message':
          if (this.#state !== OPEN) return;
          if (this.#settings!.maxMessagesPerSecond !== Infinity && !this.#withinRate()) return;
          this.emit('message', event.data, event.binary);
          return;
        case 'ping':
          this.#countPong();
          this.emit('ping', event.data);
          return;
        case 'pong':
          this.emit('pong', event.data);
          return;
        case 'close':
          return;
        case 'error':
          if (this.listenerCount('error') > 0) this.emit('error', event.error);
          return;
      }
    } catch (error) {
      // An exception from an application listener must not leave the parser
      // half-way through a chunk: rethrow it on its own, as an uncaught error.
      process.nextTick(rethrow, error);
    }
  }

  /** Counts the message against `maxMessagesPerSecond`; past it, fails the connection with 1008. */
  #withinRate(): boolean {
    if (messageRates.allow(this, this.#settings!.maxMessagesPerSecond, heartbeatClock())) return true;
    this.#failLocally(CloseCode.PolicyViolation, 'Message rate limit exceeded');
    return false;
  }

  /** A peer that floods pings and never reads its pongs would make us buffer pongs without end. */
  #countPong(): void {
    const socket = this.#socket;
    if (!socket || socket.writableLength === 0) return;
    if (++this.#unsentPongs > this.#settings!.maxUnsentPongs) {
      this.#failLocally(CloseCode.PolicyViolation, 'Too many pongs owed to a peer that does not read');
    }
  }

  /** Turns the endpoint's state into socket calls after it was driven (a read, a close). */
  #afterEndpoint(core: WebSocketProtocol<SocketAdapter>, flushNow: boolean): void {
    if (core.state !== 'open' || core.failed) {
      if (this.#state === OPEN) this.#state = CLOSING;
      if (core.closeTransport) {
        // §7.1.1 / §7.1.7: the server closes TCP first, and a failed connection is over.
        this.#flush();
        this.#socket?.end();
      }
      this.#armCloseTimer(this.#settings?.closeTimeout ?? 30_000);
    }
    if (flushNow) this.#flush();
    else this.#scheduleFlush();
  }

  // ---- Closing ----

  #close(code?: number, reason?: string): void {
    if (this.#state === CLOSED || !this.#settings) return;
    const core = this.#endpoint();
    if (!core.close(code, reason)) return;
    this.#afterEndpoint(core, false);
  }

  #terminate(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#socket?.destroy();
  }

  /**
   * Fails the connection for a local limit (§7.1.7): a close frame if one can
   * still go, nothing more read, and the socket destroyed soon rather than after
   * a closing handshake the peer, which is not reading, would never complete.
   */
  #failLocally(code: number, reason: string): void {
    const core = this.#endpoint();
    if (core.failed) return;
    core.fail(code, reason);
    this.#socket?.pause();
    this.#afterEndpoint(core, true);
    this.#armCloseTimer(Math.min(FAIL_GRACE, this.#settings?.closeTimeout ?? FAIL_GRACE), true);
  }

  #armCloseTimer(delay: number, replace = false): void {
    if (!this.#socket || (this.#closeTimer && !replace)) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = setTimeout(destroySocket, delay, this.#socket);
    this.#closeTimer.unref();
  }

  /**
   * The peer closed its half of TCP: nothing more will arrive (§7.1.5: without a
   * close frame, the code is 1006). An http.Server's sockets allow half-open
   * connections, so end ours too, after what is queued; otherwise the socket
   * would linger in CLOSE_WAIT until the heartbeat, or forever without one.
   */
  #onSocketEnd(): void {
    if (this.#state === OPEN) this.#state = CLOSING;
    this.#flush();
    this.#socket?.end();
    // A peer that stopped reading never takes our unwritten bytes: bound the wait.
    this.#armCloseTimer(this.#settings?.closeTimeout ?? 30_000);
  }

  #onSocketClose(): void {
    this.#state = CLOSED;
    clearTimeout(this.#closeTimer);
    const settings = this.#settings;
    settings?.heartbeat?.delete(this);
    settings?.tracker?.delete(this);
    turns.forget(this);
    messageRates.forget(this);
    const core = this.#core;
    core?.takeOutgoing()?.settle(new Error('WebSocket closed before the data was written'));
    const { code, reason, wasClean } = core?.outcome() ?? ABNORMAL;
    this.#core = undefined;
    this.emit('close', code, reason, wasClean);
  }

  #onSocketError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.#socket?.destroy();
  }

  // ---- The heartbeat's view ----

  /** @internal */
  get [writeBacklog](): number {
    return this.bufferedAmount;
  }

  /** @internal */
  get [messageInProgress](): number {
    return this.#core?.messageInProgress ?? 0;
  }

  /** @internal */
  [messageTimedOut](): void {
    this.#failLocally(CloseCode.PolicyViolation, 'Message took too long to arrive');
  }

  /** @internal */
  [giveUp](): void {
    this.#terminate();
  }

  /** @internal */
  [sendPing](): void {
    if (this.#state === OPEN) this.#enqueue(PING_SIZE, undefined, sendEmptyPing);
  }

  static {
    // Listeners shared by every connection: `this` is the socket, which points back to
    // its connection, so no closure is made per connection (as `ws` does).
    onSocketData = function (this: AttachedSocket, chunk: Buffer) {
      this[kSocket].#receive(chunk);
    };
    onSocketEnd = function (this: AttachedSocket) {
      this[kSocket].#onSocketEnd();
    };
    onSocketClose = function (this: AttachedSocket) {
      this[kSocket].#onSocketClose();
    };
    onSocketError = function (this: AttachedSocket, error: Error) {
      this[kSocket].#onSocketError(error);
    };
    onSocketDrain = function (this: AttachedSocket) {
      this[kSocket].#onDrain();
    };
    resumeDeferred = (connection, rest) => connection.#resumeDeferred(rest);
    onEndpointEvent = function (this: SocketAdapter, event: EndpointEvent) {
      this.#onEndpointEvent(event);
    };
    attachSocket = (connection, socket, head, settings) => connection.#attach(socket, head, settings);
    enqueue = (connection, size, callback, produce) => connection.#enqueue(size, callback, produce);
    pauseReading = (connection) => connection.#pause();
    resumeReading = (connection) => connection.#resume();
    startClose = (connection, code, reason) => connection.#close(code, reason);
    terminateSocket = (connection) => connection.#terminate();
    flushConnection = (connection) => connection.#flush();
    drainConnection = (connection) => connection.#onDrain();
  }
}


const turns = new ReadTurns<SocketAdapter>((connection, rest) => resumeDeferred(connection, rest));
const messageRates = new MessageRate<SocketAdapter>();

const EMPTY = Buffer.alloc(0);
/** The heartbeat's empty ping: a 2-byte header, plus a masking key from a client. */
const PING_SIZE = 6;
function sendEmptyPing(core: WebSocketProtocol<SocketAdapter>): void {
  core.send(EMPTY, Opcode.Ping);
}
const ABNORMAL = { code: CloseCode.Abnormal, reason: '', wasClean: false } as const;

function destroySocket(socket: Socket): void {
  socket.destroy();
}
function rethrow(error: unknown): never {
  throw error;
}
