import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameAnnotator, type AnnotatedFrame } from '../../../src/protocol/inspector/index.js';
import { encodeFrame } from '../../../src/protocol/websocket/index.js';
import { splitAt } from '../../support/collect.js';

interface FrameSpec {
  opcode: number;
  fin: boolean;
  rsv: number;
  mask?: Uint8Array;
  payload: Uint8Array;
}

const dataFrame = fc.record({
  opcode: fc.constantFrom(0x0, 0x1, 0x2),
  fin: fc.boolean(),
  rsv: fc.integer({ min: 0, max: 7 }),
  mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
  // Lengths on both sides of the 7-bit and 16-bit forms' limits (125/126, 65535/65536).
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 130 }),
    fc.integer({ min: 65_530, max: 65_540 }).map((n) => Uint8Array.from({ length: n }, (_, i) => i * 7)),
  ),
});
const controlFrame = fc.record({
  opcode: fc.constantFrom(0x8, 0x9, 0xa),
  fin: fc.constant(true),
  rsv: fc.constant(0),
  mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 125 }),
});
const frameArb: fc.Arbitrary<FrameSpec> = fc.oneof(dataFrame, controlFrame);

function encode(spec: FrameSpec): Uint8Array {
  const parts = encodeFrame(spec.payload, { opcode: spec.opcode, fin: spec.fin, rsv: spec.rsv, mask: spec.mask });
  return Buffer.concat(parts);
}

/** Reads a field's bits back out of the frame's bytes. */
function fieldBits(frame: AnnotatedFrame, name: string): number {
  const field = frame.fields.find((f) => f.name === name)!;
  const byte = frame.bytes[field.offset];
  const { first, count } = field.bits!;
  return (byte >> (8 - first - count)) & ((1 << count) - 1);
}

describe('frame annotation properties', () => {
  it('annotate(encodeFrame(x)) recovers x, for any frames and any chunking', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (specs, cuts) => {
        const encoded = specs.map(encode);
        const stream = Buffer.concat(encoded);
        const annotator = new FrameAnnotator();
        const frames = splitAt(stream, cuts.map((cut) => cut % (stream.length + 1))).flatMap((chunk) => annotator.push(chunk));
        expect(frames).toHaveLength(specs.length);
        expect(annotator.pendingBytes).toBe(0);
        let offset = 0;
        specs.forEach((spec, i) => {
          const frame = frames[i];
          expect(frame.streamOffset).toBe(offset);
          expect(Buffer.from(frame.bytes).equals(Buffer.from(encoded[i]))).toBe(true);
          offset += encoded[i].length;
          expect(frame.wireLength).toBe(encoded[i].length);
          expect(frame.opcode).toBe(spec.opcode);
          expect(frame.fin).toBe(spec.fin);
          expect(frame.rsv).toBe(spec.rsv);
          expect(frame.masked).toBe(spec.mask !== undefined);
          expect(frame.maskKey && [...frame.maskKey]).toEqual(spec.mask && [...spec.mask]);
          expect(Buffer.from(frame.payload).equals(Buffer.from(spec.payload))).toBe(true);
          expect(frame.payloadLength).toBe(spec.payload.length);
          expect(frame.truncated).toBe(false);
          const n = spec.payload.length;
          expect(frame.lengthForm).toBe(n < 126 ? '7-bit' : n < 65536 ? '16-bit' : '64-bit');
          // Every field's bytes lie inside the frame, and the bit fields read back their values.
          for (const field of frame.fields) expect(field.offset + field.length).toBeLessThanOrEqual(frame.bytes.length);
          expect(fieldBits(frame, 'FIN')).toBe(spec.fin ? 1 : 0);
          expect(fieldBits(frame, 'RSV1') * 4 + fieldBits(frame, 'RSV2') * 2 + fieldBits(frame, 'RSV3')).toBe(spec.rsv);
          expect(fieldBits(frame, 'opcode')).toBe(spec.opcode);
          expect(fieldBits(frame, 'MASK')).toBe(spec.mask ? 1 : 0);
          const key = frame.fields.find((f) => f.name === 'masking key');
          if (spec.mask) expect([...frame.bytes.subarray(key!.offset, key!.offset + 4)]).toEqual([...spec.mask]);
          else expect(key).toBeUndefined();
          const payloadField = frame.fields.find((f) => f.name === 'payload');
          expect(payloadField?.offset ?? frame.headerLength).toBe(frame.headerLength);
          expect(frame.headerLength + n).toBe(frame.bytes.length);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('keeps at most captureLimit payload bytes, and still finds every frame boundary', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 50 }), (specs, limit, step) => {
        const stream = Buffer.concat(specs.map(encode));
        const annotator = new FrameAnnotator({ captureLimit: limit });
        const frames: AnnotatedFrame[] = [];
        for (let at = 0; at < stream.length; at += step) frames.push(...annotator.push(stream.subarray(at, at + step)));
        expect(frames.map((f) => f.opcode)).toEqual(specs.map((s) => s.opcode));
        frames.forEach((frame, i) => {
          const kept = Math.min(limit, specs[i].payload.length);
          expect(frame.payload.length).toBe(kept);
          expect(frame.truncated).toBe(kept < specs[i].payload.length);
          expect(Buffer.from(frame.payload).equals(Buffer.from(specs[i].payload.subarray(0, kept)))).toBe(true);
          expect(frame.payloadLength).toBe(specs[i].payload.length);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('never throws on arbitrary bytes, and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (bytes, step) => {
        const annotator = new FrameAnnotator({ captureLimit: 64 });
        let total = 0;
        for (let at = 0; at < bytes.length; at += step) {
          for (const frame of annotator.push(bytes.subarray(at, at + step))) total += frame.wireLength;
        }
        if (annotator.failure === undefined) expect(total + annotator.pendingBytes).toBe(bytes.length);
        else expect(total).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 300 },
    );
  });
});
