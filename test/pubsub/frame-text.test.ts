// A shared fan-out frame read back as its JSON text by the transports that are not WebSockets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameText } from '../../src/pubsub/frame-text.js';
import { Opcode, encodeSharedFrame } from '../../src/protocol/websocket/index.js';

describe('frameText', () => {
  it('gives back the payload text of any unmasked text frame, whatever its length field', () => {
    const lengths = fc.oneof(fc.integer({ min: 0, max: 125 }), fc.integer({ min: 126, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10100 }));
    fc.assert(
      fc.property(lengths, fc.string({ maxLength: 4, unit: 'grapheme' }), (length, unit) => {
        const text = (unit === '' ? 'a' : unit).repeat(length).slice(0, length);
        const frame = encodeSharedFrame(Buffer.from(text), Opcode.Text);
        expect(frameText(frame)).toBe(Buffer.from(text).toString('utf8'));
      }),
      { numRuns: 60 },
    );
  });

  it('decodes a frame once, however many sessions it goes to', () => {
    const frame = encodeSharedFrame(Buffer.from('{"type":"message"}'), Opcode.Text);
    expect(frameText(frame)).toBe(frameText(frame));
    expect(frameText(frame)).toBe('{"type":"message"}');
  });
});
