import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMask, applyMaskKey, createMaskKeySource } from '../../../src/protocol/websocket/index.js';
import { applyMaskKeyWords } from '../../../src/protocol/websocket/mask.js';
import { isJavaScriptCore } from '../../../src/protocol/websocket/engine.js';

function naive(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return data.map((byte, i) => byte ^ key[(phase + i) & 3]);
}

describe('applyMask (§5.3)', () => {
  it('equals the byte-by-byte definition at any length, alignment and phase', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 3 }),
        (bytes, key, offset, phase) => {
          const backing = new Uint8Array(bytes.length + 8);
          const view = backing.subarray(offset, offset + bytes.length);
          view.set(bytes);
          applyMask(view, key, phase);
          expect(view).toEqual(naive(bytes, key, phase));
          applyMask(view, key, phase);
          expect(view).toEqual(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes the key as a number too: its octets, highest first, are the key bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (bytes, key, phase) => {
        const asNumber = (key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3];
        const viaNumber = Uint8Array.from(bytes);
        applyMaskKey(viaNumber, asNumber, phase);
        expect(viaNumber).toEqual(naive(bytes, key, phase));
      }),
    );
  });

  it('reads the key at an offset inside a larger buffer', () => {
    const data = Buffer.alloc(100, 0);
    const holder = Buffer.from([9, 9, 1, 2, 3, 4, 9]);
    applyMask(data, holder, 1, 2);
    expect([...data.subarray(0, 5)]).toEqual([2, 3, 4, 1, 2]);
    expect(data[99]).toBe(1);
  });

  it('unmasking piece by piece with the running phase equals unmasking at once', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(300), (bytes, key, cut) => {
        const at = Math.min(cut, bytes.length);
        const whole = Uint8Array.from(bytes);
        applyMask(whole, key);
        const pieces = Uint8Array.from(bytes);
        applyMask(pieces.subarray(0, at), key, 0);
        applyMask(pieces.subarray(at), key, at & 3);
        expect(pieces).toEqual(whole);
      }),
    );
  });
});

describe('applyMaskKeyWords: both word widths, whichever one this engine uses', () => {
  for (const bits of [32, 64] as const) {
    it(`${bits}-bit words equal the byte-by-byte definition at every length, offset and phase`, () => {
      fc.assert(
        fc.property(
          // Lengths around the word threshold (64) and long enough for every unrolled loop's tail.
          fc.uint8Array({ maxLength: 700 }),
          fc.uint8Array({ minLength: 4, maxLength: 4 }),
          fc.integer({ min: 0, max: 15 }),
          fc.integer({ min: 0, max: 3 }),
          (bytes, key, offset, phase) => {
            const backing = new Uint8Array(bytes.length + 16).fill(0xa5);
            const view = backing.subarray(offset, offset + bytes.length);
            view.set(bytes);
            const asNumber = (key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3];
            applyMaskKeyWords(view, asNumber, phase, bits);
            expect(view).toEqual(naive(bytes, key, phase));
            // Not a byte outside the view is touched.
            expect(backing.subarray(0, offset).every((byte) => byte === 0xa5)).toBe(true);
            expect(backing.subarray(offset + bytes.length).every((byte) => byte === 0xa5)).toBe(true);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it(`${bits}-bit words: every length from 0 to 200 at every offset 0..7 and phase`, () => {
      const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
      for (let length = 0; length <= 200; length++) {
        const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
        for (let offset = 0; offset < 8; offset++) {
          for (let phase = 0; phase < 4; phase++) {
            const view = new Uint8Array(length + 8).subarray(offset, offset + length);
            view.set(bytes);
            applyMaskKeyWords(view, 0x37fa213d, phase, bits);
            expect(view).toEqual(naive(bytes, key, phase));
          }
        }
      }
    });
  }

  it('the same 64 KiB + 5 at an odd offset, both widths', () => {
    const key = Uint8Array.of(1, 2, 254, 255);
    const bytes = Uint8Array.from({ length: (1 << 16) + 5 }, (_, i) => (i * 131) & 0xff);
    const expected = naive(bytes, key, 3);
    for (const bits of [32, 64] as const) {
      const view = new Uint8Array(bytes.length + 8).subarray(3, 3 + bytes.length);
      view.set(bytes);
      applyMaskKeyWords(view, 0x0102feff, 3, bits);
      expect(Buffer.from(view).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('tells JavaScriptCore (Errors with their own line number) from V8 and SpiderMonkey', () => {
    expect(isJavaScriptCore({ line: 1, column: 2, sourceURL: 'x.js' })).toBe(true);
    // This engine's own Error: JavaScriptCore under Bun, V8 under Node and Deno.
    expect(isJavaScriptCore(new Error('this engine'))).toBe('Bun' in globalThis);
    expect(isJavaScriptCore({ lineNumber: 1, fileName: 'x.js' })).toBe(false);
  });
});

describe('createMaskKeySource (§10.3)', () => {
  it('gives 4-byte keys that do not repeat, across pool refills', () => {
    const next = createMaskKeySource();
    const seen = new Set<string>();
    const frame = Buffer.alloc(8);
    for (let i = 0; i < 5000; i++) {
      next(frame, 2);
      seen.add(frame.subarray(2, 6).toString('hex'));
    }
    expect(frame.subarray(0, 2)).toEqual(Buffer.alloc(2));
    expect(frame.subarray(6)).toEqual(Buffer.alloc(2));
    // 5,000 draws from 2^32 values: a collision or two is possible, many would mean no randomness.
    expect(seen.size).toBeGreaterThan(4990);
  });
});
