import { toHex } from './hex.js';

/**
 * A teaching view of WebSocket frames (RFC 6455 §5.2): every header field with
 * the bytes (and bits) it occupies and a line that explains it, the masking key,
 * the payload masked and unmasked, a close frame's code and reason, a text
 * frame's text. Unlike the frame parser it never refuses anything: a frame that
 * breaks a rule is still shown, with a note that cites the rule. Browser-safe
 * (Uint8Array only), so an inspector page can import it.
 */

export type LengthForm = '7-bit' | '16-bit' | '64-bit';

export type FieldName =
  | 'FIN'
  | 'RSV1'
  | 'RSV2'
  | 'RSV3'
  | 'opcode'
  | 'MASK'
  | 'payload length'
  | 'extended payload length'
  | 'masking key'
  | 'payload'
  | 'close code'
  | 'close reason';

export interface FrameField {
  name: FieldName;
  /** First byte of the field, counted from the frame's first byte (`AnnotatedFrame.bytes`). */
  offset: number;
  /** Bytes the field spans (1 for a field of a few bits). */
  length: number;
  /** For a field narrower than a byte: its first bit (0 = the byte's most significant) and width. */
  bits?: { first: number; count: number };
  value: string | number | boolean;
  /** One line, citing the RFC. */
  explanation: string;
}

export interface AnnotatedFrame {
  /** Offset of the frame's first byte in the stream given to the annotator. */
  streamOffset: number;
  /** The frame as on the wire: header, then the payload (its first `captureLimit` bytes). */
  bytes: Uint8Array;
  /** Bytes the frame takes on the wire: header and whole payload. */
  wireLength: number;
  headerLength: number;
  fin: boolean;
  /** RSV1–RSV3 as a 3-bit number (RSV1 = 4). */
  rsv: number;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskKey?: Uint8Array;
  lengthForm: LengthForm;
  payloadLength: number;
  /** The payload as the application sees it (unmasked); shorter than `payloadLength` when truncated. */
  payload: Uint8Array;
  /** True when only the first `captureLimit` bytes of the payload were kept. */
  truncated: boolean;
  /** For a continuation frame, the kind of message it continues ('text', 'binary'), if one was open. */
  continues?: 'text' | 'binary';
  /** The payload as text, for text frames and their continuations when it is whole, valid UTF-8. */
  text?: string;
  /** A close frame's code and reason; absent for an empty close payload. */
  close?: { code: number; reason: string };
  fields: FrameField[];
  /** What this frame does against the RFC, or worth knowing about it, citing the section. */
  notes: string[];
}

export interface AnnotatorOptions {
  /** Most payload bytes kept per frame (the rest is counted and skipped). Default 1 MiB. */
  captureLimit?: number;
  /** Build `fields` with their explanations (default true); a recorder that keeps only the summary skips them. */
  fields?: boolean;
}

export const DEFAULT_CAPTURE_LIMIT = 1024 * 1024;

/** Largest header: 2 bytes, a 64-bit length, a 4-byte key. */
const MAX_HEADER = 14;

const OPCODE_NAMES: Record<number, string> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

const OPCODE_EXPLANATIONS: Record<number, string> = {
  0x0: 'continuation: the next fragment of the message a text or binary frame began (§5.4)',
  0x1: 'text: a message of UTF-8 text (§5.6)',
  0x2: 'binary: a message of arbitrary bytes (§5.6)',
  0x8: 'close: starts or answers the closing handshake (§5.5.1)',
  0x9: 'ping: the peer must answer with a pong carrying the same bytes (§5.5.2)',
  0xa: 'pong: the answer to a ping, or a one-way heartbeat (§5.5.3)',
};

/** Names of close codes, RFC 6455 §7.4.1 and the IANA registry (§11.7). */
const CLOSE_CODE_NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1005: 'No Status Received (reserved: never sent)',
  1006: 'Abnormal Closure (reserved: never sent)',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake (reserved: never sent)',
};

export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `reserved ${opcode & 0x8 ? 'control' : 'data'} 0x${opcode.toString(16)}`;
}

export function closeCodeName(code: number): string {
  const name = CLOSE_CODE_NAMES[code];
  if (name) return name;
  if (code >= 3000 && code <= 3999) return 'registered for libraries and frameworks (§7.4.2)';
  if (code >= 4000 && code <= 4999) return 'private use (§7.4.2)';
  return 'not a code an endpoint may send (§7.4.2)';
}

/** The frame whose header is being read, or whose payload is arriving. */
interface FrameInProgress {
  streamOffset: number;
  headerLength: number;
  payloadLength: number;
  /** Header and the payload bytes kept. */
  bytes: Uint8Array;
  kept: number;
  /** Payload bytes seen so far, kept or not. */
  seen: number;
}

/**
 * Annotates a stream of frames given in chunks of any size: each `push` returns
 * the frames its bytes completed, in order. The payload kept per frame is
 * bounded by `captureLimit`, and a frame's header by 14 bytes, so an endless or
 * enormous frame costs bounded memory. A 64-bit length with its top bit set, or
 * past 2^53, makes the rest of the stream impossible to follow: `failure` says
 * why and further bytes are ignored.
 */
export class FrameAnnotator {
  /** Bytes of the stream read so far. */
  offset = 0;
  /** Why the stream cannot be followed any further, once it cannot. */
  failure: string | undefined;
  private readonly captureLimit: number;
  private readonly withFields: boolean;
  private readonly header = new Uint8Array(MAX_HEADER);
  private headerHave = 0;
  private frame: FrameInProgress | undefined;
  /** The kind of fragmented message open (§5.4), if one is. */
  private open: 'text' | 'binary' | undefined;

  constructor(options: AnnotatorOptions = {}) {
    const limit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
    if (!(limit >= 0) || limit % 1 !== 0) throw new RangeError(`captureLimit must be a whole number of bytes, got ${limit}`);
    this.captureLimit = limit;
    this.withFields = options.fields !== false;
  }

  /** Bytes of an unfinished frame held back: its header so far, or its payload so far. */
  get pendingBytes(): number {
    return this.frame ? this.frame.headerLength + this.frame.seen : this.headerHave;
  }

  push(chunk: Uint8Array): AnnotatedFrame[] {
    const frames: AnnotatedFrame[] = [];
    let at = 0;
    while (at < chunk.length && this.failure === undefined) {
      if (this.frame === undefined) {
        at = this.readHeader(chunk, at);
        if (this.frame === undefined) continue;
      }
      const frame = this.frame;
      const take = Math.min(chunk.length - at, frame.payloadLength - frame.seen);
      const keep = Math.min(take, frame.bytes.length - frame.headerLength - frame.kept);
      if (keep > 0) frame.bytes.set(chunk.subarray(at, at + keep), frame.headerLength + frame.kept);
      frame.kept += keep;
      frame.seen += take;
      at += take;
      this.offset += take;
      if (frame.seen === frame.payloadLength) {
        this.frame = undefined;
        frames.push(this.annotate(frame));
      }
    }
    return frames;
  }

  /** Gathers header bytes; once the header is whole, starts the frame. Returns the next unread offset. */
  private readHeader(chunk: Uint8Array, at: number): number {
    const header = this.header;
    const need = this.headerHave < 2 ? 2 : headerLength(header);
    const take = Math.min(need - this.headerHave, chunk.length - at);
    header.set(chunk.subarray(at, at + take), this.headerHave);
    this.headerHave += take;
    this.offset += take;
    at += take;
    if (this.headerHave < 2 || this.headerHave < headerLength(header)) return at;
    const length = headerLength(header);
    const payloadLength = readPayloadLength(header);
    if (payloadLength === undefined) {
      this.failure = `frame at byte ${this.offset - length}: a 64-bit payload length must have its most significant bit clear (§5.2), and lengths past 2^53 cannot be followed here`;
      return at;
    }
    const kept = Math.min(payloadLength, this.captureLimit);
    const bytes = new Uint8Array(length + kept);
    bytes.set(header.subarray(0, length));
    this.frame = { streamOffset: this.offset - length, headerLength: length, payloadLength, bytes, kept: 0, seen: 0 };
    this.headerHave = 0;
    return at;
  }

  private annotate(frame: FrameInProgress): AnnotatedFrame {
    const annotated = describeFrame(frame.bytes, frame.headerLength, frame.payloadLength, frame.streamOffset, this.withFields);
    this.trackMessage(annotated);
    return annotated;
  }

  /** Fragmentation across frames (§5.4): which message a continuation belongs to, and what breaks the rule. */
  private trackMessage(frame: AnnotatedFrame): void {
    const { opcode } = frame;
    if (opcode & 0x8) return;
    if (opcode === 0x0) {
      if (this.open === undefined) frame.notes.push('a continuation frame with no message open to continue (§5.4): a protocol error');
      else frame.continues = this.open;
      if (this.open === 'text' && frame.text === undefined && !frame.truncated && frame.payload.length > 0) {
        // A fragment may end inside a code point that the next one finishes.
        frame.notes.push('this fragment is not UTF-8 on its own: a code point may be split across fragments (§5.6)');
      }
    } else if (opcode === 0x1 || opcode === 0x2) {
      if (this.open !== undefined) frame.notes.push(`a new ${frame.opcodeName} message while a ${this.open} message is still open (§5.4): a protocol error`);
      this.open = opcode === 0x1 ? 'text' : 'binary';
    } else {
      return;
    }
    if (frame.fin) this.open = undefined;
  }
}

/** Annotates the frames in `bytes`; `rest` counts the bytes of an unfinished last frame. */
export function annotateFrames(bytes: Uint8Array, options?: AnnotatorOptions): { frames: AnnotatedFrame[]; rest: number; failure?: string } {
  const annotator = new FrameAnnotator(options);
  const frames = annotator.push(bytes);
  const rest = annotator.pendingBytes;
  return annotator.failure === undefined ? { frames, rest } : { frames, rest, failure: annotator.failure };
}

/** Header length once its first two bytes are known. */
function headerLength(header: Uint8Array): number {
  const length7 = header[1] & 0x7f;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (header[1] & 0x80 ? 4 : 0);
}

/** The payload length a whole header announces, or undefined when it cannot be followed (§5.2). */
function readPayloadLength(header: Uint8Array): number | undefined {
  const length7 = header[1] & 0x7f;
  if (length7 < 126) return length7;
  if (length7 === 126) return (header[2] << 8) | header[3];
  const high = ((header[2] << 24) | (header[3] << 16) | (header[4] << 8) | header[5]) >>> 0;
  const low = ((header[6] << 24) | (header[7] << 16) | (header[8] << 8) | header[9]) >>> 0;
  if (high > 0x1fffff) return undefined;
  return high * 0x1_0000_0000 + low;
}

/** Builds the annotated view of a frame whose header and kept payload are `bytes`. */
function describeFrame(bytes: Uint8Array, headerLength: number, payloadLength: number, streamOffset: number, withFields: boolean): AnnotatedFrame {
  const fin = (bytes[0] & 0x80) !== 0;
  const rsv = (bytes[0] >>> 4) & 0x7;
  const opcode = bytes[0] & 0xf;
  const masked = (bytes[1] & 0x80) !== 0;
  const length7 = bytes[1] & 0x7f;
  const lengthForm: LengthForm = length7 < 126 ? '7-bit' : length7 === 126 ? '16-bit' : '64-bit';
  const keyAt = headerLength - 4;
  const maskKey = masked ? bytes.slice(keyAt, keyAt + 4) : undefined;
  const payload = bytes.slice(headerLength);
  if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i & 3];
  const truncated = payload.length < payloadLength;
  const notes: string[] = [];
  const name = opcodeName(opcode);
  const fields: FrameField[] = [];
  if (withFields) {
    fields.push(
      bit('FIN', 0, fin, fin ? '1: the final fragment of its message (§5.2)' : '0: more fragments of this message follow (§5.4)'),
      ...rsvFields(rsv),
      {
        name: 'opcode',
        offset: 0,
        length: 1,
        bits: { first: 4, count: 4 },
        value: `0x${opcode.toString(16)} ${name}`,
        explanation: OPCODE_EXPLANATIONS[opcode] ?? `0x${opcode.toString(16)} is reserved (§5.2, §11.8): a peer that sends it without an extension defining it fails the connection`,
      },
      {
        name: 'MASK',
        offset: 1,
        length: 1,
        bits: { first: 0, count: 1 },
        value: masked,
        explanation: masked
          ? '1: the payload is masked with the key below, as every client-to-server frame must be (§5.3)'
          : '0: not masked, as every server-to-client frame must be (§5.1)',
      },
      {
        name: 'payload length',
        offset: 1,
        length: 1,
        bits: { first: 1, count: 7 },
        value: length7,
        explanation:
          length7 < 126
            ? `${length7}: the payload length itself (0–125 fit in these 7 bits, §5.2)`
            : `${length7}: the length follows in the next ${length7 === 126 ? '16' : '64'} bits, network byte order (§5.2)`,
      },
    );
  }
  if (length7 >= 126) {
    if (withFields) fields.push({
      name: 'extended payload length',
      offset: 2,
      length: length7 === 126 ? 2 : 8,
      value: payloadLength,
      explanation: `${payloadLength} bytes, as a ${lengthForm} unsigned integer (§5.2)`,
    });
    if ((length7 === 126 && payloadLength < 126) || (length7 === 127 && payloadLength <= 0xffff)) {
      notes.push(`the length ${payloadLength} is not in its shortest form: §5.2 requires "the minimal number of bytes"`);
    }
  }
  if (maskKey && withFields) {
    fields.push({
      name: 'masking key',
      offset: keyAt,
      length: 4,
      value: toHex(maskKey),
      explanation: 'payload byte i is XORed with key byte i mod 4, on the way out and again on the way in (§5.3)',
    });
  }
  if (payloadLength > 0 && withFields) {
    fields.push({
      name: 'payload',
      offset: headerLength,
      length: payload.length,
      value: `${payloadLength} bytes${truncated ? ` (first ${payload.length} kept)` : ''}`,
      explanation: masked ? 'the application data, masked: unmask with the key to read it (§5.3)' : 'the application data, as sent (§5.2)',
    });
  }
  const control = (opcode & 0x8) !== 0;
  if (control && payloadLength > 125) notes.push(`a control frame carries at most 125 bytes, this one ${payloadLength} (§5.5)`);
  if (control && !fin) notes.push('a control frame must not be fragmented: FIN must be 1 (§5.5)');
  if (rsv !== 0) notes.push('RSV bits set: only valid when a negotiated extension defines them (§5.2), e.g. RSV1 for permessage-deflate (RFC 7692 §6)');
  if (!(opcode in OPCODE_NAMES)) notes.push(`opcode 0x${opcode.toString(16)} is reserved (§5.2)`);
  const frame: AnnotatedFrame = {
    streamOffset,
    bytes,
    wireLength: headerLength + payloadLength,
    headerLength,
    fin,
    rsv,
    opcode,
    opcodeName: name,
    masked,
    lengthForm,
    payloadLength,
    payload,
    truncated,
    fields,
    notes,
  };
  if (maskKey) frame.maskKey = maskKey;
  if (truncated) notes.push(`only the first ${payload.length} of ${payloadLength} payload bytes were kept`);
  else if (opcode === 0x1 || opcode === 0x0) {
    const text = utf8(payload);
    if (text !== undefined) frame.text = text;
    else if (opcode === 0x1 && fin) notes.push('a text message that is not valid UTF-8 (§8.1): the receiver fails the connection with 1007');
  }
  if (opcode === 0x8 && !truncated) describeClose(frame, withFields ? fields : undefined, notes);
  return frame;
}

function describeClose(frame: AnnotatedFrame, fields: FrameField[] | undefined, notes: string[]): void {
  const { payload, headerLength } = frame;
  if (payload.length === 0) {
    notes.push('no status code: the receiver reports 1005, No Status Received (§7.1.5)');
    return;
  }
  if (payload.length === 1) {
    notes.push('a close payload of 1 byte cannot hold the 2-byte code (§5.5.1): a protocol error');
    return;
  }
  const code = (payload[0] << 8) | payload[1];
  const reasonBytes = payload.subarray(2);
  const reason = utf8(reasonBytes);
  frame.close = { code, reason: reason ?? '' };
  fields?.push({
    name: 'close code',
    offset: headerLength,
    length: 2,
    value: code,
    explanation: `${code}: ${closeCodeName(code)} (§7.4); the first 2 payload bytes, network byte order (§5.5.1)`,
  });
  if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))) {
    notes.push(`close code ${code} may not be sent on the wire (§7.4.1, §7.4.2): a protocol error`);
  }
  if (reasonBytes.length === 0) return;
  fields?.push({
    name: 'close reason',
    offset: headerLength + 2,
    length: reasonBytes.length,
    value: reason ?? toHex(reasonBytes),
    explanation: 'the reason, UTF-8 text after the code, for debugging rather than for users (§5.5.1)',
  });
  if (reason === undefined) notes.push('the close reason is not valid UTF-8 (§5.5.1, §8.1): the receiver fails the connection with 1007');
}

function bit(name: FieldName, first: number, value: boolean, explanation: string): FrameField {
  return { name, offset: 0, length: 1, bits: { first, count: 1 }, value, explanation };
}

function rsvFields(rsv: number): FrameField[] {
  return [4, 2, 1].map((mask, i) => {
    const set = (rsv & mask) !== 0;
    const name = `RSV${i + 1}` as FieldName;
    const explanation = set
      ? i === 0
        ? '1: meaningful only under a negotiated extension; permessage-deflate marks a compressed message with it (RFC 7692 §6)'
        : '1: meaningful only under a negotiated extension that defines it (§5.2)'
      : '0: no extension uses this bit (§5.2)';
    return bit(name, i + 1, set, explanation);
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface MaskStep {
  /** Index of the byte in the payload. */
  index: number;
  /** The byte on the wire. */
  masked: number;
  /** Which key byte applies: index mod 4 (§5.3). */
  keyIndex: number;
  keyByte: number;
  /** masked XOR keyByte: the byte the application sees. */
  unmasked: number;
}

/** The masking of §5.3 applied byte by byte to a masked frame's first `limit` payload bytes, for display. */
export function maskSteps(frame: AnnotatedFrame, limit = 64): MaskStep[] {
  const key = frame.maskKey;
  if (!key) return [];
  const count = Math.min(limit, frame.payload.length);
  const steps: MaskStep[] = [];
  for (let index = 0; index < count; index++) {
    const keyIndex = index & 3;
    steps.push({ index, masked: frame.bytes[frame.headerLength + index], keyIndex, keyByte: key[keyIndex], unmasked: frame.payload[index] });
  }
  return steps;
}
