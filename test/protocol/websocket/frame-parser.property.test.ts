import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameParser,
  Opcode,
  ProtocolError,
  createMaskKeySource,
  encodeFrame,
  encodeMessage,
} from '../../../src/protocol/websocket/index.js';
import { parseAll, splitAt } from '../../support/collect.js';
import { frameStreamArb } from '../../support/frame-stream-arb.js';
import { rawFrame } from '../../support/raw-frame.js';

type Msg = { binary: boolean; data: Buffer };

const messageArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ binary: true, data: Buffer.from(bytes) })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ binary: false, data: Buffer.from(text) })),
);

function encodeAll(messages: Msg[], role: 'server' | 'client', fragmentSize: number, withPings: boolean): Buffer {
  // The peer of a server is a client, which masks.
  const mask = role === 'server' ? createMaskKeySource() : undefined;
  const out: Uint8Array[] = [];
  for (const message of messages) {
    out.push(...encodeMessage(message.data, { binary: message.binary, fragmentSize, mask }));
    if (withPings) out.push(...encodeFrame(Buffer.from('ping'), { opcode: Opcode.Ping, mask }));
  }
  return Buffer.concat(out);
}

describe('frame parser properties', () => {
  it('encode → parse round-trips any messages, role, fragment size and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 8 }),
        fc.constantFrom('server' as const, 'client' as const),
        fc.integer({ min: 0, max: 64 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        // Whole payloads handed up as views or as copies: the same messages either way.
        fc.constantFrom(-1, 0, 32, 512),
        (messages, role, fragmentSize, withPings, cuts, copyUpTo) => {
          const stream = encodeAll(messages, role, fragmentSize, withPings);
          const outcome = parseAll(splitAt(stream, cuts.map((cut) => cut % (stream.length + 1))), { role, copyUpTo });
          expect(outcome.error).toBeUndefined();
          const received = outcome.events.filter((event) => event.type === 'message');
          expect(received).toEqual(messages.map((m) => ({ type: 'message', binary: m.binary, data: m.data, rsv: 0 })));
          expect(outcome.events.length - received.length).toBe(withPings ? messages.length : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a parser at rest can be replaced by a new one at any chunk boundary without changing the events', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 6 }),
        fc.constantFrom('server' as const, 'client' as const),
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, role, fragmentSize, cuts) => {
          const stream = encodeAll(messages, role, fragmentSize, true);
          const chunks = splitAt(stream, cuts.map((cut) => cut % (stream.length + 1)));
          const events: unknown[] = [];
          const make = (): FrameParser => new FrameParser({ role, onEvent: (event) => events.push(event) });
          let parser = make();
          for (const chunk of chunks) {
            parser.push(chunk);
            if (parser.atRest) parser = make();
          }
          expect(parser.atRest).toBe(true);
          expect(events.filter((event) => (event as { type: string }).type === 'message')).toEqual(
            messages.map((m) => ({ type: 'message', binary: m.binary, data: m.data, rsv: 0 })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw anything but a ProtocolError', () => {
    // Mostly near-valid frame streams, so the runs reach payloads, UTF-8, fragments and
    // limits instead of failing on the first header byte; one in twenty is pure noise.
    const roleAndStream = fc
      .constantFrom('server' as const, 'client' as const)
      .chain((role) => fc.tuple(fc.constant(role), frameStreamArb(role)));
    fc.assert(
      fc.property(
        roleAndStream,
        fc.array(fc.nat(), { maxLength: 10 }),
        ([role, stream], cuts) => {
          const parser = new FrameParser({ role, maxPayload: 256, maxFragments: 8, onEvent: () => {} });
          for (const chunk of splitAt(stream, cuts.map((cut) => cut % (stream.length + 1)))) {
            try {
              parser.push(chunk);
            } catch (error) {
              expect(error).toBeInstanceOf(ProtocolError);
              expect([1002, 1007, 1009]).toContain((error as ProtocolError).closeCode);
              return;
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('arbitrary frames with random header fields never throw anything but a ProtocolError', () => {
    const frameArb = fc.record({
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      opcode: fc.integer({ min: 0, max: 15 }),
      payload: fc.uint8Array({ maxLength: 140 }),
      mask: fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 10 }), fc.constantFrom('server' as const, 'client' as const), (frames, role) => {
        const outcome = parseAll(frames.map(rawFrame), { role, allowedRsv: 4 });
        if (outcome.error) expect([1002, 1007, 1009]).toContain(outcome.error.closeCode);
      }),
      { numRuns: 1000 },
    );
  });

  it('any split of valid UTF-8 text across fragments is accepted', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const pieces = splitAt(bytes, cuts.map((cut) => cut % (bytes.length + 1)));
        const frames = pieces.map((piece, i) =>
          rawFrame({
            opcode: i === 0 ? Opcode.Text : Opcode.Continuation,
            fin: i === pieces.length - 1,
            payload: piece,
          }),
        );
        const outcome = parseAll(frames, { role: 'client' });
        expect(outcome.error).toBeUndefined();
        expect(outcome.events).toEqual([{ type: 'message', binary: false, data: bytes, rsv: 0 }]);
      }),
    );
  });

  it('invalid UTF-8 is rejected with 1007 at its first bad byte, wherever fragments and chunks fall', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 24 }).filter((bytes) => !isUtf8(bytes)),
        fc.array(fc.nat(), { maxLength: 4 }),
        (bytes, cuts) => {
          const payload = Buffer.from(bytes);
          const pieces = splitAt(payload, cuts.map((cut) => cut % (payload.length + 1)));
          const frames = pieces.map((piece, i) =>
            rawFrame({ opcode: i === 0 ? Opcode.Text : Opcode.Continuation, fin: i === pieces.length - 1, payload: piece }),
          );
          // Feed one byte at a time, noting which payload byte was the last one fed.
          const parser = new FrameParser({ role: 'client', onEvent: () => {} });
          let payloadIndex = -1;
          let failedAt: number | undefined;
          outer: for (const frame of frames) {
            const headerSize = frame.length - (frame[1] & 0x7f);
            for (let i = 0; i < frame.length; i++) {
              if (i >= headerSize) payloadIndex++;
              try {
                parser.push(frame.subarray(i, i + 1));
              } catch (error) {
                expect((error as ProtocolError).closeCode).toBe(1007);
                failedAt = payloadIndex;
                break outer;
              }
            }
          }
          expect(failedAt).toBe(firstBadByte(payload));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A reference for "the first bad byte", computed a different way from the
 * validator: the shortest prefix that no continuation can make valid UTF-8, or
 * the last byte when every prefix can still be completed.
 */
function firstBadByte(bytes: Buffer): number {
  const tails = [[], [0x80], [0x90], [0xa0], [0xbf], [0x80, 0x80], [0x90, 0x80], [0xa0, 0x80], [0x80, 0x80, 0x80], [0x90, 0x80, 0x80]];
  for (let end = 1; end <= bytes.length; end++) {
    const prefix = bytes.subarray(0, end);
    if (!tails.some((tail) => isUtf8(Buffer.concat([prefix, Buffer.from(tail)])))) return end - 1;
  }
  return bytes.length - 1;
}
