import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageBuffer } from '../../../src/protocol/websocket/index.js';

describe('MessageBuffer', () => {
  it('gives back exactly the bytes appended, for any mix of small and large pieces', () => {
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.integer({ min: 16 * 1024, max: 40 * 1024 }).map((size) => new Uint8Array(size).fill(size & 0xff)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 8 }), { minLength: 1, maxLength: 3 }), (messages) => {
        const buffer = new MessageBuffer();
        for (const pieces of messages) {
          const expected = Buffer.concat(pieces);
          for (const bytes of pieces) buffer.append(bytes, expected.length);
          // Buffer.equals: a deep toEqual over tens of kilobytes is far too slow here.
          expect(buffer.take().equals(expected)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps large pieces by reference and copies them once, at the end', () => {
    const buffer = new MessageBuffer();
    const first = Buffer.alloc(20_000, 1);
    buffer.append(first, 20_000);
    const whole = buffer.take();
    expect(whole.buffer).toBe(first.buffer);
  });

  it('does not let a message share memory with the next one', () => {
    const buffer = new MessageBuffer();
    buffer.append(Buffer.from('abc'), 1000);
    const first = buffer.take();
    buffer.append(Buffer.from('xyz'), 1000);
    const second = buffer.take();
    expect(first.toString()).toBe('abc');
    expect(second.toString()).toBe('xyz');
  });
});
