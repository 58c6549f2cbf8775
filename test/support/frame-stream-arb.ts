import fc from 'fast-check';
import { rawFrame } from './raw-frame.js';

/**
 * Byte streams for fuzzing the frame parser, biased toward frames that pass the header
 * checks (RFC 6455 §5.2): known opcodes, RSV bits clear, the mask bit right for the
 * receiving role, minimal and truthful lengths, whole fragmented messages with control
 * frames between their fragments. A few of each knob go wrong on purpose, and one
 * stream in twenty is pure random bytes, so every rejection path is still reached —
 * but most runs get past the header into payloads, UTF-8, fragmentation and limits.
 */

export type Role = 'server' | 'client';

/** `common` most of the time, `rare` about once in `odds` draws. */
function mostly<T>(common: fc.Arbitrary<T>, rare: fc.Arbitrary<T>, odds = 20): fc.Arbitrary<T> {
  return fc.oneof({ weight: odds - 1, arbitrary: common }, { weight: 1, arbitrary: rare });
}

interface HeaderKnobs {
  readonly rsv: number;
  readonly maskRight: boolean;
  readonly key: number[];
  readonly lengthForm: 7 | 16 | 64 | undefined;
  readonly lyingLength: number | undefined;
}

const knobsArb: fc.Arbitrary<HeaderKnobs> = fc.record({
  rsv: mostly(fc.constant(0), fc.integer({ min: 1, max: 7 }), 60),
  // §5.1: a client masks every frame, a server none.
  maskRight: mostly(fc.constant(true), fc.constant(false), 60),
  key: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
  // §5.2: the minimal length form; a longer one now and then.
  lengthForm: mostly(fc.constant(undefined), fc.constantFrom(16 as const, 64 as const), 30),
  lyingLength: mostly(fc.constant(undefined), fc.oneof(fc.nat(300), fc.nat(2 ** 20)), 60),
});

const bytesArb = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
const utf8Arb = (maxLength: number): fc.Arbitrary<Buffer> => fc.string({ unit: 'binary', maxLength }).map((text) => Buffer.from(text));

/** Payloads mostly small, sometimes around the 125-byte control and 256-byte message limits. */
const dataPayloadArb = (text: boolean): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 6, arbitrary: text ? mostly(utf8Arb(60), bytesArb(60), 5) : bytesArb(60) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 300 }).map((bytes) => (text ? Buffer.alloc(bytes.length, 0x61) : Buffer.from(bytes))) },
  );

const closePayloadArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc
    .tuple(mostly(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999), fc.integer({ min: 0, max: 65_535 }), 4), mostly(utf8Arb(40), bytesArb(40), 5))
    .map(([code, reason]) => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason])),
  bytesArb(1),
  bytesArb(130),
);

function frameArb(role: Role, opcode: fc.Arbitrary<number>, fin: fc.Arbitrary<boolean>, payload: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.tuple(opcode, fin, payload, knobsArb).map(([op, isFinal, data, knobs]) => {
    const masked = (role === 'server') === knobs.maskRight;
    return rawFrame({
      fin: isFinal,
      rsv: knobs.rsv,
      opcode: op,
      payload: data,
      mask: masked ? knobs.key : undefined,
      lengthForm: knobs.lengthForm,
      length: knobs.lyingLength,
    });
  });
}

/** Ping, pong or close; final (§5.5) but for the odd one. */
function controlArb(role: Role): fc.Arbitrary<Buffer> {
  const fin = mostly(fc.constant(true), fc.constant(false), 30);
  return fc.oneof(
    frameArb(role, fc.constantFrom(0x9, 0xa), fin, mostly(bytesArb(20), bytesArb(140), 10)),
    frameArb(role, fc.constant(0x8), fin, closePayloadArb),
  );
}

/** A text or binary message in one to four fragments, with control frames between them (§5.4). */
function messageArb(role: Role): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 })).chain(([binary, count]) =>
    fc
      .tuple(
        ...Array.from({ length: count }, (_, i) =>
          fc.tuple(
            frameArb(role, fc.constant(i === 0 ? (binary ? 0x2 : 0x1) : 0x0), fc.constant(i === count - 1), dataPayloadArb(!binary)),
            fc.option(controlArb(role), { freq: 4, nil: undefined }),
          ),
        ),
      )
      .map((parts) => Buffer.concat(parts.flatMap(([frame, control]) => (control ? [frame, control] : [frame])))),
  );
}

/** Frames no valid stream holds at this point: reserved opcodes, a stray continuation. */
function invalidFrameArb(role: Role): fc.Arbitrary<Buffer> {
  return frameArb(role, fc.constantFrom(0x0, 0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf), fc.boolean(), bytesArb(20));
}

/** A stream a parser in `role` receives: mostly well-formed frames, some not, a few pure noise. */
export function frameStreamArb(role: Role): fc.Arbitrary<Buffer> {
  const structured = fc
    .array(
      fc.oneof(
        { weight: 40, arbitrary: messageArb(role) },
        { weight: 12, arbitrary: controlArb(role) },
        { weight: 1, arbitrary: invalidFrameArb(role) },
        { weight: 1, arbitrary: bytesArb(16) },
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((units) => Buffer.concat(units));
  return fc.oneof({ weight: 19, arbitrary: structured }, { weight: 1, arbitrary: bytesArb(400) });
}
