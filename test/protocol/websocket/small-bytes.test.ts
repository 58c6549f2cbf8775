import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Opcode, encodeFrame } from '../../../src/protocol/websocket/index.js';
import { freshBytes, slabBytes } from '../../../src/protocol/websocket/small-bytes.js';

describe('smallBytes: slices of a shared slab, or fresh arrays on JavaScriptCore', () => {
  it('fresh arrays are zeroed and of the size asked', () => {
    expect([...freshBytes(3)]).toEqual([0, 0, 0]);
  });

  it('slabBytes hands out zeroed, 8-aligned slices that never overlap, across slab changes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 400 }), (sizes) => {
        const slices = sizes.map((size) => {
          const bytes = slabBytes(size);
          expect(bytes.length).toBe(size);
          expect(bytes.byteOffset % 8).toBe(0);
          expect(bytes.every((byte) => byte === 0)).toBe(true);
          bytes.fill(0xff);
          return bytes;
        });
        // Filling each slice touched no other: slices sharing a slab do not overlap.
        for (let i = 0; i < slices.length; i++) {
          for (let j = i + 1; j < slices.length; j++) {
            const [a, b] = [slices[i], slices[j]];
            if (a.buffer !== b.buffer) continue;
            expect(a.byteOffset + a.length <= b.byteOffset || b.byteOffset + b.length <= a.byteOffset).toBe(true);
          }
        }
      }),
    );
  });

  it('headers encoded earlier keep their bytes when thousands more frames are encoded', () => {
    const first = encodeFrame(new Uint8Array(5), { opcode: Opcode.Binary });
    const masked = encodeFrame(Uint8Array.of(1, 2, 3), { opcode: Opcode.Text, mask: Uint8Array.of(9, 8, 7, 6) });
    const copies = [Uint8Array.from(first[0]), Uint8Array.from(masked[0])];
    for (let i = 0; i < 5000; i++) encodeFrame(new Uint8Array(i % 300), { opcode: Opcode.Text, fin: i % 2 === 0 });
    expect(first[0]).toEqual(copies[0]);
    expect([...first[0]]).toEqual([0x82, 5]);
    expect(masked[0]).toEqual(copies[1]);
    expect([...masked[0]]).toEqual([0x81, 0x83, 9, 8, 7, 6, 1 ^ 9, 2 ^ 8, 3 ^ 7]);
  });
});
