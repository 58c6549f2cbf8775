import {
  CloseCode,
  Opcode,
  type SendOpcode,
  type WebSocketProtocol,
  type WriteCallback,
  encodeClosePayload,
  frameHeaderSize,
} from '../protocol/websocket/index.js';
import type { Carrier, CarrierKind } from './carrier.js';
import type { ConnectionSettings } from './connection-settings.js';
import { isHttp2Carrier } from './http2-carrier.js';
import {
  type MessageInProgress,
  bytesTaken,
  giveUp,
  heartbeatClock,
  lastSeen,
  messageInProgress,
  messageTimedOut,
  pingSentAt,
  sendPing,
  writeBacklog,
} from './heartbeat.js';
import { LazyEventEmitter } from './lazy-event-emitter.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, type ReadyState, type SendResult } from './ready-state.js';
import {
  FLUSH_SCHEDULED,
  NEED_DRAIN,
  PAUSED,
  READING,
  afterEndpoint,
  attach,
  compressionOf,
  endpointOf,
  enqueue,
  enqueueFrame,
  failLocally,
  flagsOf,
  flushOutgoing,
  pauseReading,
  receive,
  resumeReading,
  settingsOf,
  socketClosed,
  socketDrained,
  socketEnded,
  socketFailed,
  socketOf,
  startClose,
  terminateSocket,
  turnUsage,
  unsentPongs,
} from './adapter-operations.js';
import { EndpointPool } from './endpoint-pool.js';
import { deliverEvent, forgetReader, readChunk, resumeAfterPause } from './socket-reading.js';
import { writeOutgoing } from './socket-writer.js';
import { flushSoon } from './flush-queue.js';
import { MessageCompression } from './message-compression.js';
import { countBackpressure, countPolicyClose, countWebSocketClosed, countWebSocketMessageOut, countWebSocketRead, countWebSocketWrite } from '../metrics/library-metrics.js';

/** How long a connection failed for a local limit gets for its close frame to leave (ms). */
const FAIL_GRACE = 1000;

const kSocket = Symbol('switchboard.socket');
type AttachedSocket = Carrier & { [kSocket]: SocketAdapter };

/**
 * The adapter between a TCP (or TLS) socket, or an HTTP/2 stream (RFC 8441,
 * carrier.ts), and the sans-I/O endpoint
 * (`WebSocketProtocol`): it feeds the socket's bytes to the endpoint, writes
 * what the endpoint produces, turns the endpoint's signals into socket calls
 * (end, destroy, a timer bounding the closing handshake), and keeps the send
 * buffer bounded. Its reading side is in socket-reading.ts. Its events,
 * 'message' (data, isBinary), 'ping', 'pong', 'drain', 'close' (code, reason,
 * wasClean) and 'error', go where the settings say (connection-events.ts):
 * emitted Node-style, or to a server's handlers. The methods an application
 * calls are the faces' (`SocketConnection`, `WebSocketConnection`,
 * `LeanWebSocket`), which reach it through the symbol-keyed operations of
 * adapter-operations.ts.
 *
 * The endpoint lives only while it holds something (a message half read, a
 * close begun, frames not yet written): the many connections of a server that
 * are quiet most of the time keep none.
 */
export class SocketAdapter extends LazyEventEmitter {
  /** The subprotocol agreed in the handshake, or ''. */
  get protocol(): string {
    return this.#rare?.protocol ?? '';
  }
  set protocol(value: string) {
    if (value !== '' || this.#rare) this.rareState().protocol = value;
  }
  /** The extensions agreed in the handshake, as a header value, or ''. */
  get extensions(): string {
    return this.#rare?.extensions ?? '';
  }
  set extensions(value: string) {
    if (value !== '' || this.#rare) this.rareState().extensions = value;
  }

  /** @internal `heartbeatClock()` time; small integers, so no number box per connection. */
  [lastSeen] = 0;
  /** @internal */
  [pingSentAt] = 0;

  /** @internal */
  [flagsOf] = 0;
  /** @internal */
  [socketOf]: AttachedSocket | undefined;
  /** @internal */
  [settingsOf]: ConnectionSettings | undefined;
  /** @internal Pongs answered while the socket was not taking our bytes. */
  [unsentPongs] = 0;
  /** @internal Frames read in this turn of the event loop (a stamp of read-turns.ts). */
  [turnUsage] = 0;
  /** @internal permessage-deflate, when agreed: the zlib streams and the queue that keeps sends in order. */
  [compressionOf]: MessageCompression | undefined;
  // A field of its own rather than two bits of the flags: read on every message, and
  // decoding it cost 1.5 % more instructions per echoed message (bench:instructions).
  #state: ReadyState = CONNECTING;
  #core: WebSocketProtocol<SocketAdapter> | undefined;
  /**
   * A frame encoded beforehand (`sendFrame`) sent while the connection had no
   * endpoint, the usual case in a broadcast to quiet connections: written as it
   * is at the flush, with no endpoint taken for it. Anything else that needs the
   * endpoint takes one and queues this frame first (`endpointOf`).
   */
  #lone: Uint8Array | undefined;
  /** What most connections never need, made on first use (a subprotocol, a closing handshake's timer). */
  #rare: RareState | undefined;

  // TS-private methods rather than #methods: a class with #methods stores a brand in every instance.
  private rareState(): RareState {
    return (this.#rare ??= { protocol: '', extensions: '', closeTimer: undefined });
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
    return this.framesWaiting() + (this[socketOf]?.writableLength ?? 0) + (this[compressionOf]?.pendingBytes ?? 0);
  }

  /** Bytes of frames made but not yet handed to the socket: the endpoint's batch, or the lone frame kept without one. */
  private framesWaiting(): number {
    return this.#core?.bufferedBytes ?? this.#lone?.length ?? 0;
  }

  /**
   * What the connection runs over: `'socket'` after an HTTP/1.1 upgrade, or
   * `'http2-stream'`, one stream of an HTTP/2 connection (RFC 8441). Nothing else differs.
   */
  get carrier(): CarrierKind {
    return isHttp2Carrier(this[socketOf]) ? 'http2-stream' : 'socket';
  }

  /** True while `pause()` holds reading. */
  get readingPaused(): boolean {
    return (this[flagsOf] & PAUSED) !== 0;
  }

  /** @internal */
  [attach](socket: Carrier, head: Buffer, settings: ConnectionSettings): void {
    const attached = socket as AttachedSocket;
    attached[kSocket] = this;
    this[socketOf] = attached;
    this[settingsOf] = settings;
    if (settings.deflate && settings.compression) {
      this[compressionOf] = new MessageCompression(this, settings.deflate, settings.role, settings.compression, settings.maxPayload);
    }
    // A socket's calls; an HTTP/2 stream has no setNoDelay (Nagle is its session socket's business).
    socket.setNoDelay?.(true);
    socket.setTimeout?.(0);
    // Bytes that came with the handshake are the first frames; read them after 'open'.
    // Unshifted before the 'data' listener, they wait for the stream to resume on the
    // next tick: once a listener is there, a flowing socket would deliver them at once,
    // while the connection still counts as connecting, and they would be dropped.
    if (head.length > 0) socket.unshift(head);
    socket.on('data', onSocketData);
    listenForEnd(socket);
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

  /** @internal Queues a message or control frame of the application's, within the buffer limit. */
  [enqueue](payload: Uint8Array, opcode: SendOpcode, callback?: WriteCallback, compress = true): SendResult {
    const settings = this[settingsOf];
    if (this.#state !== OPEN || settings === undefined) return notOpen(callback);
    // The frame's size, for the limit: a header, a client's masking key (§5.3), the payload.
    const size = frameHeaderSize(payload.length, settings.mask !== undefined) + payload.length;
    const buffered = this.bufferedAmount;
    if (buffered + size > settings.maxBufferedAmount) return this.overLimit(settings, callback);
    if (opcode < Opcode.Close) countWebSocketMessageOut(settings);
    const compression = this[compressionOf];
    if (compression && (compression.busy || compression.wants(payload, opcode, compress))) {
      compression.sendMessage(payload, opcode, compress, callback);
      return this.queued(buffered + size);
    }
    // The endpoint refuses once a close frame has gone out (§5.5.1).
    if (!this[endpointOf]().send(payload, opcode, callback)) return notOpen(callback);
    return this.queued(buffered + size);
  }

  /** @internal Queues a frame encoded beforehand (`encodeSharedFrame`), within the buffer limit. */
  [enqueueFrame](frame: Uint8Array, callback?: WriteCallback): SendResult {
    const settings = this[settingsOf];
    if (settings?.mask) throw new TypeError('sendFrame is for server-side connections: client frames must be masked');
    if (this.#state !== OPEN || settings === undefined) return notOpen(callback);
    const buffered = this.bufferedAmount;
    if (buffered + frame.length > settings.maxBufferedAmount) return this.overLimit(settings, callback);
    countWebSocketMessageOut(settings);
    const compression = this[compressionOf];
    if (compression?.takesFrame(frame)) {
      compression.sendFrame(frame, callback);
      return this.queued(buffered + frame.length);
    }
    if (this.#core === undefined && this.#lone === undefined && callback === undefined) this.#lone = frame;
    else if (!this[endpointOf]().sendFrame(frame, callback)) return notOpen(callback);
    return this.queued(buffered + frame.length);
  }

  /** Past `maxBufferedAmount`: the sender is told, and the connection fails or stays as `onBufferLimit` says. */
  private overLimit(settings: ConnectionSettings, callback: WriteCallback | undefined): SendResult {
    callback?.(new Error('Send buffer limit reached'));
    if (settings.role === 'server') countBackpressure('websocket', settings.onBufferLimit === 'close' ? 'closed' : 'dropped');
    if (settings.onBufferLimit === 'close') this[failLocally](CloseCode.PolicyViolation, 'Send buffer limit reached');
    return 'dropped';
  }

  /** A frame was queued; `buffered` is what now waits, that frame included. */
  private queued(buffered: number): SendResult {
    this.scheduleFlush();
    if (buffered <= this[socketOf]!.writableHighWaterMark) return 'sent';
    this[flagsOf] |= NEED_DRAIN;
    return 'queued';
  }

  /** @internal */
  [pauseReading](): void {
    if (this.readingPaused) return;
    this[flagsOf] |= PAUSED;
    this[socketOf]?.pause();
  }

  /** @internal */
  [resumeReading](): void {
    if (!this.readingPaused) return;
    this[flagsOf] &= ~PAUSED;
    resumeAfterPause(this);
  }

  /** @internal */
  [endpointOf](): WebSocketProtocol<SocketAdapter> {
    let core = this.#core;
    if (core === undefined) {
      core = this.#core = endpoints.take(this[settingsOf]!, this);
      const lone = this.#lone;
      this.#lone = undefined;
      // An endpoint at rest has sent no close frame: it takes the frame.
      if (lone !== undefined) core.sendFrame(lone);
    }
    return core;
  }

  private scheduleFlush(): void {
    // During a read, the flush at its end takes everything: one write answers a whole read.
    if ((this[flagsOf] & (READING | FLUSH_SCHEDULED)) !== 0) return;
    this[flagsOf] |= FLUSH_SCHEDULED;
    flushSoon(this);
  }

  /** @internal Writes what the endpoint has produced, then lets a quiet endpoint go. */
  [flushOutgoing](): void {
    this[flagsOf] &= ~FLUSH_SCHEDULED;
    const core = this.#core;
    const socket = this[socketOf];
    if (!socket || socket.destroyed) return;
    let taken: boolean;
    if (core === undefined) {
      const lone = this.#lone;
      if (lone === undefined) return;
      this.#lone = undefined;
      countWebSocketWrite(this[settingsOf]!, lone.length);
      taken = socket.write(lone);
    } else {
      const outgoing = core.takeOutgoing();
      if (core.atRest) {
        this.#core = undefined;
        endpoints.give(core);
      }
      if (!outgoing) return;
      countWebSocketWrite(this[settingsOf]!, outgoing.bytes);
      taken = writeOutgoing(socket, outgoing);
    }
    // A socket that takes it all without asking to wait (the kernel took the bytes at
    // once) emits no 'drain' of its own, yet a sender told 'queued' waits for ours.
    if (taken && (this[flagsOf] & NEED_DRAIN) !== 0) process.nextTick(drainConnection, this);
  }

  /** @internal Emits 'drain' once what waits is back under the socket's high-water mark, as 'sent' means. */
  [socketDrained](): void {
    const socket = this[socketOf];
    if (!socket || socket.writableLength > socket.writableHighWaterMark) return;
    this[unsentPongs] = 0;
    if ((this[flagsOf] & NEED_DRAIN) !== 0 && this.framesWaiting() === 0 && !this[compressionOf]?.busy) {
      this[flagsOf] &= ~NEED_DRAIN;
      this[settingsOf]!.events.drain(this);
    }
  }

  // ---- Receiving (socket-reading.ts) ----

  /** @internal */
  [receive](chunk: Buffer): void {
    readChunk(this, chunk);
  }

  /** @internal Turns the endpoint's state into socket calls after it was driven (a read, a close). */
  [afterEndpoint](flushNow: boolean): void {
    const core = this.#core;
    if (core && (core.state !== 'open' || core.failed)) {
      if (this.#state === OPEN) this.#state = CLOSING;
      if (core.closeTransport) {
        // §7.1.1 / §7.1.7: the server closes TCP first, and a failed connection is over.
        this[flushOutgoing]();
        this[socketOf]?.end();
      }
      this.armCloseTimer(this[settingsOf]?.closeTimeout ?? 30_000);
    }
    if (flushNow) this[flushOutgoing]();
    else this.scheduleFlush();
  }

  // ---- Closing ----

  /** @internal */
  [startClose](code?: number, reason?: string): void {
    if (this.#state === CLOSED || !this[settingsOf]) return;
    const compression = this[compressionOf];
    if (compression?.busy) {
      // After the messages still being compressed; a code or reason that may not be sent throws now.
      encodeClosePayload(code, reason);
      compression.close(code, reason);
      return;
    }
    const core = this[endpointOf]();
    if (!core.close(code, reason)) return;
    this[afterEndpoint](false);
  }

  /** @internal */
  [terminateSocket](): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSING;
    this[socketOf]?.destroy();
  }

  /**
   * Fails the connection for a local limit (§7.1.7): a close frame if one can
   * still go, nothing more read, and the socket destroyed soon rather than after
   * a closing handshake the peer, which is not reading, would never complete.
   * @internal
   */
  [failLocally](code: number, reason: string): void {
    const core = this[endpointOf]();
    if (core.failed) return;
    if (code === CloseCode.PolicyViolation) countPolicyClose(this[settingsOf]!, reason);
    core.fail(code, reason);
    this[socketOf]?.pause();
    this[afterEndpoint](true);
    this.armCloseTimer(Math.min(FAIL_GRACE, this[settingsOf]?.closeTimeout ?? FAIL_GRACE), true);
  }

  private armCloseTimer(delay: number, replace = false): void {
    if (!this[socketOf] || (this.#rare?.closeTimer && !replace)) return;
    const rare = this.rareState();
    clearTimeout(rare.closeTimer);
    rare.closeTimer = setTimeout(destroySocket, delay, this[socketOf]);
    rare.closeTimer.unref();
  }

  /**
   * The peer closed its half of TCP: nothing more will arrive (§7.1.5: without a
   * close frame, the code is 1006). An http.Server's sockets allow half-open
   * connections, so end ours too, after what is queued; otherwise the socket
   * would linger in CLOSE_WAIT until the heartbeat, or forever without one.
   * @internal
   */
  [socketEnded](): void {
    if (this.#state === OPEN) this.#state = CLOSING;
    this[flushOutgoing]();
    this[socketOf]?.end();
    // A peer that stopped reading never takes our unwritten bytes: bound the wait.
    this.armCloseTimer(this[settingsOf]?.closeTimeout ?? 30_000);
  }

  /** @internal */
  [socketClosed](): void {
    this.#state = CLOSED;
    clearTimeout(this.#rare?.closeTimer);
    const settings = this[settingsOf];
    settings?.heartbeat?.delete(this);
    settings?.tracker?.delete(this);
    forgetReader(this);
    this[compressionOf]?.dispose(new Error('WebSocket closed before the data was written'));
    const core = this.#core;
    core?.takeOutgoing()?.settle(new Error('WebSocket closed before the data was written'));
    const { code, reason, wasClean } = core?.outcome() ?? ABNORMAL;
    countWebSocketClosed(settings!, code);
    this.#core = undefined;
    this.#lone = undefined;
    settings!.events.close(this, code, reason, wasClean);
  }

  /** @internal */
  [socketFailed](error: Error): void {
    this[settingsOf]!.events.error(this, error);
    this[socketOf]?.destroy();
  }

  // ---- The heartbeat's view ----

  /** @internal */
  get [writeBacklog](): number {
    return this.bufferedAmount;
  }

  /** @internal `bytesWritten` counts what waits in the socket too: take that away. */
  get [bytesTaken](): number {
    const socket = this[socketOf];
    return socket ? (socket.bytesWritten ?? 0) - socket.writableLength : 0;
  }

  /** @internal */
  get [messageInProgress](): MessageInProgress | undefined {
    const core = this.#core;
    const number = core?.messageInProgress ?? 0;
    return number === 0 ? undefined : { reader: core!, number };
  }

  /** @internal */
  [messageTimedOut](): void {
    this[failLocally](CloseCode.PolicyViolation, 'Message took too long to arrive');
  }

  /** @internal */
  [giveUp](): void {
    this[terminateSocket]();
  }

  /** @internal */
  [sendPing](): void {
    if (this.#state === OPEN) this[enqueue](EMPTY, Opcode.Ping);
  }
}



interface RareState {
  protocol: string;
  extensions: string;
  closeTimer: NodeJS.Timeout | undefined;
}

const EMPTY = Buffer.alloc(0);

const endpoints = new EndpointPool<SocketAdapter>(deliverEvent);

const ABNORMAL = { code: CloseCode.Abnormal, reason: '', wasClean: false } as const;

// Listeners shared by every connection: `this` is the socket, which points back to its
// connection, so no closure is made per connection (as `ws` does).
function onSocketData(this: AttachedSocket, chunk: Buffer): void {
  countWebSocketRead(this[kSocket][settingsOf]!, chunk.length);
  this[kSocket][receive](chunk);
}
function onSocketEnd(this: AttachedSocket): void {
  this[kSocket][socketEnded]();
}
function onSocketClose(this: AttachedSocket): void {
  this[kSocket][socketClosed]();
}
function onSocketError(this: AttachedSocket, error: Error): void {
  this[kSocket][socketFailed](error);
}
function onSocketDrain(this: AttachedSocket): void {
  this[kSocket][socketDrained]();
}
/**
 * Node's sockets come with an 'end' listener of their own (net.js'
 * onReadableStreamEnd), which does nothing while `allowHalfOpen` is true, as on
 * an http.Server's sockets. A second listener would turn the event's slot into
 * an array, some 60 bytes a connection: ours takes its place instead.
 */
function listenForEnd(socket: Carrier): void {
  const [own, ...others] = socket.listeners('end');
  if ((socket as { allowHalfOpen?: boolean }).allowHalfOpen === true && others.length === 0 && own?.name === 'onReadableStreamEnd') {
    socket.removeListener('end', own as () => void);
  }
  socket.on('end', onSocketEnd);
}
function drainConnection(connection: SocketAdapter): void {
  connection[socketDrained]();
}
function notOpen(callback: WriteCallback | undefined): SendResult {
  callback?.(new Error('WebSocket is not open'));
  return 'dropped';
}
function destroySocket(socket: Carrier): void {
  socket.destroy();
}

