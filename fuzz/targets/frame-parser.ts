import fc from 'fast-check';
import { CloseCode } from '../../src/protocol/websocket/close-codes.js';
import { encodeClosePayload } from '../../src/protocol/websocket/close-payload.js';
import { encodeFrame, encodeMessage } from '../../src/protocol/websocket/frame-encoder.js';
import { FrameParser, type ParserEvent, type Role } from '../../src/protocol/websocket/frame-parser.js';
import type { MaskKeySource } from '../../src/protocol/websocket/mask-key.js';
import { Opcode } from '../../src/protocol/websocket/opcodes.js';
import { ProtocolError } from '../../src/protocol/websocket/protocol-error.js';
import { type FuzzTarget, check, defineTarget, splitAt } from '../target.js';

// The frame parser (RFC 6455 §5) fed anything, split anywhere, in either role.
// Acceptable: events, then possibly one ProtocolError whose close code is 1002,
// 1007 or 1009 (§7.4.1). Not acceptable: any other exception, a different
// outcome for a different chunking of the same bytes, memory held out of
// proportion to the bytes fed, or an event that breaks a limit.

const ALLOWED_CODES = new Set<number>([CloseCode.ProtocolError, CloseCode.InvalidPayload, CloseCode.MessageTooBig]);
/** Small limits, so that the 1009 paths are reached by short inputs. */
const MAX_PAYLOAD = 512;
const MAX_FRAGMENTS = 16;

interface Outcome {
  events: ParserEvent[];
  code: number | undefined;
  heldBytes: number;
}

function run(bytes: Uint8Array, cuts: readonly number[], role: Role, allowedRsv: number): Outcome {
  const events: ParserEvent[] = [];
  const parser = new FrameParser({ role, maxPayload: MAX_PAYLOAD, maxFragments: MAX_FRAGMENTS, allowedRsv, onEvent: (event) => events.push(event) });
  // The parser unmasks in place: each run gets its own copy.
  const chunks = splitAt(Uint8Array.from(bytes), cuts);
  let code: number | undefined;
  try {
    for (const chunk of chunks) parser.push(chunk);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw new Error(`frame parser threw ${describe(error)}`, { cause: error });
    check(ALLOWED_CODES.has(error.closeCode), `ProtocolError with close code ${error.closeCode}: ${error.message}`);
    code = error.closeCode;
    // §7.1.7: once failed, the parser stays failed with the same error.
    let again: unknown;
    try {
      parser.push(new Uint8Array([0x81, 0x80]));
    } catch (second) {
      again = second;
    }
    check(again === error, 'a failed parser accepted more bytes or threw a different error');
  }
  return { events, code, heldBytes: heldBytes(parser) };
}

/** Bytes the parser keeps between pushes, read from its private fields. */
function heldBytes(parser: FrameParser): number {
  const gathered = Reflect.get(parser, 'gathered') as object | undefined;
  const open = gathered === undefined ? undefined : (Reflect.get(gathered, 'open') as Uint8Array);
  const segments = gathered === undefined ? [] : (Reflect.get(gathered, 'segments') as Uint8Array[]);
  const control = Reflect.get(parser, 'controlPayload') as Uint8Array | undefined;
  const header = Reflect.get(parser, 'partialHeader') as Uint8Array | undefined;
  return (open?.length ?? 0) + segments.reduce((sum, s) => sum + s.length, 0) + (control?.length ?? 0) + (header?.length ?? 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function checkRun(bytes: Uint8Array, cuts: readonly number[], role: Role, allowedRsv: number): void {
  const split = run(bytes, cuts, role, allowedRsv);
  const whole = run(bytes, [], role, allowedRsv);
  // The outcome depends on the bytes, never on how the reads cut them.
  check(split.code === whole.code, `close code ${split.code} split vs ${whole.code} whole`);
  check(sameEvents(split.events, whole.events), 'different events for a different chunking of the same bytes');
  // Memory follows the bytes that arrived (MessageBuffer: at most twice them, or 256 to start; control ≤ 125; header ≤ 14).
  const bound = 2 * bytes.length + 256 + 125 + 14;
  check(split.heldBytes <= bound && whole.heldBytes <= bound, `parser holds ${Math.max(split.heldBytes, whole.heldBytes)} bytes after ${bytes.length} fed`);
  for (const event of split.events) {
    if (event.type === 'message') {
      check(event.data.length <= MAX_PAYLOAD, `message of ${event.data.length} bytes passed maxPayload ${MAX_PAYLOAD}`);
      check((event.rsv & ~allowedRsv) === 0, `message with RSV ${event.rsv} not allowed`);
      if (!event.binary && event.rsv === 0) check(isWellFormedUtf8(event.data), 'text message that is not valid UTF-8');
    } else if (event.type === 'close') {
      check(event.code === 1005 || (event.code >= 1000 && event.code < 5000), `close code ${event.code} handed up`);
    } else {
      check(event.data.length <= 125, 'control payload over 125 bytes');
    }
  }
}

function sameEvents(a: readonly ParserEvent[], b: readonly ParserEvent[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((event, i) => {
    const other = b[i];
    if (event.type !== other.type) return false;
    if (event.type === 'close' && other.type === 'close') return event.code === other.code && event.reason === other.reason;
    if (event.type === 'close' || other.type === 'close') return false;
    if (event.type === 'message' && other.type === 'message' && (event.binary !== other.binary || event.rsv !== other.rsv)) return false;
    return Buffer.compare(event.data, other.data) === 0;
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function isWellFormedUtf8(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const role = fc.constantFrom<Role>('server', 'client');
const cuts = fc.array(fc.nat(), { maxLength: 12 });
const allowedRsv = fc.constantFrom(0, 0, 4);

/** Random bytes, but with a bias toward the first byte pairs that open frames. */
const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.constantFrom(0x81, 0x82, 0x01, 0x80, 0x88, 0x89, 0x8a, 0xc1), fc.uint8Array({ maxLength: 200 })).map(([b0, rest]) => Uint8Array.of(b0, ...rest)),
);

/** One frame, each field drawn apart: lying lengths, wrong masks, reserved opcodes, bad UTF-8, close payloads. */
const frame = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7 })),
    opcode: fc.oneof(fc.constantFrom(0, 1, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
    mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 140 }),
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => new TextEncoder().encode(text)),
      fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.string({ maxLength: 30 })).map(([code, reason]) => Uint8Array.from(Buffer.concat([Buffer.of(code >> 8, code & 0xff), Buffer.from(reason)]))),
      fc.constant(new Uint8Array([0xed, 0xa0, 0x80])),
    ),
    lengthForm: fc.constantFrom('minimal', 'minimal', 'minimal', '16', '64', 'lie'),
    lie: fc.oneof(fc.nat(), fc.constantFrom(126, 65535, 65536, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1)),
  })
  .map(({ fin, rsv, opcode, mask, payload, lengthForm, lie }) => {
    const length = lengthForm === 'lie' ? lie : payload.length;
    const form = lengthForm === 'lie' ? (lie < 126 ? 'minimal' : lie < 65536 ? '16' : '64') : lengthForm;
    const header: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
    const maskBit = mask ? 0x80 : 0;
    if (form === 'minimal' && length < 126) header.push(maskBit | length);
    else if (form === '16' || (form === 'minimal' && length < 65536)) header.push(maskBit | 126, (length >> 8) & 0xff, length & 0xff);
    else {
      const high = Math.floor(length / 2 ** 32);
      header.push(maskBit | 127, (high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
      header.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
    }
    const body = Uint8Array.from(payload);
    if (mask) {
      header.push(...mask);
      for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
    }
    return Uint8Array.from([...header, ...body]);
  });

const frames = fc.array(frame, { maxLength: 8 }).map((list) => Uint8Array.from(Buffer.concat(list)));

/** Valid traffic from the encoder, then one mutation: a flipped bit, a deleted or inserted byte, a cut. */
const validThenMutated = fc
  .record({
    role,
    messages: fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 80 })), { maxLength: 5 }),
    fragmentSize: fc.integer({ min: 0, max: 40 }),
    close: fc.boolean(),
    mutation: fc.constantFrom('none', 'flip', 'delete', 'insert', 'truncate'),
    where: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
    byte: fc.integer({ min: 0, max: 255 }),
    key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  })
  .map(({ role: r, messages, fragmentSize, close, mutation, where, bit, byte, key }) => {
    // The peer of a server is a client, which masks (§5.3); a drawn key keeps runs replayable.
    const mask: MaskKeySource | undefined = r === 'server' ? (target, at) => target.set(key, at) : undefined;
    const parts: Uint8Array[] = [];
    for (const [binary, data] of messages) {
      const payload = binary ? data : new TextEncoder().encode(Buffer.from(data).toString('latin1'));
      parts.push(...encodeMessage(Buffer.from(payload), { binary, fragmentSize, mask }));
    }
    if (close) parts.push(...encodeFrame(encodeClosePayload(1000, 'bye'), { opcode: Opcode.Close, mask }));
    const stream = Buffer.concat(parts);
    const at = stream.length === 0 ? 0 : where % stream.length;
    let bytes: Uint8Array = stream;
    if (mutation === 'flip' && stream.length > 0) stream[at] ^= 1 << bit;
    else if (mutation === 'delete' && stream.length > 0) bytes = Buffer.concat([stream.subarray(0, at), stream.subarray(at + 1)]);
    else if (mutation === 'insert') bytes = Buffer.concat([stream.subarray(0, at), Buffer.of(byte), stream.subarray(at)]);
    else if (mutation === 'truncate') bytes = stream.subarray(0, at);
    return { role: r, bytes: Uint8Array.from(bytes) };
  });

export const frameParserRandom: FuzzTarget = defineTarget(
  {
    name: 'frame-parser-random',
    description: 'random bytes, any split points, both roles: events or ProtocolError 1002/1007/1009; same outcome for any chunking; bounded memory',
    weight: 3,
  },
  fc.tuple(randomBytes, cuts, role, allowedRsv),
  ([bytes, c, r, rsv]) => checkRun(bytes, c, r, rsv),
);

export const frameParserFrames: FuzzTarget = defineTarget(
  {
    name: 'frame-parser-frames',
    description: 'structure-aware frames (any opcode/RSV/mask/length form, lying lengths, close payloads, bad UTF-8), any split points, both roles',
    weight: 3,
  },
  fc.tuple(frames, cuts, role, allowedRsv),
  ([bytes, c, r, rsv]) => checkRun(bytes, c, r, rsv),
);

export const frameParserMutated: FuzzTarget = defineTarget(
  {
    name: 'frame-parser-mutated',
    description: 'valid encoder output with one mutation (bit flip, byte deleted/inserted, truncation), any split points',
    weight: 2,
  },
  fc.tuple(validThenMutated, cuts, allowedRsv),
  ([{ role: r, bytes }, c, rsv]) => checkRun(bytes, c, r, rsv),
);
