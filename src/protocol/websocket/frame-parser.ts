import { CloseCode } from './close-codes.js';
import { parseClosePayload } from './close-payload.js';
import { onJavaScriptCore } from './engine.js';
import { applyMaskKey } from './mask.js';
import { MessageBuffer } from './message-buffer.js';
import { Opcode, isControlOpcode, isKnownOpcode } from './opcodes.js';
import { ProtocolError } from './protocol-error.js';
import { Utf8Validator } from './utf8-validator.js';

/** Which end of the connection this parser reads for: a server reads client frames. */
export type Role = 'server' | 'client';

/** What the parser hands up: whole messages and control frames, never partial frames. */
export type ParserEvent =
  | { type: 'message'; binary: boolean; data: Buffer; /** RSV bits of the first frame, for an extension. */ rsv: number }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string };

export interface FrameParserOptions {
  role: Role;
  /** Largest message, in bytes, summed over its fragments; more fails with 1009. Default 100 MiB. */
  maxPayload?: number;
  /** Most frames one message may be split into; more fails with 1009. Default 262,144. */
  maxFragments?: number;
  /** RSV bits (RSV1 = 4) a negotiated extension uses on a message's first frame. Default 0. */
  allowedRsv?: number;
  /** Called synchronously for each event, in stream order, with `this` set to `receiver`. */
  onEvent: (event: ParserEvent) => void;
  /**
   * `this` for `onEvent`: lets one function shared by many parsers find its
   * owner, so a server holding thousands of parsers makes no closure for each.
   */
  receiver?: unknown;
  /**
   * A whole payload of up to this many bytes is handed up as a copy rather than a
   * view of its chunk. Default: 512 on JavaScriptCore, where that is cheaper, and
   * -1 (never) on V8. Only speed and what a message keeps alive differ.
   */
  copyUpTo?: number;
}

export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/** Generous: the Autobahn suite sends 4 MiB as 65,536 fragments of 64 bytes. */
export const DEFAULT_MAX_FRAGMENTS = 262_144;

const enum State {
  Header,
  Payload,
  Closed,
}

/**
 * An incremental frame parser (RFC 6455 §5). Feed it the byte stream in chunks
 * of any size with `push`; it calls `onEvent` for every complete message and
 * control frame. A violation throws a `ProtocolError` carrying the close code to
 * send, after every event before it was delivered; later pushes throw it again.
 * After a close frame the parser ignores whatever follows (§5.5.1).
 *
 * The parser takes ownership of the chunks it is given: masked payloads are
 * unmasked in place and a message that arrived in one chunk is handed up as a
 * view of that chunk, without a copy (a short one copied where that is cheaper:
 * `copyUpTo`).
 *
 * Memory: besides the message being gathered, the parser keeps at most the 13
 * bytes of an unfinished frame header, or the 125 of an unfinished control
 * frame. Payload bytes are consumed as they arrive.
 *
 * `onEvent` should not throw: an exception from it passes through `push`
 * unchanged, and the rest of that chunk is not read. The connection layer
 * catches its listeners' exceptions for this reason.
 */
export class FrameParser {
  private readonly expectMask: boolean;
  private readonly maxPayload: number;
  private readonly maxFragments: number;
  private readonly allowedRsv: number;
  private readonly onEvent: (event: ParserEvent) => void;
  private readonly receiver: unknown;
  private readonly copyUpTo: number;

  private state = State.Header;
  private failure: ProtocolError | undefined;
  /** Frames the current push has completed, and how many it may. */
  private framesDone = 0;
  private frameBudget = Infinity;
  /** Counts the data messages begun, so an owner can tell one slow message from many quick ones. */
  private messagesBegun = 0;

  // An unfinished frame header, made the first time a header arrives split.
  private partialHeader: Uint8Array | undefined;
  private headerFill = 0;
  private headerSize = 2;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private masked = false;
  /** The masking key, as the 32-bit number its octets spell (a small integer, not an object). */
  private maskKey = 0;
  private payloadLength = 0;
  private payloadRead = 0;
  private controlPayload: Buffer | undefined;

  // The data message being read; opcode 0 when none is open.
  private messageOpcode = 0;
  private messageRsv = 0;
  private messageSize = 0;
  private fragments = 0;
  // Made on first use: most connections never see a fragmented or split message,
  // and a connection that only exchanges pings and pongs never sees text.
  private gathered: MessageBuffer | undefined;
  private utf8: Utf8Validator | undefined;
  private checkUtf8 = false;

  constructor(options: FrameParserOptions) {
    this.expectMask = options.role === 'server';
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.allowedRsv = options.allowedRsv ?? 0;
    this.onEvent = options.onEvent;
    this.receiver = options.receiver;
    this.copyUpTo = options.copyUpTo ?? DEFAULT_COPY_UP_TO;
  }

  /** True once a close frame has been read; later bytes are ignored. */
  get closed(): boolean {
    return this.state === State.Closed;
  }

  /**
   * True between messages: no frame or message is open, nothing is held, no
   * error or close frame was seen. A new parser with the same options would
   * read the rest of the stream the same way, so an owner may let this one go.
   */
  get atRest(): boolean {
    return this.state === State.Header && this.headerFill === 0 && this.messageOpcode === 0 && this.failure === undefined;
  }

  /** Frames completed by the last `push`. */
  get framesRead(): number {
    return this.framesDone;
  }

  /**
   * Called from `onEvent`: the `push` under way returns right after this
   * event's frame, and says how many bytes it read. An owner that must finish
   * something asynchronous first (inflating a compressed message) pushes the
   * rest later, so the events after it keep their order.
   */
  stop(): void {
    this.frameBudget = this.framesDone;
  }

  /** The data message being read, as the count of messages begun so far; 0 between messages. */
  get messageInProgress(): number {
    return this.messageOpcode === 0 ? 0 : this.messagesBegun;
  }

  /**
   * Reads `chunk`, or only its first `maxFrames` frames: returns how many bytes
   * were read, so an owner can bound the work done for one peer at a time and
   * push the rest later (a flood of tiny frames must not starve other peers).
   */
  push(chunk: Uint8Array, maxFrames = Infinity): number {
    if (this.failure) throw this.failure;
    this.framesDone = 0;
    this.frameBudget = maxFrames;
    try {
      // Payloads are handed up as Buffers, views of the chunk: wrapped once here, not per frame.
      return this.consume(toBuffer(chunk));
    } catch (error) {
      if (error instanceof ProtocolError) this.failure = error;
      throw error;
    }
  }

  private consume(chunk: Buffer): number {
    const end = chunk.length;
    let at = 0;
    while (at < end && this.framesDone < this.frameBudget) {
      if (this.state === State.Header) {
        if (this.headerFill === 0 && end - at >= 2) {
          // Fast path: the whole header is inside this chunk.
          const size = this.startHeader(chunk[at], chunk[at + 1]);
          if (end - at >= size) {
            this.finishHeader(chunk, at);
            at += size;
            continue;
          }
        }
        at = this.gatherHeader(chunk, at);
      } else if (this.state === State.Payload) {
        at = this.readPayload(chunk, at);
      } else {
        // After a close frame nothing more is read (§5.5.1): the rest counts as taken.
        return end;
      }
    }
    return at;
  }

  /** Copies header bytes aside until the header is complete. */
  private gatherHeader(chunk: Uint8Array, at: number): number {
    const bytes = (this.partialHeader ??= new Uint8Array(MAX_HEADER));
    while (at < chunk.length && this.headerFill < this.headerSize) {
      bytes[this.headerFill++] = chunk[at++];
      if (this.headerFill === 2) this.headerSize = this.startHeader(bytes[0], bytes[1]);
    }
    if (this.headerFill === this.headerSize) {
      this.finishHeader(bytes, 0);
      this.headerFill = 0;
      this.headerSize = 2;
    }
    return at;
  }

  /**
   * Checks every rule the first two bytes decide, before the rest of the header
   * arrives, and returns the header's full size.
   */
  private startHeader(b0: number, b1: number): number {
    const opcode = b0 & 0x0f;
    const rsv = (b0 >> 4) & 0x7;
    const fin = (b0 & 0x80) !== 0;
    const masked = (b1 & 0x80) !== 0;
    const length7 = b1 & 0x7f;
    // §5.2: reserved opcodes must fail the connection.
    if (!isKnownOpcode(opcode)) throw protocolError(`Reserved opcode 0x${opcode.toString(16)}`);
    // §5.3: a server must fail an unmasked client frame; a client must fail a masked server frame.
    if (masked !== this.expectMask) {
      throw protocolError(this.expectMask ? 'Client frames must be masked' : 'Server frames must not be masked');
    }
    if (isControlOpcode(opcode)) {
      // §5.2: RSV bits are zero unless an extension defines them; none here defines them for control frames.
      if (rsv !== 0) throw protocolError('RSV bits must be 0 on a control frame');
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!fin) throw protocolError('Control frames must not be fragmented');
      if (length7 > 125) throw protocolError('Control frame payload longer than 125 bytes');
    } else if (opcode === Opcode.Continuation) {
      // §5.4: a continuation frame continues something, and only the first frame carries RSV bits for an extension.
      if (this.messageOpcode === 0) throw protocolError('Continuation frame without a message to continue');
      if (rsv !== 0) throw protocolError('RSV bits must be 0 on a continuation frame');
    } else {
      // §5.4: the fragments of one message are not interleaved with another message.
      if (this.messageOpcode !== 0) throw protocolError('New data frame inside a fragmented message');
      if ((rsv & ~this.allowedRsv) !== 0) throw protocolError('RSV bits set without an extension that uses them');
    }
    return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  /** Reads the length and masking key, and opens the frame's payload. */
  private finishHeader(bytes: Uint8Array, at: number): void {
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    let length = b1 & 0x7f;
    at += 2;
    if (length === 126) {
      length = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    } else if (length === 127) {
      const high = readUint32(bytes, at);
      // §5.2: the most significant bit of a 64-bit length must be 0.
      if (high >= 0x8000_0000) throw protocolError('64-bit payload length has its most significant bit set');
      length = high * 0x1_0000_0000 + readUint32(bytes, at + 4);
      at += 8;
    }
    this.masked = (b1 & 0x80) !== 0;
    if (this.masked) this.maskKey = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    this.fin = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    this.payloadLength = length;
    this.payloadRead = 0;
    if (!isControlOpcode(this.opcode)) this.openDataFrame((b0 >> 4) & 0x7, length);
    this.state = State.Payload;
    if (length === 0) this.endFrame(EMPTY);
  }

  private openDataFrame(rsv: number, length: number): void {
    if (this.opcode !== Opcode.Continuation) {
      this.messagesBegun++;
      this.messageOpcode = this.opcode;
      this.messageRsv = rsv;
      this.messageSize = 0;
      this.fragments = 0;
      // Text is checked as it arrives unless an extension (say, compression) transforms it first.
      this.checkUtf8 = this.opcode === Opcode.Text && rsv === 0;
      if (this.checkUtf8) this.utf8?.reset();
    }
    if (++this.fragments > this.maxFragments) {
      throw new ProtocolError(CloseCode.MessageTooBig, `Message split into more than ${this.maxFragments} frames`);
    }
    this.messageSize += length;
    if (this.messageSize > this.maxPayload) {
      throw new ProtocolError(CloseCode.MessageTooBig, `Message larger than ${this.maxPayload} bytes`);
    }
  }

  private readPayload(chunk: Buffer, at: number): number {
    const available = chunk.length - at;
    const remaining = this.payloadLength - this.payloadRead;
    if (this.payloadRead === 0 && available >= remaining) {
      // The whole payload is here: hand up a view of the chunk (or, when that is dearer, a copy).
      const payload = remaining <= this.copyUpTo ? copyOut(chunk, at, remaining) : chunk.subarray(at, at + remaining);
      if (this.masked) applyMaskKey(payload, this.maskKey);
      this.endFrame(payload);
      return at + remaining;
    }
    const take = Math.min(available, remaining);
    const piece = chunk.subarray(at, at + take);
    if (this.masked) applyMaskKey(piece, this.maskKey, this.payloadRead & 3);
    this.payloadRead += take;
    if (isControlOpcode(this.opcode)) {
      this.controlPayload ??= Buffer.allocUnsafe(this.payloadLength);
      this.controlPayload.set(piece, this.payloadRead - take);
      if (this.payloadRead === this.payloadLength) {
        const payload = this.controlPayload;
        this.controlPayload = undefined;
        this.endFrame(payload);
      }
    } else {
      this.gatherData(piece);
      if (this.payloadRead === this.payloadLength) this.endFrame(undefined);
    }
    return at + take;
  }

  private gatherData(piece: Uint8Array): void {
    if (this.checkUtf8 && !this.validator().push(piece)) throw invalidUtf8();
    this.buffer().append(piece, this.fin ? this.messageSize : this.maxPayload);
  }

  private buffer(): MessageBuffer {
    return (this.gathered ??= new MessageBuffer());
  }

  private validator(): Utf8Validator {
    return (this.utf8 ??= new Utf8Validator());
  }

  /**
   * A frame is complete. `payload` is the whole frame payload, or undefined when
   * a data frame's bytes already went into `gathered` piece by piece.
   */
  private endFrame(payload: Buffer | undefined): void {
    this.state = State.Header;
    this.framesDone++;
    const opcode = this.opcode;
    if (isControlOpcode(opcode)) {
      this.endControlFrame(opcode, payload!);
      return;
    }
    if (payload !== undefined) {
      if (this.fin && opcode !== Opcode.Continuation) {
        // A whole message in one frame that arrived in one chunk: no copy at all.
        if (this.checkUtf8 && !this.validator().push(payload)) throw invalidUtf8();
        this.endMessage(payload);
        return;
      }
      this.gatherData(payload);
    }
    if (this.fin) this.endMessage(this.buffer().take());
  }

  private endMessage(data: Buffer): void {
    if (this.checkUtf8 && !this.validator().finish()) throw invalidUtf8();
    const binary = this.messageOpcode === Opcode.Binary;
    const rsv = this.messageRsv;
    this.messageOpcode = 0;
    this.onEvent.call(this.receiver, { type: 'message', binary, data, rsv });
  }

  private endControlFrame(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      this.onEvent.call(this.receiver, { type: 'ping', data: payload });
    } else if (opcode === Opcode.Pong) {
      this.onEvent.call(this.receiver, { type: 'pong', data: payload });
    } else {
      const { code, reason } = parseClosePayload(payload);
      this.state = State.Closed;
      this.onEvent.call(this.receiver, { type: 'close', code, reason });
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Payloads up to this many bytes are handed up as copies rather than views of
 * the read. On JavaScriptCore a view of a small read is the dearer of the two
 * (Bun, a read of sixteen 32-byte frames: 51 ns a view, 34 ns a copy; 128-byte
 * payloads 113 against 43 ns; 512: 213 against 90; 2 KiB: 93 against 237), so
 * there payloads up to 512 bytes are copied. On V8 the view is always cheaper
 * (Node: 75 against 132 ns for 32 bytes). Either way the message owns its bytes
 * until the application lets go: a view keeps its whole read alive, a copy not.
 */
export const DEFAULT_COPY_UP_TO = onJavaScriptCore ? 512 : -1;

function copyOut(chunk: Buffer, at: number, length: number): Buffer {
  const copy = Buffer.allocUnsafe(length);
  chunk.copy(copy, 0, at, at + length);
  return copy;
}

/** The longest header: 2 bytes, a 64-bit length and a masking key (§5.2). */
const MAX_HEADER = 14;

function protocolError(message: string): ProtocolError {
  return new ProtocolError(CloseCode.ProtocolError, message);
}

function invalidUtf8(): ProtocolError {
  return new ProtocolError(CloseCode.InvalidPayload, 'Text message is not valid UTF-8');
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
