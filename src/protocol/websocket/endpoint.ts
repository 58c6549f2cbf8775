import { CloseHandshake, type CloseOutcome, type CloseState } from './close-handshake.js';
import { encodeFrame } from './frame-encoder.js';
import { FrameParser, type ParserEvent, type Role } from './frame-parser.js';
import type { MaskKeySource } from './mask-key.js';
import { type DataOpcode, Opcode } from './opcodes.js';
import { Outgoing, type WriteCallback } from './outgoing.js';
import { ProtocolError } from './protocol-error.js';
import { RSV1 } from './compressed-message.js';
import type { DeflateParameters } from './permessage-deflate.js';

/** What an endpoint needs to know; one object can serve every endpoint of a server. */
export interface EndpointSettings {
  readonly role: Role;
  /** Largest incoming message in bytes; larger fails with 1009. */
  readonly maxPayload: number;
  /** Most frames one incoming message may be split into; more fails with 1009. */
  readonly maxFragments: number;
  /** Fresh masking keys for a client's frames (§5.3); undefined for a server. */
  readonly mask: MaskKeySource | undefined;
  /**
   * The permessage-deflate parameters agreed in the handshake (RFC 7692), if
   * any: RSV1 then marks a compressed message. Inflating and deflating are the
   * carrier's job (zlib is asynchronous): a compressed message arrives as a
   * 'message' event with `rsv` 4 and still compressed, and `receive` stops
   * right after it so the carrier can inflate it before reading on.
   */
  readonly deflate?: DeflateParameters;
}

/** What `send` may carry: data and the control frames the application may send (`close` has its own method). */
export type SendOpcode = DataOpcode | typeof Opcode.Ping | typeof Opcode.Pong;

/**
 * What the endpoint hands its owner, in stream order. Pings are already answered
 * and close frames already echoed when these arrive; the events are for telling
 * the application.
 */
export type EndpointEvent =
  | ParserEvent
  /** The peer broke the protocol; the endpoint is failing the connection (§7.1.7) with `error.closeCode`. */
  | { type: 'error'; error: ProtocolError };

/** One function for every endpoint's parser (`this` is the endpoint): no closure each. */
let onParserEvent: (this: WebSocketProtocol, event: ParserEvent) => void;

/**
 * One end of a WebSocket connection, RFC 6455, without any I/O: bytes in
 * (`receive`), events and bytes out (`onEvent`, `takeOutgoing`), and the
 * application's `send`, `ping`, `pong`, `close` and `fail`. A carrier (a TCP
 * socket, an HTTP/2 stream, a test) moves bytes between the peer and this
 * object, and closes the transport when `closeTransport` says so.
 *
 * The rules it keeps:
 * - a ping is answered with a pong carrying the same data (§5.5.2), unless a
 *   close frame was sent or received;
 * - the peer's close frame is echoed with its status code (§5.5.1) unless ours
 *   went first, and nothing more is read after it;
 * - no data frame is sent after a close frame (§5.5.1);
 * - a protocol violation fails the connection (§7.1.7): a close frame with the
 *   violation's code, nothing more read, the transport closed;
 * - once both close frames have crossed, the server closes the TCP connection
 *   first (§7.1.1); a client waits for it (its carrier bounds the wait).
 *
 * Memory: an endpoint at rest (`atRest`) holds nothing a new one would not, so
 * a carrier with many quiet connections may let it go when bytes stop moving,
 * and take a spare one (`reuse`) when they move again. `onEvent` is called
 * with `this` set to `receiver`, so one function can serve every endpoint
 * without a closure each.
 */
export class WebSocketProtocol<Receiver = unknown> {
  #parser: FrameParser | undefined;
  /** Made when a close frame goes out (ours, or the echo of the peer's): until then the state is 'open'. */
  #handshake: CloseHandshake | undefined;
  #outgoing: Outgoing | undefined;
  #failure: ProtocolError | undefined;
  #framesRead = 0;
  readonly #onEvent: (this: Receiver, event: EndpointEvent) => void;
  #receiver: Receiver | undefined;

  constructor(
    readonly settings: EndpointSettings,
    onEvent: (this: Receiver, event: EndpointEvent) => void,
    receiver?: Receiver,
  ) {
    this.#onEvent = onEvent;
    this.#receiver = receiver;
  }

  /** 'open', 'closing' once a close frame went out, 'closed' once both have crossed. */
  get state(): CloseState {
    return this.#handshake?.state ?? 'open';
  }

  /** The connection failed (§7.1.7), by the peer's fault or by `fail`. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /**
   * The carrier should close the transport once the outgoing bytes are written:
   * after a failure (§7.1.7), or on a server once the closing handshake is done (§7.1.1).
   */
  get closeTransport(): boolean {
    return this.#failure !== undefined || (this.settings.role === 'server' && this.#handshake?.state === 'closed');
  }

  /** Nothing held: no message half read, no close begun, nothing waiting to go out. */
  get atRest(): boolean {
    return this.#handshake === undefined && this.#outgoing === undefined && (this.#parser === undefined || this.#parser.atRest);
  }

  /** Frames completed by the last `receive` (whole frames, control or data). */
  get framesRead(): number {
    return this.#framesRead;
  }

  /**
   * The data message being read (a number that changes with each message), or 0
   * between messages: lets a carrier bound how long one message may take.
   */
  get messageInProgress(): number {
    return this.#parser?.messageInProgress ?? 0;
  }

  /** Bytes produced and not taken by the carrier yet. */
  get bufferedBytes(): number {
    return this.#outgoing?.bytes ?? 0;
  }

  /** What the application is told once the transport is gone (§7.1.5, §7.1.6). */
  outcome(): CloseOutcome {
    return this.#handshake?.outcome() ?? { code: 1006, reason: '', wasClean: false };
  }

  // ---- Bytes in ----

  /**
   * Reads bytes from the peer, or only their first `maxFrames` frames, and
   * returns how many bytes were read: a carrier that bounds the work done per
   * peer feeds the rest later. Takes ownership of `chunk` (masked payloads are
   * unmasked in place). Bytes after a close frame or a failure count as read
   * and are ignored.
   */
  receive(chunk: Uint8Array, maxFrames = Infinity): number {
    this.#framesRead = 0;
    if (this.#failure) return chunk.length;
    let read: number;
    const parser = (this.#parser ??= new FrameParser({
      role: this.settings.role,
      maxPayload: this.settings.maxPayload,
      maxFragments: this.settings.maxFragments,
      // RFC 7692 §6: RSV1 on a data message's first frame, only once negotiated (else 1002).
      allowedRsv: this.settings.deflate ? RSV1 : 0,
      onEvent: onParserEvent,
      receiver: this,
    }));
    try {
      read = parser.push(chunk, maxFrames);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      // Failed already (by `fail` during this read): the rest of the bytes do not count.
      if (this.#failure) return chunk.length;
      this.#onEvent.call(this.#receiver as Receiver, { type: 'error', error });
      this.#failWith(error);
      return chunk.length;
    } finally {
      this.#framesRead = parser.framesRead;
    }
    return read;
  }

  /**
   * Hands an endpoint at rest to another connection with the same settings: it
   * goes on as a new one would, without the cost of making one (a carrier keeps
   * a few spare endpoints for its busy connections). Throws if not at rest.
   */
  reuse(receiver: Receiver): void {
    if (!this.atRest) throw new Error('Only an endpoint at rest can serve another connection');
    this.#receiver = receiver;
    this.#framesRead = 0;
  }

  /** The parser's events, answered where the RFC says so, then passed on. */
  #handleFrame(event: ParserEvent): void {
    // A failure from the application's side (`fail`) in the middle of a read ends it.
    if (this.#failure) return;
    switch (event.type) {
      case 'message':
        // Once a close frame has gone out, the application is told nothing more (WHATWG readyState CLOSING).
        if (this.#handshake !== undefined) return;
        // The carrier inflates it before anything after it is read, so events keep their order.
        if (event.rsv !== 0) this.#parser!.stop();
        break;
      case 'ping':
        // §5.5.2: a pong with the same application data.
        if (this.#handshake === undefined) this.#queue(encodeFrame(event.data, { opcode: Opcode.Pong, mask: this.settings.mask }));
        break;
      case 'close': {
        // §5.5.1: echo the status code, unless our close went first.
        const echo = (this.#handshake ??= new CloseHandshake()).receive(event.code, event.reason);
        if (echo !== undefined) this.#queueClose(echo);
        break;
      }
    }
    this.#onEvent.call(this.#receiver as Receiver, event);
  }

  // ---- Bytes out ----

  /**
   * Queues a data or control frame. Returns false, queuing nothing, once a close
   * frame has gone out or the connection failed (§5.5.1). `compressed` marks a
   * data message the carrier deflated (RSV1, RFC 7692 §6); it throws when
   * permessage-deflate was not agreed or for a control frame (§6.1).
   */
  send(payload: Uint8Array, opcode: SendOpcode, callback?: WriteCallback, compressed = false): boolean {
    if (compressed && (this.settings.deflate === undefined || (opcode & 0x8) !== 0)) {
      throw new TypeError('Only data messages are compressed, and only once permessage-deflate was agreed (RFC 7692 §6)');
    }
    if (this.#handshake !== undefined || this.#failure) return false;
    if (this.settings.mask === undefined && (opcode & 0x8) === 0) {
      // A server's data frame: kept as its payload, the header written when the batch is copied out.
      (this.#outgoing ??= new Outgoing()).pushFrame(0x80 | (compressed ? RSV1 << 4 : 0) | opcode, payload, callback);
      return true;
    }
    this.#queue(encodeFrame(payload, { opcode, mask: this.settings.mask, rsv: compressed ? RSV1 : 0 }), callback);
    return true;
  }

  /**
   * Queues a whole frame encoded beforehand (`encodeSharedFrame`), so a broadcast
   * encodes once for every recipient. Server side only: a client's frames each
   * need a fresh masking key.
   */
  sendFrame(frame: Uint8Array, callback?: WriteCallback): boolean {
    if (this.settings.mask) throw new TypeError('sendFrame is for server-side connections: client frames must be masked');
    if (this.#handshake !== undefined || this.#failure) return false;
    this.#queue([frame], callback);
    return true;
  }

  /**
   * Starts the closing handshake (§7.1.2). Without a code the close frame is
   * empty (the peer sees 1005). Returns false when a close frame went out
   * already. Throws, changing nothing, on a code or reason that may not be sent.
   */
  close(code?: number, reason?: string): boolean {
    const payload = this.#startClose(code, reason);
    if (payload === undefined) return false;
    this.#queueClose(payload);
    return true;
  }

  /**
   * Fails the connection on this side's initiative (§7.1.7), e.g. for a local
   * limit: a close frame with `code` if none went out yet, then nothing more
   * read, and the transport closed.
   */
  fail(code: number, reason: string): void {
    if (!this.#failure) this.#failWith(new ProtocolError(code, reason));
  }

  /** Everything produced since the last call, for the carrier to write in one go. */
  takeOutgoing(): Outgoing | undefined {
    const outgoing = this.#outgoing;
    this.#outgoing = undefined;
    return outgoing;
  }

  #failWith(error: ProtocolError): void {
    // A close reason is at most 123 bytes (§5.5); a longer message goes without one.
    const reason = Buffer.byteLength(error.message) <= 123 ? error.message : '';
    // Checked first: a code that may not be sent throws before anything changes.
    const payload = this.#startClose(error.closeCode, reason);
    this.#failure = error;
    this.#parser = undefined;
    if (payload !== undefined) this.#queueClose(payload);
  }

  /** Our side of the closing handshake; a code or reason that may not be sent throws and leaves nothing behind. */
  #startClose(code: number | undefined, reason: string | undefined): Buffer | undefined {
    const handshake = this.#handshake ?? new CloseHandshake();
    const payload = handshake.close(code, reason);
    this.#handshake = handshake;
    return payload;
  }

  #queueClose(payload: Uint8Array): void {
    this.#queue(encodeFrame(payload, { opcode: Opcode.Close, mask: this.settings.mask }));
  }

  #queue(frames: Uint8Array[], callback?: WriteCallback): void {
    (this.#outgoing ??= new Outgoing()).push(frames, callback);
  }

  static {
    onParserEvent = function (this: WebSocketProtocol, event: ParserEvent): void {
      this.#handleFrame(event);
    };
  }
}

